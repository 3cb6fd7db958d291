"""Where and as whom the Admin API profile connects, from flags, environment and `.env`.

Precedence per setting: flag > environment variable > `.env` file > default. The registered
back-end app (client id and secret) and the API user's access key (id and secret) are all
required; the issuer defaults to `https://cxone.niceincontact.com` (FedRAMP tenants use
`https://cxone-gov.niceincontact.com`) and must be https, or http to a loopback host (the
emulator). `CXONE_API_VERSION` pins one API version (e.g. `30` or `v30.0`) instead of the
highest per route. Secrets are `Secret`s; `Redactor` blanks them from any text shown, in the
encodings they travel in. Errors: `SettingsError`, naming the flag or variable.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

from reconciler.cxone.errors import SettingsError
from reconciler.cxone.settings import Secret, Sources, positive_number, url_problem

__all__ = [
    "DEFAULT_ISSUER",
    "ENV_ACCESS_KEY_ID",
    "ENV_ACCESS_KEY_SECRET",
    "ENV_API_VERSION",
    "ENV_ISSUER",
    "AdminSettings",
    "Redactor",
    "checked_url",
    "parse_version",
]

DEFAULT_ISSUER = "https://cxone.niceincontact.com"
ENV_ISSUER = "CXONE_ISSUER"
ENV_CLIENT_ID = "CXONE_CLIENT_ID"
ENV_CLIENT_SECRET = "CXONE_CLIENT_SECRET"
ENV_ACCESS_KEY_ID = "CXONE_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "CXONE_ACCESS_KEY_SECRET"
ENV_API_VERSION = "CXONE_API_VERSION"
ENV_RPS = "CXONE_RPS"

_VERSION = re.compile(r"^v?([0-9]{1,3})(?:\.([0-9]{1,3}))?$")


@dataclass(frozen=True, slots=True)
class AdminSettings:
    """Everything the Admin API client needs; build it with `resolve`."""

    issuer: str
    client_id: str
    client_secret: Secret
    access_key_id: str
    access_key_secret: Secret
    api_version: str | None = None
    rps: float = 5.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 5
    deadline: float = 60.0
    page_size: int = 100

    @classmethod
    def resolve(
        cls,
        *,
        issuer: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        api_version: str | None = None,
        rps: float | None = None,
        read_timeout: float | None = None,
        env_file: Path | None = Path(".env"),
        environ: Mapping[str, str] | None = None,
    ) -> AdminSettings:
        """Settings from flags (the arguments), `environ` (default `os.environ`) and `env_file`."""
        flags = {
            ENV_ISSUER: issuer,
            ENV_CLIENT_ID: client_id,
            ENV_CLIENT_SECRET: client_secret,
            ENV_ACCESS_KEY_ID: access_key_id,
            ENV_ACCESS_KEY_SECRET: access_key_secret,
            ENV_API_VERSION: api_version,
            ENV_RPS: None if rps is None else repr(float(rps)),
        }
        sources = Sources.gather(flags, environ, env_file)
        found_issuer = sources.get(ENV_ISSUER)
        pinned = sources.get(ENV_API_VERSION)
        return cls(
            issuer=checked_url(found_issuer[0] if found_issuer else DEFAULT_ISSUER, "--issuer"),
            client_id=sources.require(ENV_CLIENT_ID, "--client-id"),
            client_secret=Secret(sources.require(ENV_CLIENT_SECRET, "--client-secret")),
            access_key_id=sources.require(ENV_ACCESS_KEY_ID, "--access-key-id"),
            access_key_secret=Secret(sources.require(ENV_ACCESS_KEY_SECRET, "--access-key-secret")),
            api_version=None if pinned is None else _pinned(pinned[0]),
            rps=positive_number(sources, ENV_RPS, "--rps", 5.0),
            read_timeout=30.0 if read_timeout is None else float(read_timeout),
        )

    def secrets(self) -> tuple[str, ...]:
        return (self.client_secret.reveal(), self.access_key_secret.reveal())


def parse_version(text: str) -> tuple[int, int] | None:
    """`30`, `30.0`, `v30.0` -> (30, 0); None for anything else."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    return int(match[1]), int(match[2] or 0)


def _pinned(text: str) -> str:
    parsed = parse_version(text)
    if parsed is None:
        raise SettingsError(
            f"{ENV_API_VERSION} {text[:20]!r} is not an API version; use e.g. 30 or v30.0 "
            "(or leave it unset to use the highest version the tenant offers per route)."
        )
    return f"v{parsed[0]}.{parsed[1]}"


def checked_url(url: str, flag: str) -> str:
    """`url` without a trailing slash if it is https (or http to loopback), else SettingsError."""
    problem = url_problem(url.strip())
    if problem is not None:
        parts = urlsplit(url.strip())
        shown = f"{parts.scheme}://{parts.hostname or ''}{parts.path}"[:120]
        raise SettingsError(f"URL {shown!r} {problem}; fix {flag}.")
    return url.strip().rstrip("/")


class Redactor:
    """Blanks secrets (as sent: plain, URL-encoded, in a Basic header) from untrusted text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        for secret in secrets:
            if len(secret) < 4:
                continue
            self._forms.update({secret, quote_plus(secret), quote(secret, safe="")})
            self._forms.add(base64.b64encode(secret.encode()).decode().rstrip("="))

    def add_basic(self, user: str, secret: str) -> None:
        self._forms.add(base64.b64encode(f"{user}:{secret}".encode()).decode().rstrip("="))

    def clean(self, text: str, limit: int = 300) -> str:
        """`text` with secrets as `***`, control characters as `?`, cut to `limit`."""
        for form in sorted(self._forms, key=len, reverse=True):
            text = text.replace(form, "***")
        text = "".join(ch if ch.isprintable() else "?" for ch in text)
        return text if len(text) <= limit else text[: limit - 3] + "..."
