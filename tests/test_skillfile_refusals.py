"""A saved plan of the admin profile that cannot be trusted is refused by `cxsched apply`.

Each case saves a real plan with `cxsched plan --out plan.json` against the Admin API emulator,
damages the file the way an editor, a truncated download or a hostile hand would, and checks
that `apply plan.json` exits 1 naming the file and the problem, without a traceback and without
a single write to the tenant.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator.admin import AdminEmulator
from reconciler.util.hashing import digest
from support.admin import run_cli

SKILL = Path("skills/4312345.yaml")
PUTS = (
    "/skills/{skillId}/parameters/general-settings",
    "/skills/{skillId}/parameters/schedule-settings",
    "/skills/{skillId}/parameters/time-zones",
)


def _saved_plan(emulator: AdminEmulator) -> dict[str, Any]:
    assert run_cli(emulator, "import", "--skill", "4312345").exit_code == 0
    text = SKILL.read_text(encoding="utf-8")
    assert "maximumRatio: 2\n" in text
    SKILL.write_text(text.replace("maximumRatio: 2\n", "maximumRatio: 2.5\n"), encoding="utf-8")
    planned = run_cli(emulator, "plan", "--out", "plan.json")
    assert planned.exit_code == 0, planned.output
    saved: dict[str, Any] = json.loads(Path("plan.json").read_text(encoding="utf-8"))
    return saved


def _refused(emulator: AdminEmulator, message: str) -> None:
    result = run_cli(emulator, "apply", "plan.json")
    assert result.exit_code == 1, result.output
    assert f"plan.json: {message}" in result.stderr
    assert "Traceback" not in result.output
    assert all(emulator.count("PUT", route) == 0 for route in PUTS)


def _write(data: Any) -> None:
    Path("plan.json").write_text(json.dumps(data), encoding="utf-8")


def _general(plan: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in plan["blocks"] if b["block"] == "generalSettings")
    return found


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def edit(plan: dict[str, Any]) -> Any:
        plan[key] = value
        return plan

    return edit


def _set_block(key: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def edit(plan: dict[str, Any]) -> Any:
        _general(plan)[key] = value
        return plan

    return edit


def _drop(key: str) -> Callable[[dict[str, Any]], Any]:
    def edit(plan: dict[str, Any]) -> Any:
        del plan[key]
        return plan

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda plan: [plan], "not a saved plan of the admin profile; plan again with --out"),
        (_set("format", "cxsched-plan"), "not a saved plan of the admin profile"),
        (_drop("format"), "not a saved plan of the admin profile"),
        (_set("formatVersion", 2), "plan format version 2 is not 1"),
        (_drop("formatVersion"), "plan format version None is not 1"),
        (_drop("blocks"), "the plan is malformed ('blocks'); plan again"),
        (_drop("tenant"), "the plan is malformed ('tenant'); plan again"),
        (_set("tenant", ["a"]), "the plan is malformed ('list' object has no attribute 'items')"),
        (_set("blocks", [17]), "the plan is malformed ('int' object is not subscriptable)"),
        (_set_block("block", "dialerSettings"), "the plan is malformed (unknown block"),
        (_set_block("base", [1, 2]), "the plan is malformed (base and desired must be objects)"),
        (_set_block("desired", "2.5"), "the plan is malformed (base and desired must be objects)"),
        (
            _set_block("baseVersion", "sha256:0"),
            "the plan is malformed (baseVersion does not match base); plan again",
        ),
        (_set_block("changes", [{"pointer": "/x"}]), "the plan is malformed ('before'); plan"),
        (_set("planHash", "sha256:" + "0" * 64), "the plan was altered since it was saved"),
        (_drop("planHash"), "the plan was altered since it was saved (hash mismatch)"),
    ],
)
def test_an_edited_plan_is_refused(
    admin_emulator: AdminEmulator,
    admin_repo: Path,
    edit: Callable[[dict[str, Any]], Any],
    message: str,
) -> None:
    _write(edit(_saved_plan(admin_emulator)))
    _refused(admin_emulator, message)
    assert run_cli(admin_emulator, "apply", "plan.json").stderr.startswith("error: plan.json: ")


def test_an_unknown_block_name_is_cut_short(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    plan = _saved_plan(admin_emulator)
    _general(plan)["block"] = "x" * 300 + "\x1b[2J"
    _write(plan)
    result = run_cli(admin_emulator, "apply", "plan.json")
    assert result.exit_code == 1
    assert f"(unknown block {'x' * 40!r}); plan again" in result.stderr
    assert "\x1b" not in result.output


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"format": "cxsched-skill-plan", ', "JSONDecodeError"),
        (b'{"format": "cxsched-skill-plan", "formatVersion": NaN}', "ValueError"),
        (b'{"format": "cxsched-skill-plan", "x": -Infinity}', "ValueError"),
        (b'{"format": "\xff\xfe"}', "UnicodeDecodeError"),
        (b"", "JSONDecodeError"),
    ],
)
def test_a_plan_that_is_not_json_is_refused(
    admin_emulator: AdminEmulator, admin_repo: Path, content: bytes, problem: str
) -> None:
    _saved_plan(admin_emulator)
    Path("plan.json").write_bytes(content)
    _refused(admin_emulator, f"cannot read the plan ({problem}); plan again")


def test_a_plan_larger_than_16_mib_is_refused_unread(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    _saved_plan(admin_emulator)
    with Path("plan.json").open("r+b") as handle:
        handle.truncate((16 << 20) + 1)  # sparse: the size alone decides
    _refused(admin_emulator, "larger than 16,777,216 bytes; not a plan cxsched wrote")


def test_a_plan_path_that_is_a_directory_is_refused(
    admin_emulator: AdminEmulator, admin_repo: Path
) -> None:
    _saved_plan(admin_emulator)
    Path("plan.json").unlink()
    Path("plan.json").mkdir()
    result = run_cli(admin_emulator, "apply", "plan.json")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "plan.json" in result.stderr


def _rehashed(plan: dict[str, Any]) -> dict[str, Any]:
    """`plan` with its hash recomputed, as anyone who can edit the file can do."""
    body = {key: value for key, value in plan.items() if key != "planHash"}
    return {**body, "planHash": digest(body)}


def _widen_ratio(plan: dict[str, Any]) -> dict[str, Any]:
    general = _general(plan)
    general["desired"]["maximumRatio"] = 9
    general["changes"] = [
        {**change, "after": 9} if change["pointer"] == "/maximumRatio" else change
        for change in general["changes"]
    ]
    return plan


def _drop_general(plan: dict[str, Any]) -> dict[str, Any]:
    plan["blocks"] = [block for block in plan["blocks"] if block["block"] != "generalSettings"]
    return plan


def _changes_only(plan: dict[str, Any]) -> dict[str, Any]:
    _general(plan).update(changes=[], action="none")
    return plan


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _widen_ratio,
            "skill 4312345 generalSettings is not what skills/4312345.yaml gives over the "
            "plan's base; nothing was applied",
        ),
        (_changes_only, "skill 4312345 generalSettings is not what skills/4312345.yaml gives"),
        (_drop_general, "its blocks are not those the skill files declare; nothing was applied"),
        (_set("paths", ["/tmp/skills"]), "path '/tmp/skills' is absolute; nothing was applied"),
        (_set("paths", ["../skills"]), "path '../skills' climbs out with '..'"),
    ],
)
def test_a_rehashed_plan_writes_only_what_the_files_give(
    admin_emulator: AdminEmulator,
    admin_repo: Path,
    edit: Callable[[dict[str, Any]], dict[str, Any]],
    message: str,
) -> None:
    _write(_rehashed(edit(_saved_plan(admin_emulator))))
    _refused(admin_emulator, message)


def test_the_untouched_plan_still_applies(admin_emulator: AdminEmulator, admin_repo: Path) -> None:
    _write(_saved_plan(admin_emulator))  # re-serialised without changes: still trusted
    result = run_cli(admin_emulator, "apply", "plan.json")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Apply: 1 of 1 block(s) done.\n")
    assert admin_emulator.tenant.skills[4312345].general["maximumRatio"] == 2.5
