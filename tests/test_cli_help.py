"""`cxsched --help` lists every command with its own one-line help, importing none of them."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import click
from click.testing import CliRunner

from reconciler.cli import SHORT_HELP, main


def test_the_static_help_is_each_commands_own() -> None:
    assert isinstance(main, click.Group)
    ctx = click.Context(main, info_name="cxsched")
    names = main.list_commands(ctx)
    assert names == list(SHORT_HELP)
    for name in names:
        command = main.get_command(ctx, name)
        assert command is not None
        assert SHORT_HELP[name] == command.get_short_help_str(limit=10_000), name


def test_help_is_what_click_would_print_with_every_command_imported() -> None:
    ctx = click.Context(main, info_name="cxsched", terminal_width=80)
    lazy = ctx.make_formatter()
    main.format_commands(ctx, lazy)
    imported = ctx.make_formatter()
    click.Group.format_commands(main, ctx, imported)
    assert lazy.getvalue() == imported.getvalue()
    assert "\n  plan       Show what applying PATHs (default schedules/) would" in lazy.getvalue()


def test_help_imports_no_command_module() -> None:
    script = (
        "import json, sys\n"
        "from reconciler.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "command_modules = [m for m in sys.modules if m.startswith('reconciler.commands.') "
        "and not m.rsplit('.', 1)[1].startswith('_')]\n"  # shared option helpers are fine
        "names = command_modules + [m for m in sys.modules if "
        "m.split('.')[0] in ('requests', 'urllib3', 'jsonschema', 'yaml', 'orjson')]\n"
        "print(json.dumps(names), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
    assert "Commands:\n  validate   Check schedule files" in done.stdout
    assert all(f"  {name} " in done.stdout for name in SHORT_HELP)


def test_a_subcommand_still_dispatches() -> None:
    result = CliRunner().invoke(main, ["plan", "--help"], prog_name="cxsched")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: cxsched plan [OPTIONS] [PATH...]\n")
    assert importlib.import_module("reconciler.commands.plan").command.name == "plan"
