"""Shared fixtures: the CXone emulator over real HTTP on 127.0.0.1.

`emulator_factory(**kwargs)` starts an `Emulator` with the given settings and closes it when
the test ends; `emulator` is one with campaigns "c1" and "c2" and default settings.
`emulator_session` is a `requests` session bound to `emulator` that fetches a token once.
`admin_emulator` is the Admin API emulator; `admin_repo` a working directory whose
cxsched.yaml selects the admin profile. `github` is the GitHub API stub of `support.github`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import Emulator
from reconciler.emulator.admin import AdminEmulator
from support.emulator import EmulatorFactory, EmulatorSession
from support.github import GitHubStub


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


@pytest.fixture
def admin_emulator_factory() -> Iterator[Callable[..., AdminEmulator]]:
    started: list[AdminEmulator] = []

    def start(**kwargs: Any) -> AdminEmulator:
        emulator = AdminEmulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in reversed(started):
        emulator.close()


@pytest.fixture
def admin_emulator(admin_emulator_factory: Callable[..., AdminEmulator]) -> AdminEmulator:
    """The Admin API emulator with its default tenant (three PC skills)."""
    return admin_emulator_factory()


@pytest.fixture
def admin_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository of the admin profile (cxsched.yaml only), as the working directory."""
    (tmp_path / "cxsched.yaml").write_text("formatVersion: 1\nprofile: admin\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("CXONE_API_VERSION", "CXONE_RPS", "CXSCHED_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def github() -> Iterator[GitHubStub]:
    """The stateful GitHub API stand-in of `support.github`, on 127.0.0.1."""
    with GitHubStub() as stub:
        yield stub
