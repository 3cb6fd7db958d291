"""CXone's standard zone names against IANA zones: the table, and the clock they keep."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.skills.zones import STANDARD_NAMES, iana_for, same_clock, standard_name

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("iana", "standard", "same"),
    [
        ("America/New_York", "Eastern Standard Time", True),  # the table says so
        ("America/Detroit", "Eastern Standard Time", True),
        ("US/Eastern", "Eastern Standard Time", True),  # an alias: the offsets agree
        ("US/Mountain", "Mountain Standard Time", True),
        ("America/Phoenix", "Mountain Standard Time", False),  # no daylight saving time
        ("America/Chicago", "Eastern Standard Time", False),
        ("Europe/London", "Martian Standard Time", False),  # a name cxsched does not know
        ("Not/AZone", "Eastern Standard Time", False),
    ],
)
def test_same_clock(iana: str, standard: str, same: bool) -> None:
    assert same_clock(iana, standard, NOW) is same


def test_a_zone_that_differs_only_later_is_caught_within_the_years_asked() -> None:
    # Arizona and Mountain time agree all winter; the first daylight-saving day tells them apart
    assert same_clock("America/Phoenix", "Mountain Standard Time", NOW, years=1) is False
    assert same_clock("America/Phoenix", "US Mountain Standard Time", NOW) is True


def test_every_standard_name_maps_back_to_a_zone_of_it() -> None:
    for iana, standard in STANDARD_NAMES.items():
        assert standard_name(iana) == standard
        back = iana_for(standard)
        assert back is not None and STANDARD_NAMES[back] == standard
