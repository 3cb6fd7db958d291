"""`cxsched validate --fix`: the blackouts calling laws require, added to a copy of the files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from support.laws import schedule, write

REPO = Path(__file__).resolve().parent.parent
NY, CHI = "America/New_York", "America/Chicago"


def fix(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    monkeypatch.delenv("CXSCHED_CONFIG", raising=False)
    result = CliRunner().invoke(main, ["validate", "--fix"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def test_sunday_and_saturday_bans_become_blackouts_keeping_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "# keep this comment\n" + schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-11T00:00:00-05:00",
        [("10:00", "17:30", NY)],
        jurisdictions=["US-RI"],
    )
    path = write(tmp_path, text)
    code, out, err = fix(tmp_path, monkeypatch)
    assert (code, out) == (0, "")
    assert err == (
        "schedules/laws/s.yaml: added 2 blackout periods the calling laws require, removing "
        "8.0 hours of callable time (not legal advice)\n"
        "1 schedule file checked: no problems found\n"
    )
    reason = "(R.I. Gen. Laws 5-61-3.6; 5-61-2 (hours of operation))"
    assert path.read_text("utf-8") == text + (
        "blackoutPeriods:\n"
        '  - startTime: "2027-01-09T17:00:00-05:00"\n'
        '    endTime: "2027-01-09T17:30:00-05:00"\n'
        f'    reason: "Calling law: US-RI allows 10:00-17:00 on Saturdays {reason}"\n'
        '  - startTime: "2027-01-10T10:00:00-05:00"\n'
        '    endTime: "2027-01-10T17:30:00-05:00"\n'
        f'    reason: "Calling law: US-RI allows none on Sundays {reason}"\n'
    )
    assert fix(tmp_path, monkeypatch) == (0, "", "1 schedule file checked: no problems found\n")


def test_conflicting_jurisdictions_are_named_with_the_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-11T00:00:00-05:00",
        [("10:00", "17:00", NY)],
        jurisdictions=["US-RI", "US-NY"],
        blackouts=[("2027-01-06T00:00:00-05:00", "2027-01-07T00:00:00-05:00", "Company day")],
    )
    path = write(tmp_path, text)
    code, _, err = fix(tmp_path, monkeypatch)
    assert code == 0
    assert err.splitlines()[1] == (
        "schedules/laws/s.yaml: conflict: the blackouts for US-RI also stop calls to US-NY "
        "callees when their law allows them: the jurisdictions conflict; split the schedule, "
        "one for [US-RI] and one for [US-NY]"
    )
    after = path.read_text("utf-8")
    assert after.startswith(text.split("dialerSettings")[0])
    assert 'reason: Company day}\n  - startTime: "2027-01-10T10:00:00-05:00"\n' in after


def test_weekday_hours_are_advice_not_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = schedule(
        "2027-01-04T00:00:00-05:00",
        "2027-01-09T00:00:00-05:00",
        [("08:00", "20:30", CHI), ("08:00", "20:00", NY)],
        jurisdictions=["US-FL"],
    )
    path = write(tmp_path, text)
    code, out, err = fix(tmp_path, monkeypatch)
    assert code == 1
    assert out.startswith("schedules/laws/s.yaml:")
    assert err.splitlines()[0] == (
        "schedules/laws/s.yaml: not fixed: US-FL callees in America/Chicago: the windows break "
        "the everyday hours (first on 2027-01-04; US-FL); narrow the windows of America/Chicago "
        "by hand, a blackout per day would not do"
    )
    assert path.read_text("utf-8") == text


def test_fix_on_a_copy_of_the_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    config = (REPO / "cxsched.yaml").read_text("utf-8")
    (tmp_path / "cxsched.yaml").write_text(config, encoding="utf-8")
    before = {p: p.read_bytes() for p in (tmp_path / "schedules").rglob("*.yaml")}
    assert fix(tmp_path, monkeypatch) == (
        0,
        "",
        "8 schedule files and cxsched.yaml checked: no problems found\n",
    )
    assert {p: p.read_bytes() for p in before} == before
    # Calling Texas too: the Q1 renewals (windows 08:00-21:00) need Sunday mornings closed.
    wider = config.replace(
        "[US-NY, US-NJ, US-IL, US-MO, US-CO, US-CA]",
        "[US-NY, US-NJ, US-IL, US-MO, US-CO, US-CA, US-TX]",
    )
    (tmp_path / "cxsched.yaml").write_text(wider, encoding="utf-8")
    code, _, err = fix(tmp_path, monkeypatch)
    assert code == 1
    # 13 Sundays: 08:00-12:00 Central and Mountain (09:00-14:00 Eastern, merged), and the
    # Mountain 20:00-21:00 past Texas's 21:00 Central (22:00-23:00 Eastern): 13 x 2 blackouts,
    # 13 x 6 hours. The 08:00 opening on other days is a window to narrow by hand.
    q1 = "schedules/renewals-us/q1-2027.yaml"
    assert err.splitlines()[:4] == [
        f"{q1}: added 26 blackout periods the calling laws require, removing 78.0 hours of "
        "callable time (not legal advice)",
        f"{q1}: not fixed: US-TX callees in America/Chicago: the windows break the everyday "
        "hours (first on 2027-01-02; US-TX); narrow the windows of America/Chicago by hand, a "
        "blackout per day would not do",
        f"{q1}: not fixed: US-TX callees in America/Denver: the windows break the everyday "
        "hours (first on 2027-01-02; US-TX); narrow the windows of America/Denver by hand, a "
        "blackout per day would not do",
        f"{q1}: conflict: the blackouts for US-TX also stop calls to US-CA, US-CO, US-IL, "
        "US-MO, US-NJ, US-NY callees when their law allows them: the jurisdictions conflict; "
        "split the schedule, one for [US-TX] and one for [US-CA, US-CO, US-IL, US-MO, US-NJ, "
        "US-NY]",
    ]
    after = (tmp_path / q1).read_text("utf-8")
    old = before[tmp_path / q1].decode()
    kept, added = old.split("\n\n# The dialer's pace")
    assert after.startswith(kept + "\n")
    assert after.endswith("\n\n# The dialer's pace" + added)
    assert after.count("Tex. Bus. & Com. Code 301.051") == 26
