"""Time zone lookup, "did you mean", and daylight-saving gaps and folds."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reconciler.validate.timezones import (
    boundary_status,
    get_zone,
    known_zones,
    suggest_zone,
    transitions,
    wall_transition,
)

NEW_YORK = ZoneInfo("America/New_York")


def test_known_zones_and_lookup() -> None:
    assert {"America/New_York", "UTC", "Europe/Paris"} <= known_zones()
    assert get_zone("America/Chicago") == ZoneInfo("America/Chicago")
    assert get_zone("America/New_Yrok") is None
    assert get_zone("../../etc/passwd") is None


def test_suggestions() -> None:
    assert suggest_zone("America/New_Yrok") == "America/New_York"
    assert suggest_zone("america/los_angeles") == "America/Los_Angeles"
    assert suggest_zone("Europe/Londn") == "Europe/London"
    assert suggest_zone("Nowhere/At_All_Really") is None


def test_transitions_of_a_year() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    gap, fold = transitions(NEW_YORK, start, datetime(2028, 1, 1, tzinfo=UTC))
    assert (gap.at, gap.kind, gap.wall_start, gap.wall_end) == (
        datetime(2027, 3, 14, 7, tzinfo=UTC),
        "gap",
        datetime(2027, 3, 14, 2),
        datetime(2027, 3, 14, 3),
    )
    assert (fold.at, fold.kind, fold.before, fold.after) == (
        datetime(2027, 11, 7, 6, tzinfo=UTC),
        "fold",
        timedelta(hours=-4),
        timedelta(hours=-5),
    )
    assert transitions(ZoneInfo("America/Phoenix"), start, datetime(2030, 1, 1, tzinfo=UTC)) == ()


def test_a_long_span_is_searched_for_at_most_eleven_years() -> None:
    found = transitions(
        NEW_YORK, datetime(2027, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
    )
    assert len(found) == 22
    assert found[-1].at.year == 2037


def test_wall_clock_times_in_gaps_and_folds() -> None:
    gap = wall_transition(datetime(2027, 3, 14, 2, 30), NEW_YORK)
    assert gap is not None and gap.kind == "gap"
    fold = wall_transition(datetime(2027, 11, 7, 1, 59), NEW_YORK)
    assert fold is not None and fold.kind == "fold"
    assert wall_transition(datetime(2027, 11, 7, 2, 0), NEW_YORK) is None
    assert wall_transition(datetime(2027, 3, 14, 3, 0), NEW_YORK) is None


def test_daily_boundaries_hit_only_transitions_inside_the_span() -> None:
    winter = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC))
    spring = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    assert boundary_status(time(2, 30), NEW_YORK, winter) is None
    change = boundary_status(time(2, 30), NEW_YORK, spring)
    assert change is not None and change.kind == "gap"
    assert boundary_status(time(8, 0), NEW_YORK, spring) is None
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # a half-hour change
    year = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert boundary_status(time(1, 45), lord_howe, year) is not None
    assert boundary_status(time(2, 45), lord_howe, year) is None
