"""`cxsched validate` through its entry point: bad input, output formats, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from reconciler.cli import main

REPO = Path(__file__).resolve().parent.parent
BASE = (Path(__file__).parent / "data" / "valid_schedule.yaml").read_text(encoding="utf-8")
FILE = "schedules/renewals-us/q1.yaml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository folder as the working folder, without a cxsched.yaml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CXSCHED_CONFIG", raising=False)
    (tmp_path / "schedules" / "renewals-us").mkdir(parents=True)
    return tmp_path


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, ["validate", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def put(root: Path, content: str | bytes, name: str = FILE) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)


def test_the_examples_validate_with_no_finding() -> None:
    """The repository's own schedules and cxsched.yaml, run as the README runs them.

    The examples are for 2027: once their schedules end, `schedule-past` warns here, which is
    the signal to move them forward.
    """
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cxsched")), "validate", "--strict"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == "8 schedule files and cxsched.yaml checked: no problems found\n"


def test_the_examples_cover_three_campaigns_with_holidays() -> None:
    files = sorted((REPO / "schedules").rglob("*.yaml"))
    assert {path.parent.name for path in files} == {
        "renewals-us",
        "collections-west",
        "appointments-central",
    }
    reasons: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith(
            "# yaml-language-server: $schema=../../schemas/schedule.schema.json\n"
        )
        reasons.update(item["reason"] for item in yaml.safe_load(text)["blackoutPeriods"])
    assert {
        "New Year's Day",
        "Memorial Day",
        "Juneteenth National Independence Day (observed)",
    } <= (reasons)


def test_a_valid_tree_exits_0_with_a_summary(repo: Path) -> None:
    put(repo, BASE)
    result = run()
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        "1 schedule file checked: no problems found\n",
    )


_BAD_INPUTS = [
    ("empty", b"", "1:1", "yaml-empty"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "3:1", "yaml-encoding"),
    ("invalid-utf8", b"name: caf\xe9\n", "1:10", "yaml-encoding"),
    ("invalid-yaml", b"formatVersion: 1\nname: [unclosed\ncampaignId: x\n", "3:11", "yaml-syntax"),
    ("tabs", b"formatVersion: 1\ndialerSettings:\n\tcallRate: 5\n", "3:1", "yaml-syntax"),
    (
        "duplicate-keys",
        BASE.replace("timeZone: America/New_York\nb", "timeZone: UTC\ntimeZone: UTC\nb"),
        "7:1",
        "yaml-duplicate-key",
    ),
    ("wrong-type", BASE.replace("callRate: 12.5", "callRate: fast"), "13:3", "schema-type"),
    ("unknown-field", BASE.replace("peakHourBoost", "peakHourBoots"), "22:3", "schema-additional"),
    (
        "naive",
        BASE.replace('"2035-01-04T08:00:00-05:00"', "2035-01-04T08:00:00"),
        "4:1",
        "naive-datetime",
    ),
    (
        "unknown-zone",
        BASE.replace("America/New_York\nb", "America/New_Yrok\nb"),
        "6:1",
        "unknown-timezone",
    ),
    ("clock-25", BASE.replace('"08:00"', "25:00"), "16:5", "schema-format"),
    (
        "end-before-start",
        BASE.replace("2035-03-31T21:00:00-04:00", "2035-01-01T00:00:00-05:00"),
        "5:1",
        "span-order",
    ),
    (
        "deep",
        ("a:\n" + "".join(f"{'  ' * d} k{d}:\n" for d in range(1, 60))),
        "33:66",
        "yaml-depth",
    ),
    ("alias-bomb", b'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n', "1:4", "yaml-alias"),
    ("multi-doc", b"a: 1\n---\na: 2\n", "2:1", "yaml-multi-doc"),
    ("list-root", b"- formatVersion: 1\n", "1:1", "yaml-root"),
]


@pytest.mark.parametrize(
    ("content", "where", "rule"),
    [case[1:] for case in _BAD_INPUTS],
    ids=[case[0] for case in _BAD_INPUTS],
)
def test_bad_input_is_one_clean_finding(
    repo: Path, content: str | bytes, where: str, rule: str
) -> None:
    put(repo, content)
    result = run()
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"{FILE}:{where}: error {rule}: ") for line in lines), lines
    assert re.fullmatch(r"1 schedule file checked: \d+ errors?, 0 warnings\n", result.stderr)


def test_a_50_megabyte_file_is_refused_without_reading_it(repo: Path) -> None:
    with (repo / FILE).open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    result = run()
    assert result.exit_code == 1
    assert result.stdout == (
        f"{FILE}:1:1: error yaml-size: file is 52,428,800 bytes, over the 1,048,576-byte limit; "
        "a schedule file needs a few kilobytes: split it or remove what does not belong\n"
    )


def test_every_error_of_every_file_in_one_run_sorted_by_file_and_line(repo: Path) -> None:
    put(
        repo,
        BASE.replace("callRate: 12.5", "callRate: fast").replace(
            "formatVersion: 1", "formatVersion: 3"
        ),
    )
    put(repo, b"", "schedules/renewals-us/a.yaml")
    put(repo, BASE.replace("renewals-us", "collections-west"), "schedules/collections-west/z.yaml")
    result = run()
    assert result.exit_code == 1
    assert result.stdout == (
        "schedules/renewals-us/a.yaml:1:1: error yaml-empty: the file is empty; it must hold "
        "one mapping\n"
        f"{FILE}:1:1: error schema-value: formatVersion must be 1, not 3\n"
        f"{FILE}:13:3: error schema-type: callRate must be a number, not the string 'fast'\n"
    )
    assert result.stderr == "3 schedule files checked: 3 errors, 0 warnings\n"


_TWO = (
    BASE.replace("name: Renewals Q1 2035", 'name: Renewals, 100% "done"').replace(
        "callRate: 12.5", "callRate: 31"
    )
    + "extra: 1\n"
)


def _stale(root: Path) -> None:
    put(
        root,
        BASE.replace(
            "    reason: Birthday of Martin Luther King, Jr.\n",
            "    reason: Birthday of Martin Luther King, Jr.\n"
            '  - startTime: "2024-07-04T00:00:00-04:00"\n'
            '    endTime: "2024-07-05T00:00:00-04:00"\n'
            "    reason: Independence Day\n",
        ).replace("callRate: 12.5", "callRate: 31"),
    )


_STALE_MESSAGE = (
    "blackout 'Independence Day' (2024-07-04T00:00:00-04:00) lies wholly outside the schedule "
    "(2035-01-04T08:00:00-05:00 to 2035-03-31T21:00:00-04:00); is the date stale? correct or "
    "remove it"
)
_RATE_MESSAGE = (
    "callRate 31 is above the tenant's maxCallRate 30 (default tenant profile); lower it to 30 "
    "or less"
)


def test_text_format(repo: Path) -> None:
    _stale(repo)
    result = run("--format", "text")
    assert result.exit_code == 1
    assert result.stdout == (
        f"{FILE}:11:5: warning blackout-outside-span: {_STALE_MESSAGE}\n"
        f"{FILE}:16:3: error call-rate-limit: {_RATE_MESSAGE}\n"
    )
    assert result.stderr == "1 schedule file checked: 1 error, 1 warning\n"


def test_github_format(repo: Path) -> None:
    _stale(repo)
    result = run("--format", "github")
    assert result.exit_code == 1
    assert result.stdout == (
        f"::warning file={FILE},line=11,col=5,title=blackout-outside-span::{_STALE_MESSAGE}\n"
        f"::error file={FILE},line=16,col=3,title=call-rate-limit::{_RATE_MESSAGE}\n"
    )


def test_json_format(repo: Path) -> None:
    _stale(repo)
    result = run("--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "format_version": 1,
        "valid": False,
        "strict": False,
        "files": 1,
        "errors": 1,
        "warnings": 1,
        "findings": [
            {
                "path": FILE,
                "line": 11,
                "column": 5,
                "pointer": "/blackoutPeriods/1",
                "rule": "blackout-outside-span",
                "severity": "warning",
                "message": _STALE_MESSAGE,
            },
            {
                "path": FILE,
                "line": 16,
                "column": 3,
                "pointer": "/dialerSettings/callRate",
                "rule": "call-rate-limit",
                "severity": "error",
                "message": _RATE_MESSAGE,
            },
        ],
    }
    assert result.stdout.startswith('{\n  "format_version": 1,\n')


def test_warnings_pass_unless_strict(repo: Path) -> None:
    put(repo, BASE.replace("2035-03-31T21:00:00-04:00", "2035-07-31T21:00:00-05:00"))
    relaxed = run()
    assert relaxed.exit_code == 0
    assert relaxed.stdout.startswith(f"{FILE}:5:1: warning offset-mismatch: ")
    assert relaxed.stderr == "1 schedule file checked: 0 errors, 1 warning\n"
    strict = run("--strict", "--format", "json")
    assert strict.exit_code == 1
    assert json.loads(strict.stdout)["valid"] is False
    assert json.loads(strict.stdout)["strict"] is True


def test_files_can_be_named_one_by_one(repo: Path) -> None:
    put(repo, BASE)
    put(repo, BASE.replace("Q1", "Q2"), "schedules/renewals-us/other.yml")
    result = run(FILE, "schedules/renewals-us/other.yml", FILE)
    assert (result.exit_code, result.stderr) == (0, "2 schedule files checked: no problems found\n")


def test_a_missing_path_is_a_clear_error(repo: Path) -> None:
    result = run("nowhere")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: nowhere: no such file or folder; give the schedules folder or schedule files\n"
    )


def test_a_folder_without_schedule_files_is_an_error(repo: Path) -> None:
    result = run()
    assert result.exit_code == 1
    assert result.stderr == ("error: schedules: no schedule files (*.yaml, *.yml) in this folder\n")


def test_errors_in_cxsched_yaml_are_findings_too(repo: Path) -> None:
    put(repo, BASE)
    put(repo, "formatVersion: 1\ntenant:\n  maxCallRates: 40\n", "cxsched.yaml")
    result = run()
    assert result.exit_code == 1
    assert result.stdout == (
        "cxsched.yaml:3:3: error schema-additional: unknown field 'maxCallRates' in tenant; "
        "did you mean 'maxCallRate'?\n"
    )
    assert result.stderr == "1 schedule file and cxsched.yaml checked: 1 error, 0 warnings\n"


def test_the_tenant_profile_of_the_config_is_applied(repo: Path) -> None:
    put(repo, BASE)
    put(repo, "formatVersion: 1\ntenant:\n  maxCallRate: 10\n", "custom.yaml")
    result = run("--config", "custom.yaml", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == (
        f"::error file={FILE},line=13,col=3,title=call-rate-limit::callRate 12.5 is above the "
        "tenant's maxCallRate 10 (tenant profile in custom.yaml); lower it to 10 or less\n"
    )


def test_a_missing_config_file_is_a_clear_error(repo: Path) -> None:
    put(repo, BASE)
    result = run("--config", "missing.yaml")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: config file missing.yaml does not exist; create it or drop --config to use the "
        "defaults\n"
    )


def test_the_pre_commit_hook_runs_validate_on_schedule_files() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"], hook["language"]) == (
        "cxsched-validate",
        "cxsched validate",
        "python",
    )
    assert (hook["pass_filenames"], hook["require_serial"]) == (False, True)  # whole repo, once
    pattern = re.compile(hook["files"])
    assert pattern.search("cxsched.yaml")
    assert pattern.search("schedules/renewals-us/q1-2027.yaml")
    assert pattern.search("schedules/renewals-us/q1-2027.yml")
    assert not pattern.search("docs/example.yaml")
    assert not pattern.search("schedules/README.md")


def test_one_named_file_says_it_and_the_config_were_checked(repo: Path) -> None:
    put(repo, BASE)
    put(repo, "formatVersion: 1\n", "cxsched.yaml")
    result = run(FILE)
    assert (result.exit_code, result.stderr) == (
        0,
        "1 schedule file and cxsched.yaml checked: no problems found\n",
    )
    assert json.loads(run(FILE, "--format", "json").stdout)["files"] == 2
