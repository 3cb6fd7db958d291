"""The API connection options shared by every command that talks to a tenant.

`api_options` adds the flags of both profiles; the command passes them on to `build_client`
(the REST contract) or `build_skill_client` (the Admin API, `profile: admin` in cxsched.yaml)
untouched, and each ignores the other's. Flags win over the environment (`CXONE_*`), which
wins over the `.env` file; see `reconciler.cxone.settings` and `reconciler.admin.settings`.
`.env` in the current folder is read when present; a file named with `--env-file` must exist.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

import click

from reconciler.cxone import CxoneClient, Settings
from reconciler.cxone.errors import SettingsError

if TYPE_CHECKING:
    from reconciler.admin import AdminClient

__all__ = [
    "API_OPTION_NAMES",
    "api_options",
    "build_client",
    "build_skill_client",
    "tenant_name",
]

_F = TypeVar("_F", bound=Callable[..., object])

#: The keyword arguments `api_options` adds to a command.
API_OPTION_NAMES: tuple[str, ...] = (
    "subdomain",
    "base_url",
    "client_id",
    "client_secret",
    "env_file",
    "rps",
    "timeout",
    "call_deadline",
    "max_response_mb",
    "issuer",
    "access_key_id",
    "access_key_secret",
    "api_version",
)

_OPTIONS = (
    click.option(
        "--subdomain",
        metavar="NAME",
        help="Tenant subdomain (one DNS label) [env CXONE_SUBDOMAIN].",
    ),
    click.option(
        "--base-url",
        metavar="URL",
        help="API base URL instead of the subdomain, https (http only to loopback) "
        "[env CXONE_BASE_URL].",
    ),
    click.option("--client-id", metavar="ID", help="OAuth client id [env CXONE_CLIENT_ID]."),
    click.option(
        "--client-secret",
        metavar="SECRET",
        help="OAuth client secret. Prefer the CXONE_CLIENT_SECRET environment variable or "
        ".env: a flag shows in process lists and shell history.",
    ),
    click.option(
        "--env-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="File of CXONE_* settings (below flags and environment); it must exist "
        "[default: .env, read when present].",
    ),
    click.option(
        "--rps",
        type=click.FloatRange(min=0, min_open=True, max=1000),
        help="API requests per second for the whole run [env CXONE_RPS; default 10].",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True, max=1000),
        help="Seconds to wait for each answer (read timeout) [default 30].",
    ),
    click.option(
        "--call-deadline",
        type=click.FloatRange(min=0, min_open=True, max=1000),
        help="Seconds one request may take, its whole answer included [env CXONE_CALL_DEADLINE; "
        "default 60].",
    ),
    click.option(
        "--max-response-mb",
        type=click.FloatRange(min=0, min_open=True, max=1000),
        help="Largest answer read, in MiB [env CXONE_MAX_RESPONSE_MB; default 16].",
    ),
    click.option(
        "--issuer",
        metavar="URL",
        help="Admin API profile: the OIDC issuer [env CXONE_ISSUER; default "
        "https://cxone.niceincontact.com; FedRAMP: https://cxone-gov.niceincontact.com].",
    ),
    click.option(
        "--access-key-id",
        metavar="ID",
        help="Admin API profile: the API user's access key id [env CXONE_ACCESS_KEY_ID].",
    ),
    click.option(
        "--access-key-secret",
        metavar="SECRET",
        help="Admin API profile: the access key secret. Prefer CXONE_ACCESS_KEY_SECRET or .env.",
    ),
    click.option(
        "--api-version",
        metavar="VERSION",
        help="Admin API profile: pin one API version, e.g. 30 [env CXONE_API_VERSION; default: "
        "the highest the tenant offers per route].",
    ),
)


def api_options(command: _F) -> _F:
    """Add the connection flags of `API_OPTION_NAMES` to a click command."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def build_client(
    *,
    subdomain: str | None = None,
    base_url: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    env_file: Path | None = None,
    rps: float | None = None,
    timeout: float | None = None,
    call_deadline: float | None = None,
    max_response_mb: float | None = None,
    profile_rps: float | None = None,
    **_admin: str | None,
) -> CxoneClient:
    """A client from the flags of `api_options`; raises SettingsError (exit 1) when unusable.

    `env_file` None means `.env` when present; a file named explicitly must exist.
    `profile_rps` is the request budget of the repository's tenant profile, used when neither a
    flag nor the environment sets one.
    """
    if env_file is not None and not env_file.exists():
        raise SettingsError(
            f"env file {env_file} not found (--env-file); check the path, or leave the flag "
            "out to read .env when present"
        )
    settings = Settings.resolve(
        subdomain=subdomain,
        base_url=base_url,
        client_id=client_id,
        client_secret=client_secret,
        env_file=Path(".env") if env_file is None else env_file,
        rps=rps,
        read_timeout=timeout,
        call_deadline=call_deadline,
        max_response_mb=max_response_mb,
        profile_rps=profile_rps,
    )
    return CxoneClient(settings)


def tenant_name(client: CxoneClient) -> str:
    """Which tenant, as whom: `<host[:port]> client <client id>`; never a secret or token.

    A plan records it and apply refuses a plan made against another tenant; audit records
    name it.
    """
    host = urlsplit(client.settings.base_url).netloc.lower()
    return f"{host} client {client.settings.client_id}"


def build_skill_client(
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    env_file: Path | None = Path(".env"),
    rps: float | None = None,
    timeout: float | None = None,
    issuer: str | None = None,
    access_key_id: str | None = None,
    access_key_secret: str | None = None,
    api_version: str | None = None,
    **_rest: object,
) -> AdminClient:
    """An Admin API client from the flags of `api_options`; SettingsError (exit 1) if unusable."""
    from reconciler.admin import AdminClient, AdminSettings

    settings = AdminSettings.resolve(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
        api_version=api_version,
        rps=rps,
        read_timeout=timeout,
        env_file=env_file,
    )
    return AdminClient(settings)
