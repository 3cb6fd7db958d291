"""Shared fixtures: the CXone emulator over real HTTP on 127.0.0.1.

`emulator_factory(**kwargs)` starts an `Emulator` with the given settings and closes it when
the test ends; `emulator` is one with campaigns "c1" and "c2" and default settings.
`emulator_session` is a `requests` session bound to `emulator` that fetches a token once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from reconciler.emulator import Emulator

EmulatorFactory = Callable[..., Emulator]


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


class EmulatorSession:
    """A keep-alive session against one emulator, with a bearer token once asked for."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.http = requests.Session()
        self.access_token: str | None = None

    def token(self, scope: str | None = None) -> requests.Response:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.emulator.client_id,
            "client_secret": self.emulator.client_secret,
        }
        if scope is not None:
            form["scope"] = scope
        response = self.http.post(f"{self.emulator.base_url}/oauth/token", data=form, timeout=5)
        if response.status_code == 200:
            self.access_token = response.json()["access_token"]
        return response

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.access_token is None:
            assert self.token().status_code == 200
        headers = {"Authorization": f"Bearer {self.access_token}", **kwargs.pop("headers", {})}
        url = f"{self.emulator.base_url}{path}"
        return self.http.request(method, url, headers=headers, timeout=5, **kwargs)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def emulator_session(emulator: Emulator) -> Iterator[EmulatorSession]:
    session = EmulatorSession(emulator)
    yield session
    session.close()
