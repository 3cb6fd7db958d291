"""Test helpers around the CXone emulator: a factory type, a keep-alive session, and the
settings of a real client of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from reconciler.cxone import CxoneClient, Settings
from reconciler.emulator import Emulator

__all__ = ["EmulatorFactory", "EmulatorSession", "client_for", "settings_for"]

EmulatorFactory = Callable[..., Emulator]


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


def settings_for(emu: Emulator) -> Settings:
    """The client settings of `emu`'s credentials, nothing read from the environment."""
    return Settings.resolve(
        base_url=emu.base_url,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        env_file=None,
        environ={},
    )


def client_for(emu: Emulator) -> CxoneClient:
    """A real client of `emu` (close it, or use `with`)."""
    return CxoneClient(settings_for(emu))
