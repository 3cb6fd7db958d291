"""SIGINT and SIGTERM handling of the command line, with real signals sent to real processes.

In this process: `raising_sigterm` turns SIGTERM into `Terminated`, `graceful` turns the first
signal into a stop request, both restore the handlers they replaced, and both stand aside off
the main thread (where Python cannot install handlers). In a child process: a second signal
during `graceful` ends the process at once with 128 + the signal and says why.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reconciler.commands._signals import (
    Caught,
    Terminated,
    exit_code,
    graceful,
    raising_sigterm,
    signal_name,
)

posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def test_exit_codes_and_names() -> None:
    assert exit_code(Terminated()) == 143
    assert exit_code(KeyboardInterrupt()) == 130
    assert isinstance(Terminated(), KeyboardInterrupt)
    assert (signal_name(signal.SIGINT), signal_name(signal.SIGTERM)) == ("SIGINT", "SIGTERM")
    assert Caught().exit_code is None


@posix
def test_sigterm_raises_terminated_inside_and_the_old_handler_returns() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), raising_sigterm():
        os.kill(os.getpid(), signal.SIGTERM)
        threading.Event().wait(5)
    assert signal.getsignal(signal.SIGTERM) is before


@posix
def test_the_first_signal_is_a_stop_request() -> None:
    requests: list[str] = []
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with graceful(requests.append) as caught:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(500):
            if requests:
                break
            threading.Event().wait(0.01)
    assert requests == ["SIGTERM received"]
    assert (caught.signum, caught.exit_code) == (signal.SIGTERM, 143)
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_off_the_main_thread_both_stand_aside() -> None:
    seen: list[object] = []
    before = signal.getsignal(signal.SIGTERM)

    def run() -> None:
        with raising_sigterm():
            seen.append(signal.getsignal(signal.SIGTERM))
        with graceful(seen.append) as caught:
            seen.append(signal.getsignal(signal.SIGINT))
            seen.append(caught.exit_code)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(10)
    assert seen == [before, signal.getsignal(signal.SIGINT), None]


CHILD = """
import os, signal, sys, threading
from reconciler.commands._signals import graceful

with graceful(lambda why: print(why, flush=True)) as caught:
    os.kill(os.getpid(), signal.SIGINT)
    threading.Event().wait(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
    threading.Event().wait(10)
print("not reached", flush=True)
"""


@posix
def test_a_second_signal_ends_the_process_at_once(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 128 + signal.SIGTERM
    assert done.stdout == "SIGINT received\n"
    assert done.stderr == (
        "SIGTERM again: stopping at once; a write in flight keeps its intent record without an "
        "outcome (unknown until the next apply or plan settles it)\n"
    )
