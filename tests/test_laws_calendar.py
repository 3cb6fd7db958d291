"""`cxsched calendar FILE --zone ZONE [--png OUT]`: callable beside legal hours, per date."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from support.laws import FILE, schedule, write

NY = "America/New_York"


def calendar(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(root)
    monkeypatch.delenv("CXSCHED_CONFIG", raising=False)
    return CliRunner().invoke(main, ["calendar", FILE, *args])


def test_rhode_island_week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fri 2027-01-08 to Sun 2027-01-10, window 10:00-17:30, a blackout Friday afternoon.
    text = schedule(
        "2027-01-08T00:00:00-05:00",
        "2027-01-11T00:00:00-05:00",
        [("10:00", "17:30", NY)],
        jurisdictions=["US-RI"],
        blackouts=[("2027-01-08T12:00:00-05:00", "2027-01-08T13:00:00-05:00", "Lunch")],
    )
    write(tmp_path, text)
    result = calendar(tmp_path, monkeypatch, "--zone", NY)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{FILE}: callable and legal hours in America/New_York, for US-RI (not legal advice)\n"
        "2027-01-08 Fri  callable 10:00-12:00 and 13:00-17:30  legal 09:00-18:00\n"
        "2027-01-09 Sat  callable 10:00-17:30  legal 10:00-17:00  OUTSIDE 17:00-17:30\n"
        "2027-01-10 Sun  callable 10:00-17:30  legal none  OUTSIDE 10:00-17:30\n"
    )


def test_png_and_bad_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = schedule(
        "2027-01-04T00:00:00-05:00", "2027-01-06T00:00:00-05:00", [("09:00", "20:00", NY)]
    )
    write(tmp_path, text)
    out = tmp_path / "cal.png"
    result = calendar(tmp_path, monkeypatch, "--zone", "America/Chicago", "--png", str(out))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "2027-01-03 Sun  callable none  legal 08:00-21:00",
        "2027-01-04 Mon  callable none  legal 08:00-21:00",
        "2027-01-05 Tue  callable none  legal 08:00-21:00",
    ]
    assert result.stderr == f"wrote {out}\n"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = calendar(tmp_path, monkeypatch, "--zone", "Mars/Olympus")
    assert (bad.exit_code, bad.stdout) == (1, "")
    assert bad.stderr == (
        "error: unknown time zone 'Mars/Olympus'; use an IANA name like America/Chicago\n"
    )
