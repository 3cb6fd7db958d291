"""Where callees live: jurisdiction -> IANA zones, zone -> country, and zones that keep the
same clock.

A jurisdiction's zones come from the rule data (every zone of a multi-zone state: the Florida
panhandle is Central, El Paso is Mountain); a whole country not listed there takes every zone
that tzdata's `zone.tab` (shipped in the `tzdata` package) gives it. The same table maps a zone
back to its country, for schedules that declare no audience.

Two zones keep the same clock over a year when their UTC offsets agree at every hour of it
(America/Detroit and America/New_York do; America/Phoenix and America/Denver do not). A window
written for one of them calls the callees of the other.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from reconciler.laws.catalog import Catalog

__all__ = ["country_of", "country_zones", "jurisdiction_zones", "same_clock"]


@functools.cache
def _zone_table() -> tuple[tuple[str, str], ...]:
    """(country, zone) rows of tzdata's zone.tab."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            rows.append((fields[0], fields[2]))
    return tuple(rows)


@functools.cache
def country_of(zone: str) -> str | None:
    """The ISO 3166 country of an IANA zone (None for a link name or an unknown zone)."""
    return next((country for country, name in _zone_table() if name == zone), None)


@functools.cache
def country_zones(country: str) -> tuple[str, ...]:
    """Every zone.tab zone of `country`, in table order."""
    return tuple(name for code, name in _zone_table() if code == country)


def jurisdiction_zones(cat: Catalog, jurisdiction: str) -> tuple[str, ...]:
    """The zones of `jurisdiction`: from the rule data, else (a country) from zone.tab."""
    listed = cat.zones.get(jurisdiction)
    if listed is not None:
        return listed
    return country_zones(jurisdiction) if "-" not in jurisdiction else ()


@functools.cache
def same_clock(a: str, b: str, year: int) -> bool:
    """Whether zones `a` and `b` show the same UTC offset at every hour of `year`."""
    if a == b:
        return True
    zone_a, zone_b = ZoneInfo(a), ZoneInfo(b)
    moment = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    end = datetime(year + 1, 1, 2, tzinfo=UTC)
    step = timedelta(hours=1)
    while moment < end:
        if zone_a.utcoffset(moment) != zone_b.utcoffset(moment):
            return False
        moment += step
    return True
