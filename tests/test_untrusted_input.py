"""Untrusted local input through the CLI: YAML numbers, plan files, CSV cells, closed pipes.

Each test runs the real command line on real files: non-finite and absurd numbers in schedule
files are findings of that file (and the run goes on), a plan file with NaN, deep nesting, huge
integers or too many bytes is refused before any call, a CSV export never hands a spreadsheet a
formula, and a reader that closes the pipe early ends `cxsched` quietly.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import reconciler
from reconciler.audit.trail import RECORD_FIELDS
from reconciler.cli import main
from reconciler.emulator import Emulator
from reconciler.plan import planfile
from reconciler.plan.build import PLAN_FORMAT_VERSION
from reconciler.util.hashing import canonical_json
from support.apply import POST, TOKEN, cli, counters, write_file

FILE = "schedules/c1/a.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _validate(*args: str) -> Result:
    return CliRunner().invoke(main, ["validate", *args], catch_exceptions=False)


def _yaml(repo: Path, name: str, rate: str) -> Path:
    """A valid schedule file whose callRate is written as `rate`."""
    path = write_file(repo, "c1", name)
    document = json.loads(path.read_text(encoding="utf-8"))
    text = json.dumps(document, indent=2).replace('"callRate": 12', f'"callRate": {rate}')
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# --- YAML -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["!!float nan", "!!float inf", "!!float -.inf", "!!float 1e400"])
def test_a_tagged_non_finite_number_is_a_finding_with_its_field(repo: Path, value: str) -> None:
    path = _yaml(repo, "a", value)
    result = _validate("schedules", "--format", "json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    line = _line_of(path, "callRate")
    assert finding["path"] == FILE
    assert (finding["line"], finding["rule"], finding["pointer"]) == (
        line,
        "yaml-non-finite",
        "/dialerSettings/callRate",
    )
    assert "is not a finite number; JSON and the API have no NaN or infinity" in finding["message"]


@pytest.mark.parametrize("value", [".inf", ".nan", "-.inf", "1e999"])
def test_a_plain_infinity_or_nan_is_refused_as_not_a_number(repo: Path, value: str) -> None:
    path = _yaml(repo, "a", value)
    result = _validate("schedules")
    assert result.exit_code == 1
    line = _line_of(path, "callRate")
    assert result.stdout.startswith(
        f"{FILE}:{line}:5: error schema-type: callRate must be a number, not the string"
    )


def test_a_huge_integer_is_a_finding_and_the_other_files_are_still_checked(repo: Path) -> None:
    huge = _yaml(repo, "a", "9" * 5000)
    other = write_file(repo, "c1", "b")
    other.write_text(
        other.read_text(encoding="utf-8").replace("America/New_York", "America/New_Yrok", 1),
        encoding="utf-8",
    )
    result = _validate("schedules")
    assert result.exit_code == 1
    line = _line_of(huge, "callRate")
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{FILE}:{line}:17: error yaml-number-size: /dialerSettings/callRate: an integer of "
        "5,000 digits is not allowed (at most 40)"
    )
    assert lines[1].startswith("schedules/c1/b.yaml:") and "unknown-timezone" in lines[1]
    assert len(lines) == 2
    assert result.stderr == "2 schedule files checked: 2 errors, 0 warnings\n"


# --- plan files -------------------------------------------------------------------------------


def _saved_plan(repo: Path, emu: Emulator) -> str:
    write_file(repo, "c1", "a")
    result = cli(emu, ["plan", "--out", "plan.json"])
    assert result.exit_code == 0, result.output
    emu.reset_counters()
    return Path("plan.json").read_text(encoding="utf-8")


def _edits(text: str) -> dict[str, str]:
    data = json.loads(text)
    rate = json.dumps(data["limits"]["max_call_rate"])
    return {
        "nan-limit": text.replace(f'"max_call_rate": {rate}', '"max_call_rate": NaN', 1),
        "infinite-limit": text.replace(f'"max_call_rate": {rate}', '"max_call_rate": 1e400', 1),
        "huge-integer": text.replace(
            f'"format_version": {PLAN_FORMAT_VERSION}',
            f'"format_version": {PLAN_FORMAT_VERSION}' + "0" * 5000,
        ),
        "deep": text.rstrip().rstrip("}") + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    }


_REASONS = {
    "nan-limit": "it holds NaN, which JSON does not allow (numbers must be finite)",
    "infinite-limit": "the number 1e400 is too large (it overflows to infinity)",
    "huge-integer": "an integer has 5,001 digits (at most 40)",
    "deep": "it is nested deeper than 64 levels",
}


@pytest.mark.parametrize("edit", list(_REASONS))
def test_a_plan_file_with_unusable_json_is_refused_before_any_call(
    repo: Path, emulator: Emulator, edit: str
) -> None:
    Path("plan.json").write_text(_edits(_saved_plan(repo, emulator))[edit], encoding="utf-8")
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: plan.json: not a plan file ({_REASONS[edit]}); make a new one with "
        "`cxsched plan --out plan.json`\n"
    )
    assert counters(emulator) == {}


def test_an_oversized_plan_file_is_refused_unread(
    repo: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = len(_saved_plan(repo, emulator).encode())
    monkeypatch.setattr(planfile, "MAX_PLAN_BYTES", size - 1)
    result = cli(emulator, ["apply", "plan.json"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: plan.json: not a plan file (over the {size - 1:,}-byte limit); make a new one "
        "with `cxsched plan --out plan.json`\n"
    )
    assert counters(emulator) == {}
    monkeypatch.setattr(planfile, "MAX_PLAN_BYTES", size)
    assert cli(emulator, ["apply", "plan.json"]).exit_code == 0
    assert counters(emulator) == {(TOKEN, 200): 1, (POST, 201): 1}


# --- CSV --------------------------------------------------------------------------------------


def test_csv_export_never_hands_a_spreadsheet_a_formula(repo: Path) -> None:
    names = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2", "@SUM(A1)", "Plain"]
    for index, name in enumerate(names):
        path = write_file(repo, "c1", f"s{index}")
        document = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**document, "name": name}), encoding="utf-8")
    result = CliRunner().invoke(main, ["export", "--local", "--format", "csv"])
    assert result.exit_code == 0, result.output
    names_shown = [row[2] for row in csv.reader(io.StringIO(result.stdout))][1:]
    assert sorted(names_shown) == sorted(
        ['\'=HYPERLINK("http://evil.example","click")', "'+1+1", "'-2", "'@SUM(A1)", "Plain"]
    )
    json_out = CliRunner().invoke(main, ["export", "--local", "--format", "json"])
    assert '"name": "=HYPERLINK' in json_out.stdout  # JSON is data, never evaluated


# --- a closed pipe ----------------------------------------------------------------------------


def _long_trail(path: Path, count: int) -> None:
    lines = []
    for seq in range(1, count + 1):
        record: dict[str, object] = dict.fromkeys(RECORD_FIELDS)
        record.update(seq=seq, event="plan", time="2027-01-04T00:00:00Z", hash="sha256:0")
        record.update(run_id=f"run-{seq:05d}", actor="tester", campaigns=["c1", "c2"])
        lines.append(canonical_json(record))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_reader_that_closes_early_ends_audit_show_quietly(repo: Path) -> None:
    _long_trail(repo / "trail.jsonl", 5000)
    source = str(Path(reconciler.__file__).parent.parent)  # the code under test
    entry = "import sys; sys.argv[0] = 'cxsched'; from reconciler.cli import main; main()"
    command = [sys.executable, "-c", entry, "audit", "show", "--audit-file", "trail.jsonl"]
    environ = {**os.environ, "PYTHONPATH": source}
    for _ in range(3):
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ
        )
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()  # what `| head -1` does
        errors = process.stderr.read()
        code = process.wait(timeout=30)
        process.stderr.close()
        assert first.startswith(b"2027-01-04T00:00:00Z  #1  run-00001")
        assert (code, errors) == (1, b"")
