"""Settings: precedence flag > environment > .env > defaults, and refusal of unsafe tenants."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.commands._api import API_OPTION_NAMES, api_options, build_client
from reconciler.cxone import Secret, Settings, SettingsError
from reconciler.cxone.settings import production_url
from support.apply import write_file

PROD = "https://acme.api.nice.incontact.com"
CREDS = {"CXONE_CLIENT_ID": "id-env", "CXONE_CLIENT_SECRET": "secret-env"}


def _resolve(
    tmp_path: Path, environ: dict[str, str], dotenv: str = "", **flags: object
) -> Settings:
    env_file = tmp_path / ".env"
    if dotenv:
        env_file.write_text(dotenv, encoding="utf-8")
    return Settings.resolve(environ=environ, env_file=env_file, **flags)  # type: ignore[arg-type]


def test_flags_beat_environment_beat_dotenv(tmp_path: Path) -> None:
    dotenv = (
        "CXONE_SUBDOMAIN=from-dotenv\nCXONE_CLIENT_ID=id-dotenv\n"
        "CXONE_CLIENT_SECRET=secret-dotenv\nCXONE_RPS=3\n"
    )
    only_dotenv = _resolve(tmp_path, {}, dotenv)
    assert only_dotenv.base_url == "https://from-dotenv.api.nice.incontact.com"
    assert (only_dotenv.client_id, only_dotenv.client_secret.reveal()) == (
        "id-dotenv",
        "secret-dotenv",
    )
    assert only_dotenv.rps == 3.0

    environ = {"CXONE_SUBDOMAIN": "from-env", "CXONE_RPS": "7", **CREDS}
    env = _resolve(tmp_path, environ, dotenv)
    assert env.base_url == "https://from-env.api.nice.incontact.com"
    assert (env.client_id, env.client_secret.reveal(), env.rps) == ("id-env", "secret-env", 7.0)

    flags = _resolve(
        tmp_path,
        environ,
        dotenv,
        base_url="http://127.0.0.1:8080/",
        client_id="id-flag",
        client_secret="secret-flag",
        rps=12,
    )
    assert flags.base_url == "http://127.0.0.1:8080"
    assert (flags.client_id, flags.client_secret.reveal(), flags.rps) == (
        "id-flag",
        "secret-flag",
        12.0,
    )


def test_dotenv_is_not_loaded_into_the_process_environment(tmp_path: Path) -> None:
    import os

    _resolve(
        tmp_path,
        {},
        "CXONE_SUBDOMAIN=acme\nCXONE_CLIENT_ID=i\nCXONE_CLIENT_SECRET=zz-only-in-file\n",
    )
    assert "zz-only-in-file" not in os.environ.values()


def test_defaults_and_profile_rps(tmp_path: Path) -> None:
    settings = _resolve(tmp_path, {"CXONE_SUBDOMAIN": "Acme", **CREDS})
    assert settings.base_url == PROD
    assert (settings.rps, settings.connect_timeout, settings.read_timeout) == (10.0, 5.0, 30.0)
    assert (settings.max_attempts, settings.deadline, settings.page_size) == (6, 120.0, 500)
    assert settings.scopes == (
        "campaigns:read",
        "campaigns:write",
        "analytics:read",
        "interaction:read",
        "dialer:read",
    )
    assert _resolve(tmp_path, {"CXONE_SUBDOMAIN": "acme", **CREDS}, profile_rps=15).rps == 15.0
    env_rps = {"CXONE_SUBDOMAIN": "acme", "CXONE_RPS": "4", **CREDS}
    assert _resolve(tmp_path, env_rps, profile_rps=15).rps == 4.0


def test_missing_file_is_fine_and_a_directory_is_refused(tmp_path: Path) -> None:
    environ = {"CXONE_SUBDOMAIN": "acme", **CREDS}
    assert Settings.resolve(environ=environ, env_file=tmp_path / "absent").base_url == PROD
    with pytest.raises(SettingsError) as caught:
        Settings.resolve(environ=environ, env_file=tmp_path)
    assert (
        str(caught.value) == f"env file {tmp_path} is not a file; pass --env-file with a file path."
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"CXONE_CLIENT_ID": "i", "CXONE_CLIENT_SECRET": "s"},
            "no tenant: set CXONE_SUBDOMAIN (or CXONE_BASE_URL) in the environment or .env, "
            "or pass --subdomain / --base-url.",
        ),
        (
            {"CXONE_SUBDOMAIN": "acme", "CXONE_CLIENT_SECRET": "s"},
            "no CXONE_CLIENT_ID: set the environment variable CXONE_CLIENT_ID (or put it in "
            ".env), or pass --client-id.",
        ),
        (
            {"CXONE_SUBDOMAIN": "acme", "CXONE_CLIENT_ID": "i", "CXONE_CLIENT_SECRET": "  "},
            "no CXONE_CLIENT_SECRET: set the environment variable CXONE_CLIENT_SECRET (or put it "
            "in .env), or pass --client-secret.",
        ),
        (
            {"CXONE_SUBDOMAIN": "acme", "CXONE_BASE_URL": "https://x.example", **CREDS},
            "both CXONE_BASE_URL and CXONE_SUBDOMAIN are set at the same level; keep only one "
            "(--base-url or --subdomain).",
        ),
        (
            {"CXONE_SUBDOMAIN": "acme", "CXONE_RPS": "fast", **CREDS},
            "CXONE_RPS 'fast' (from the environment) is not a number; use e.g. 10.",
        ),
        (
            {"CXONE_SUBDOMAIN": "acme", "CXONE_RPS": "0", **CREDS},
            "CXONE_RPS (or --rps) must be above 0 and at most 1000; got 0.",
        ),
    ],
)
def test_missing_or_bad_settings_name_what_to_set(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        _resolve(tmp_path, environ)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "subdomain", ["evil.com/x", "a@b", "..", "-acme", "acme-", "a" * 64, "ac me"]
)
def test_subdomain_must_be_one_dns_label(subdomain: str) -> None:
    with pytest.raises(SettingsError) as caught:
        production_url(subdomain)
    assert str(caught.value) == (
        f"subdomain {subdomain!r} is not a single DNS label (letters, digits and inner hyphens, "
        "at most 63); set CXONE_SUBDOMAIN or --subdomain to your tenant's name only, e.g. 'acme'."
    )


def test_good_subdomains() -> None:
    assert production_url("a") == "https://a.api.nice.incontact.com"
    assert production_url("ACME-2") == "https://acme-2.api.nice.incontact.com"
    assert production_url("a" * 63) == f"https://{'a' * 63}.api.nice.incontact.com"


@pytest.mark.parametrize(
    ("url", "shown", "problem"),
    [
        (
            "http://api.example.com",
            "http://api.example.com",
            "uses http to a host that is not loopback; use https",
        ),
        (
            "http://10.0.0.1:8080",
            "http://10.0.0.1",
            "uses http to a host that is not loopback; use https",
        ),
        (
            "http://localhost.evil.com",
            "http://localhost.evil.com",
            "uses http to a host that is not loopback; use https",
        ),
        ("ftp://127.0.0.1", "ftp://127.0.0.1", "must start with https://"),
        ("127.0.0.1:8080", "127.0.0.1:8080", "must start with https://"),
        ("https://user:pw@api.example.com", "https://api.example.com", "must not carry user info"),
        (
            "https://api.example.com/?token=abc",
            "https://api.example.com/",
            "must not carry a query or fragment",
        ),
        (
            "https://api.example.com#frag",
            "https://api.example.com",
            "must not carry a query or fragment",
        ),
        ("https://api.example.com:99999", "https://api.example.com", "has an invalid port"),
        ("https://:443", "https://", "has no host"),
    ],
)
def test_unsafe_base_urls_are_refused(url: str, shown: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.resolve(base_url=url, client_id="i", client_secret="pw", env_file=None, environ={})
    assert str(caught.value) == f"base URL {shown!r} {problem}; fix CXONE_BASE_URL or --base-url."
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1",
        "http://127.5.5.5",
        "http://[::1]:8080",
        "http://LOCALHOST:9",
        "https://api.example.com/prefix/",
    ],
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    settings = Settings.resolve(
        base_url=url, client_id="i", client_secret="s", env_file=None, environ={}
    )
    assert settings.base_url == url.rstrip("/")


def test_secret_never_shows() -> None:
    settings = Settings(base_url=PROD, client_id="i", client_secret=Secret("hunter2"))
    assert (
        repr(settings.client_secret)
        == str(settings.client_secret)
        == f"{settings.client_secret}"
        == "***"
    )
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)
    assert settings.client_secret == Secret("hunter2")
    assert settings.client_secret != Secret("hunter3")
    assert settings.client_secret != "hunter2"
    assert hash(Secret("x")) == hash(Secret("x"))


@click.command()
@api_options
def _probe(**opts: object) -> None:
    client = build_client(**opts)  # type: ignore[arg-type]
    with client:
        click.echo(
            f"{client!r} timeout={client.settings.read_timeout:g} id={client.settings.client_id}"
        )


def test_api_options_reach_build_client(tmp_path: Path) -> None:
    runner = CliRunner()
    env_file = tmp_path / "conn.env"
    env_file.write_text("CXONE_CLIENT_ID=id-file\nCXONE_CLIENT_SECRET=s\n", encoding="utf-8")
    result = runner.invoke(
        _probe,
        ["--subdomain", "acme", "--env-file", str(env_file), "--rps", "2.5", "--timeout", "7"],
        env={"CXONE_CLIENT_ID": None, "CXONE_CLIENT_SECRET": None, "CXONE_SUBDOMAIN": None},
    )
    assert result.output == (
        "CxoneClient(base_url='https://acme.api.nice.incontact.com', rps=2.5) "
        "timeout=7 id=id-file\n"
    )
    assert result.exit_code == 0
    assert sorted(API_OPTION_NAMES) == sorted(p.name for p in _probe.params if p.name)


def test_build_client_refuses_missing_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CXONE_CLIENT_SECRET", raising=False)
    empty = tmp_path / "empty.env"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        build_client(subdomain="acme", env_file=empty, client_id="i")
    assert str(caught.value).startswith("no CXONE_CLIENT_SECRET: ")


def test_an_env_file_named_on_the_command_line_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_file(tmp_path, "c1", "a")
    result = CliRunner().invoke(main, ["plan", "--env-file", "nope.env"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: env file nope.env not found (--env-file); check the path, or leave the flag "
        "out to read .env when present\n"
    )
