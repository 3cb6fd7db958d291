"""Where and as whom the client connects, resolved once from flags, environment and `.env`.

Precedence per setting: flag > environment variable > `.env` file > repository profile (rps
only) > default. The `.env` file is read with `dotenv_values`, never loaded into `os.environ`.
The tenant is either a subdomain (one DNS label, giving the production URL) or a base URL,
`https` always and `http` only to a loopback host, without user info, query or fragment. The
client secret is held in a `Secret`, which shows as `***` everywhere but in `reveal()`; server
text that could echo it is redacted by `reconciler.util.sanitize` (the client builds one from
these settings). `call_deadline` and `max_response_bytes` bound every send (see `limits`).
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from reconciler.cxone.errors import SettingsError
from reconciler.cxone.limits import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES

__all__ = [
    "DEFAULT_SCOPES",
    "ENV_BASE_URL",
    "ENV_CALL_DEADLINE",
    "ENV_CLIENT_ID",
    "ENV_CLIENT_SECRET",
    "ENV_MAX_RESPONSE_MB",
    "ENV_RPS",
    "ENV_SUBDOMAIN",
    "Secret",
    "Settings",
    "Sources",
    "is_loopback",
    "positive_number",
    "production_url",
    "url_problem",
]

ENV_SUBDOMAIN = "CXONE_SUBDOMAIN"
ENV_BASE_URL = "CXONE_BASE_URL"
ENV_CLIENT_ID = "CXONE_CLIENT_ID"
ENV_CLIENT_SECRET = "CXONE_CLIENT_SECRET"
ENV_RPS = "CXONE_RPS"
ENV_CALL_DEADLINE = "CXONE_CALL_DEADLINE"
ENV_MAX_RESPONSE_MB = "CXONE_MAX_RESPONSE_MB"
_MIB = 1024 * 1024

#: Every scope a call of the contract needs.
DEFAULT_SCOPES: tuple[str, ...] = (
    "campaigns:read",
    "campaigns:write",
    "analytics:read",
    "interaction:read",
    "dialer:read",
)

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)
_MAX_VALUE = 1000.0


class Secret:
    """A credential that renders as `***`; `reveal()` is for the one place that sends it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the client needs; build it with `resolve`.

    `rps` is the request budget shared by all threads; timeouts are per send (seconds);
    `call_deadline` (seconds) and `max_response_bytes` bound each send, answer included;
    `max_attempts` and `deadline` bound each call's retries; `page_size` is the schedules asked
    for per list page (1..500); `scopes` are requested with every token.
    """

    base_url: str
    client_id: str
    client_secret: Secret
    rps: float = 10.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    call_deadline: float = DEFAULT_DEADLINE
    max_response_bytes: int = DEFAULT_MAX_BYTES
    max_attempts: int = 6
    deadline: float = 120.0
    page_size: int = 500
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    @classmethod
    def resolve(
        cls,
        *,
        subdomain: str | None = None,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        env_file: Path | None = Path(".env"),
        rps: float | None = None,
        read_timeout: float | None = None,
        call_deadline: float | None = None,
        max_response_mb: float | None = None,
        profile_rps: float | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Settings from flags (the arguments), `environ` (default `os.environ`) and `env_file`.

        Raises SettingsError naming the flag or variable to set or fix.
        """
        sources = Sources.gather(
            _flags(subdomain, base_url, client_id, client_secret, rps)
            | _numbers({ENV_CALL_DEADLINE: call_deadline, ENV_MAX_RESPONSE_MB: max_response_mb}),
            environ,
            env_file,
        )
        return cls(
            base_url=_base_url(sources),
            client_id=sources.require(ENV_CLIENT_ID, "--client-id"),
            client_secret=Secret(sources.require(ENV_CLIENT_SECRET, "--client-secret")),
            rps=_rps(sources, profile_rps),
            read_timeout=_positive(read_timeout, "--timeout", 30.0),
            call_deadline=positive_number(
                sources, ENV_CALL_DEADLINE, "--call-deadline", DEFAULT_DEADLINE
            ),
            max_response_bytes=round(
                positive_number(
                    sources, ENV_MAX_RESPONSE_MB, "--max-response-mb", DEFAULT_MAX_BYTES / _MIB
                )
                * _MIB
            ),
        )


def production_url(subdomain: str) -> str:
    """The tenant's API base URL for a subdomain that is one DNS label."""
    if not _LABEL.match(subdomain):
        raise SettingsError(
            f"subdomain {subdomain!r} is not a single DNS label (letters, digits and inner "
            f"hyphens, at most 63); set {ENV_SUBDOMAIN} or --subdomain to your tenant's name "
            "only, e.g. 'acme'."
        )
    return f"https://{subdomain.lower()}.api.nice.incontact.com"


@dataclass(frozen=True, slots=True)
class Sources:
    """The values of the settings' variables, from flags, environment and `.env`, in that order."""

    flags: dict[str, str]
    environ: dict[str, str]
    dotenv: dict[str, str]

    @classmethod
    def gather(
        cls,
        flags: Mapping[str, str | None],
        environ: Mapping[str, str] | None,
        env_file: Path | None,
    ) -> Sources:
        """The flags given (not None), `environ` (default `os.environ`) and `env_file` if any."""
        return cls(
            {var: value for var, value in flags.items() if value is not None},
            dict(os.environ if environ is None else environ),
            _read_env_file(env_file),
        )

    def get(self, var: str) -> tuple[str, str] | None:
        """(value, where it came from) from the first source that sets `var` non-empty."""
        for where, values in (
            ("flag", self.flags),
            ("environment", self.environ),
            (".env", self.dotenv),
        ):
            value = values.get(var, "").strip()
            if value:
                return value, where
        return None

    def require(self, var: str, flag: str) -> str:
        found = self.get(var)
        if found is None:
            raise SettingsError(
                f"no {var}: set the environment variable {var} (or put it in .env), or pass {flag}."
            )
        return found[0]


def _flags(
    subdomain: str | None,
    base_url: str | None,
    client_id: str | None,
    client_secret: str | None,
    rps: float | None,
) -> dict[str, str]:
    given = {
        ENV_SUBDOMAIN: subdomain,
        ENV_BASE_URL: base_url,
        ENV_CLIENT_ID: client_id,
        ENV_CLIENT_SECRET: client_secret,
        ENV_RPS: None if rps is None else repr(float(rps)),
    }
    return {var: value for var, value in given.items() if value is not None}


def _numbers(given: Mapping[str, float | None]) -> dict[str, str]:
    return {var: repr(float(value)) for var, value in given.items() if value is not None}


def _read_env_file(path: Path | None) -> dict[str, str]:
    if path is None or not path.exists():
        return {}
    if not path.is_file():
        raise SettingsError(f"env file {path} is not a file; pass --env-file with a file path.")
    try:
        values = dotenv_values(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read env file {path}: {exc}; fix or remove it.") from exc
    return {key: value for key, value in values.items() if value is not None}


def _base_url(sources: Sources) -> str:
    levels = (sources.flags, sources.environ, sources.dotenv)
    for values in levels:
        url, sub = values.get(ENV_BASE_URL, "").strip(), values.get(ENV_SUBDOMAIN, "").strip()
        if url and sub:
            raise SettingsError(
                f"both {ENV_BASE_URL} and {ENV_SUBDOMAIN} are set at the same level; "
                "keep only one (--base-url or --subdomain)."
            )
        if url:
            return _checked_url(url)
        if sub:
            return production_url(sub)
    raise SettingsError(
        f"no tenant: set {ENV_SUBDOMAIN} (or {ENV_BASE_URL}) in the environment or .env, "
        "or pass --subdomain / --base-url."
    )


def _checked_url(url: str) -> str:
    problem = url_problem(url)
    if problem is not None:
        parts = urlsplit(url)
        shown = (
            f"{parts.scheme}://{parts.hostname or ''}{parts.path}" if parts.scheme else parts.path
        )
        raise SettingsError(f"base URL {shown!r} {problem}; fix {ENV_BASE_URL} or --base-url.")
    return url.rstrip("/")


def url_problem(url: str) -> str | None:
    """What keeps `url` from being an API base (None if nothing): https, or http to loopback,
    with a host, a valid port and neither user info, query nor fragment."""
    parts = urlsplit(url)
    problem = _form_problem(parts.scheme, parts.netloc, parts.query, parts.fragment)
    if problem is not None:
        return problem
    try:
        host, _port = parts.hostname, parts.port
    except ValueError:
        return "has an invalid port"
    if not host:
        return "has no host"
    if parts.scheme == "http" and not is_loopback(host):
        return "uses http to a host that is not loopback; use https"
    return None


def _form_problem(scheme: str, netloc: str, query: str, fragment: str) -> str | None:
    if scheme not in ("https", "http"):
        return "must start with https://"
    if "@" in netloc:
        return "must not carry user info"
    if query or fragment:
        return "must not carry a query or fragment"
    return None


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an IP address) is this machine: localhost, 127.0.0.0/8, ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _rps(sources: Sources, profile_rps: float | None) -> float:
    if sources.get(ENV_RPS) is None:
        return _positive(profile_rps, "the tenant profile's requests_per_second", 10.0)
    return positive_number(sources, ENV_RPS, "--rps", 10.0)


def positive_number(sources: Sources, var: str, flag: str, default: float) -> float:
    """`var` as a number above 0 and at most 1000, `default` if unset; else SettingsError."""
    found = sources.get(var)
    if found is None:
        return default
    value, where = found
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(
            f"{var} {value!r} (from the {where}) is not a number; use e.g. {default:g}."
        ) from None
    return _positive(number, f"{var} (or {flag})", default)


def _positive(value: float | None, name: str, default: float) -> float:
    if value is None:
        return default
    if not math.isfinite(value) or not 0 < value <= _MAX_VALUE:
        raise SettingsError(f"{name} must be above 0 and at most {_MAX_VALUE:g}; got {value:g}.")
    return float(value)
