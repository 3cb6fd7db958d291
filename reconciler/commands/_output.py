"""Output conventions shared by every command: colour, and the options accepted anywhere.

Colour only on a terminal, and never when `NO_COLOR` is set to anything non-empty
(no-color.org) or `--no-color` is given. `-v/--verbose` and `--no-color` are accepted before
the subcommand (`cxsched -v plan`) and after it (`cxsched plan -v`): `shared_options` returns
the options the command group adds to every subcommand. `write_or_echo` puts a command's
table on standard output, or into the file of its `--out` option (atomically; InputError when
it cannot be written) with a note on stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from reconciler.util.atomic import atomic_write

__all__ = ["configure_logging", "logging_scope", "shared_options", "use_color", "write_or_echo"]

_NO_COLOR = "cxsched.no_color"
_VERBOSE = "cxsched.verbose"


def use_color(stream_is_tty: bool | None = None) -> bool:
    """True when output may be coloured: a terminal, no `NO_COLOR`, no `--no-color`."""
    tty = sys.stdout.isatty() if stream_is_tty is None else stream_is_tty
    if not tty or os.environ.get("NO_COLOR", ""):
        return False
    ctx = click.get_current_context(silent=True)
    return not (ctx is not None and ctx.meta.get(_NO_COLOR, False))


def write_or_echo(text: str, out: Path | None, what: str) -> None:
    """`text` on standard output, or written to `out` with "wrote `what` to `out`" on stderr."""
    if out is None:
        click.echo(text, nl=False)
        return
    atomic_write(out, text)
    click.echo(f"wrote {what} to {out}", err=True)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record is logged."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(verbose: int) -> None:
    """WARNING, -v INFO (one line per API request), -vv DEBUG; on stderr."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _StderrHandler)]
    if verbose == 0 and not ours:
        return  # Python's default: warnings and errors on stderr
    if not ours:
        ours = [_StderrHandler(sys.stderr)]
        ours[0].setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(ours[0])
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    ours[0].setLevel(level)
    if verbose:
        root.setLevel(min(root.getEffectiveLevel(), level))


@contextmanager
def logging_scope() -> Iterator[None]:
    """Undo `configure_logging` when the command ends (the CLI may run in a longer process)."""
    root = logging.getLogger()
    level = root.level
    try:
        yield
    finally:
        for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
            root.removeHandler(handler)
        root.setLevel(level)


def _no_color(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_NO_COLOR] = True


def _verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    total = ctx.meta.get(_VERBOSE, 0) + (value or 0)
    ctx.meta[_VERBOSE] = total
    if value and ctx.parent is not None:  # the group's own count is applied when it runs
        configure_logging(total)


def shared_options() -> list[click.Option]:
    """`-v/--verbose` and `--no-color`, as options of the group and of every subcommand."""
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_verbose,
            help="Log one line per API request (-vv: debug).",
        ),
        click.Option(
            ["--no-color"],
            is_flag=True,
            expose_value=False,
            callback=_no_color,
            help="No colour in the output (also: NO_COLOR=1).",
        ),
    ]
