"""`load_repo_config`: the repository config file, its defaults and its findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import (
    ConfigError,
    IgnoreRule,
    RepoConfig,
    TenantProfile,
    load_repo_config,
)
from reconciler.errors import InputError
from reconciler.laws.proof import Audience

REPO = Path(__file__).resolve().parent.parent


def _rows(error: ConfigError) -> list[tuple[int, int, str, str]]:
    return [(f.line, f.column, f.rule, f.message) for f in error.findings]


def _invalid(tmp_path: Path, text: str) -> ConfigError:
    path = tmp_path / "cxsched.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_repo_config(path)
    return caught.value


def test_without_a_file_the_defaults_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_repo_config(None) == RepoConfig()
    assert RepoConfig().tenant.limits() == TenantProfile().limits()


def test_the_file_in_the_working_folder_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cxsched.yaml").write_text("formatVersion: 1\n", encoding="utf-8")
    assert load_repo_config(None) == RepoConfig(source=Path("cxsched.yaml"))


def test_the_repository_config_is_read_whole() -> None:
    config = load_repo_config(REPO / "cxsched.yaml")
    assert config == RepoConfig(
        tenant=TenantProfile(
            max_concurrent_calls=200, max_call_rate=30.0, requests_per_second=10.0
        ),
        prune_campaigns=frozenset({"renewals-us"}),
        ignore_differences=(),
        audit_path=Path("audit/trail.jsonl"),
        source=REPO / "cxsched.yaml",
        audiences={
            "renewals-us": Audience(
                ("US-NY", "US-NJ", "US-IL", "US-MO", "US-CO", "US-CA"), "telemarketing"
            ),
            "collections-west": Audience(("US-CA", "US-WA"), "debt-collection"),
            "appointments-central": Audience(("US-IL", "US-MO", "US-WI"), "informational"),
        },
    )
    assert isinstance(config.tenant.max_call_rate, float)


def test_every_setting_is_read(tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text(
        "formatVersion: 1\n"
        "tenant: {maxConcurrentCalls: 50, maxCallRate: 12, requestsPerSecond: 4}\n"
        "campaigns:\n  a: {prune: true}\n  b: {prune: false}\n  c: {}\n"
        "ignoreDifferences:\n"
        "  - pointers: [/description]\n"
        "  - {campaign: 'col-*', name: 'Q? *', pointers: [/dialerSettings/callRate, /name]}\n"
        "audit: {path: logs/audit.jsonl}\n",
        encoding="utf-8",
    )
    assert load_repo_config(path) == RepoConfig(
        tenant=TenantProfile(50, 12.0, 4.0),
        prune_campaigns=frozenset({"a"}),
        ignore_differences=(
            IgnoreRule(("/description",)),
            IgnoreRule(("/dialerSettings/callRate", "/name"), "col-*", "Q? *"),
        ),
        audit_path=Path("logs/audit.jsonl"),
        source=path,
    )


def test_a_missing_explicit_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"config file .*nope.yaml does not exist; create it"):
        load_repo_config(tmp_path / "nope.yaml")


def test_schema_errors_are_findings_with_positions(tmp_path: Path) -> None:
    error = _invalid(
        tmp_path,
        "formatVersion: 1\n"
        "tenant:\n  maxConcurrentCalls: many\n"
        "campaigns:\n  'bad id!': {prune: true}\n  ok: {prune: yes}\n"
        "ignoreDifferences:\n  - pointers: [/etag]\n"
        "audit: {paht: x}\n",
    )
    assert _rows(error) == [
        (3, 3, "schema-type", "maxConcurrentCalls must be an integer, not the string 'many'"),
        (
            5,
            3,
            "schema-format",
            "'bad id!' is not a valid campaign id (letters, digits, '_', '.', '-', at most 64 "
            "characters), e.g. 'renewals-us'",
        ),
        (6, 8, "schema-type", "prune must be true or false, not the string 'yes'"),
        (
            8,
            16,
            "schema-format",
            "pointers item 1 '/etag' is not a valid JSON pointer to a schedule field, e.g. "
            "'/dialerSettings/callRate'",
        ),
        (9, 9, "schema-additional", "unknown field 'paht' in audit; did you mean 'path'?"),
    ]
    assert str(error).splitlines()[0] == "invalid repository config:"
    assert str(error).splitlines()[1] == (
        f"{tmp_path.as_posix()}/cxsched.yaml:3:3: schema-type: maxConcurrentCalls must be an "
        "integer, not the string 'many'"
    )


def test_format_version_is_required(tmp_path: Path) -> None:
    assert _rows(_invalid(tmp_path, "tenant: {}\n")) == [
        (
            1,
            1,
            "schema-required",
            "missing required field 'formatVersion': Version of this file format. Always 1.",
        )
    ]


def test_unreadable_yaml_is_a_finding(tmp_path: Path) -> None:
    assert _rows(_invalid(tmp_path, "formatVersion: 1\nformatVersion: 1\n")) == [
        (
            2,
            1,
            "yaml-duplicate-key",
            "key 'formatVersion' appears twice in the top level (first at line 1); remove one "
            "of them",
        )
    ]
