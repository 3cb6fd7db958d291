"""The `cxsched` command line: parse, call one library function, render, choose the exit code.

Subcommands live one per module in `reconciler.commands` and are imported only when used, so
`cxsched validate` does not pay for the HTTP client or the emulator, and `cxsched --help`
imports none of them (their one-line help is `SHORT_HELP`). Exit codes: 0 success (no
changes), 1 expected failure (invalid input, API failure, conflict), 2 success with changes
pending (`plan --detailed-exitcode`), 3 a bug, 130 interrupted (SIGINT), 143 terminated
(SIGTERM). Output into a pipe whose
reader has gone (`cxsched audit show | head -1`) ends the command quietly with exit 1, as
Python's documentation recommends, never with a traceback. A usage error (unknown flag,
bad option value, missing argument) exits 1 with click's message: click's own 2 would read as
"changes pending" to a pipeline.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import Any

import click

from reconciler import __version__
from reconciler.commands._output import configure_logging, logging_scope, shared_options
from reconciler.errors import CxschedError

__all__ = ["SHORT_HELP", "main"]

#: command name -> module of `reconciler.commands` that defines `command`.
_COMMANDS: dict[str, str] = {
    "validate": "validate",
    "plan": "plan",
    "apply": "apply",
    "import": "import_",
    "optimize": "optimize",
    "adherence": "adherence",
    "export": "export",
    "audit": "audit",
    "emulator": "emulator",
    "laws": "laws",
    "calendar": "calendar",
    "doctor": "doctor",
    "show": "show",
}
#: command name -> its one-line help (the first sentence of its docstring), so that `--help`
#: lists the commands without importing them; a test checks it against the commands.
SHORT_HELP: dict[str, str] = {
    "validate": "Check schedule files in PATHs (default schedules/) against the schema and the "
    "rules.",
    "plan": "Show what applying PATHs (default schedules/) would change on the tenant.",
    "apply": "Apply a saved plan, or plan PATHs (default schedules/) and apply after confirmation.",
    "import": "Write the live schedules of campaign ID as desired files with pinned ids.",
    "optimize": "Recommend callRate, maxConcurrentCalls and peakHourBoost from answer rates.",
    "adherence": "Compare the attempts each schedule planned with those the dialer made.",
    "export": "Export interactions of a campaign (or poll one: `export status ID`), or schedule "
    "metadata with --local.",
    "audit": "Verify or show the hash-chained audit trail of plan and apply runs.",
    "emulator": "A local CXone emulator: the contract's API over HTTP, for demos, tests and CI.",
    "laws": "List the calling-hour rules: jurisdiction, hours, bans, citation, confidence.",
    "calendar": "Callable hours of FILE per local date in ZONE, with the legal hours beside them.",
    "doctor": "Check the tenant read-only and print a redacted report (admin profile).",
    "show": "Show the saved plan PLAN.json (made by `cxsched plan --out`); no API call.",
}
_PACKAGE = "reconciler.commands"


#: The exit code of a usage error (click's default, 2, means "changes pending" here).
USAGE_EXIT = 1


class _LazyGroup(click.Group):
    """Imports a subcommand's module on first use; renders expected errors once."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            setattr(exc, "exit_code", USAGE_EXIT)  # noqa: B010 (a ClassVar in the stubs)
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, mod in _COMMANDS.items() if _module_exists(mod)]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one-line help, as click lists them, without importing them."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, click.Command(name, help=SHORT_HELP[name]).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMANDS.get(cmd_name)
        if module is None or not _module_exists(module):
            return None
        command = importlib.import_module(f"{_PACKAGE}.{module}").command
        assert isinstance(command, click.Command)
        _add_shared_options(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        from reconciler.commands._signals import exit_code, raising_sigterm

        try:
            with raising_sigterm(), logging_scope():
                return super().invoke(ctx)
        except CxschedError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt as exc:
            click.echo("interrupted", err=True)
            ctx.exit(exit_code(exc))
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(1)
        except click.UsageError as exc:  # a subcommand's unknown flag, bad value, ...
            setattr(exc, "exit_code", USAGE_EXIT)  # noqa: B010 (a ClassVar in the stubs)
            raise
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly, without a wall of traceback
            click.echo(
                f"internal error ({type(exc).__name__}): {exc}\n"
                "This is a bug in cxsched; please report it with the command you ran "
                "(set CXSCHED_DEBUG=1 to see the traceback).",
                err=True,
            )
            if _debug():
                raise
            ctx.exit(3)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (an in-process runner)
        pass


def _add_shared_options(command: click.Command) -> None:
    """-v and --no-color after the subcommand too (`cxsched plan -v`, `cxsched audit show -v`)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _add_shared_options(sub)
        return
    known = {name for param in command.params for name in param.opts}
    command.params.extend(o for o in shared_options() if not known & set(o.opts))


def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(f"{_PACKAGE}.{module}") is not None


#: Garbage-collection thresholds: a young collection every 50,000 allocations instead of 700.
#: A run builds large acyclic states (50,000 schedules are millions of objects) that reference
#: counting frees; measured on a plan of 50,000 schedules, this cuts the main process's CPU
#: from about 6.1 s to 5.2 s (validation workers inherit it). `gc.freeze()` after loading
#: showed no further gain on top of it, so it is not used.
_GC_THRESHOLDS = (50_000, 20, 100)


def _collect_less() -> None:
    import gc

    gc.set_threshold(*_GC_THRESHOLDS)


def _debug() -> bool:
    return os.environ.get("CXSCHED_DEBUG", "") not in ("", "0")


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    params=shared_options(),
)
@click.version_option(__version__, prog_name="cxsched")
def main() -> None:
    """Declarative GitOps for NICE CXone outbound campaign schedules.

    Schedules live as YAML in git; `plan` shows what would change on the tenant, `apply`
    makes exactly those changes with ETag-guarded writes, and every step is audited.
    """
    _collect_less()
    configure_logging(click.get_current_context().meta.get("cxsched.verbose", 0))
