"""The `cxsched` command line: parse, call one library function, render, choose the exit code.

Subcommands live one per module in `reconciler.commands` and are imported only when used, so
`cxsched validate` does not pay for the HTTP client or the emulator. Exit codes: 0 success (no
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

__all__ = ["main"]

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
    configure_logging(click.get_current_context().meta.get("cxsched.verbose", 0))
