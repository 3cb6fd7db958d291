"""SIGINT and SIGTERM for the command line: exit codes 130 and 143, and graceful stops.

Outside a long write, a signal ends the command at once: SIGINT raises Python's
`KeyboardInterrupt`, SIGTERM (how CI cancels a job) raises `Terminated`, its subclass, so both
take the same paths and the CLI exits 130 or 143 (`exit_code`). During an apply,
`graceful(stop)` turns the first SIGINT or SIGTERM into a stop request instead: the writes in
flight finish, nothing new starts; a second signal ends the process at once (`os._exit`), so a
write then in flight keeps an intent record without an outcome, which the trail reads as
"attempted, result unknown" (an append is one `write`, so no record is ever cut).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Caught", "Terminated", "exit_code", "graceful", "raising_sigterm", "signal_name"]

_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


class Terminated(KeyboardInterrupt):
    """SIGTERM was received (raised like Ctrl-C's KeyboardInterrupt)."""


def exit_code(exc: BaseException) -> int:
    """143 for SIGTERM, 130 for SIGINT (128 + the signal number, as shells report it)."""
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextmanager
def raising_sigterm() -> Iterator[None]:
    """SIGTERM raises `Terminated` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        _restore(signal.SIGTERM, previous)


class Caught:
    """The signal `graceful` caught first, if any."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum


@contextmanager
def graceful(request: Callable[[str], None]) -> Iterator[Caught]:
    """The first SIGINT/SIGTERM calls `request("SIGINT received")`; a second one raises."""
    caught = Caught()
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    sigs = (signal.SIGINT, signal.SIGTERM)

    def first(signum: int, frame: FrameType | None) -> None:
        caught.signum = signum
        request(f"{signal_name(signum)} received")
        for sig in sigs:
            signal.signal(sig, second)

    def second(signum: int, frame: FrameType | None) -> None:
        sys.stderr.write(
            f"{signal_name(signum)} again: stopping at once; a write in flight keeps its intent "
            "record without an outcome (unknown until the next apply or plan settles it)\n"
        )
        sys.stderr.flush()
        os._exit(128 + signum)

    previous: dict[int, _Handler] = {sig: signal.signal(sig, first) for sig in sigs}
    try:
        yield caught
    finally:
        for sig, handler in previous.items():
            _restore(sig, handler)


def _restore(sig: int, handler: _Handler) -> None:
    signal.signal(sig, signal.SIG_DFL if handler is None else handler)
