"""One status line on stderr for a long step, redrawn in place, only on a terminal.

`progress("Reading")` yields a function taking the current text ("campaign 3/8: renewals-us");
each call redraws the line, and the line is erased when the block ends, so the command's own
output is never mixed with it. When stderr is not a terminal (pipes, CI logs) nothing is
written at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

__all__ = ["progress"]

_ERASE = "\r\x1b[K"


@contextmanager
def progress(label: str) -> Iterator[Callable[[str], None]]:
    """A function that shows `label: text` on a terminal's stderr until the block ends."""
    if not sys.stderr.isatty():
        yield lambda _text: None
        return
    shown = False

    def show(text: str) -> None:
        nonlocal shown
        click.echo(f"{_ERASE}{label}: {text}", err=True, nl=False)
        shown = True

    try:
        yield show
    finally:
        if shown:
            click.echo(_ERASE, err=True, nl=False)
