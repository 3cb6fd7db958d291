"""Shared fixtures: the CXone emulator over real HTTP on 127.0.0.1.

`emulator_factory(**kwargs)` starts an `Emulator` with the given settings and closes it when
the test ends; `emulator` is one with campaigns "c1" and "c2" and default settings.
`emulator_session` is a `requests` session bound to `emulator` that fetches a token once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.emulator import Emulator
from support.emulator import EmulatorFactory, EmulatorSession


@pytest.fixture
def emulator_factory() -> Iterator[EmulatorFactory]:
    started: list[Emulator] = []

    def start(**kwargs: Any) -> Emulator:
        emulator = Emulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in reversed(started):
        emulator.close()


@pytest.fixture
def emulator(emulator_factory: EmulatorFactory) -> Emulator:
    return emulator_factory(campaigns=("c1", "c2"))


@pytest.fixture
def emulator_session(emulator: Emulator) -> Iterator[EmulatorSession]:
    session = EmulatorSession(emulator)
    yield session
    session.close()
