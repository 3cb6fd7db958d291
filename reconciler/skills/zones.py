"""IANA zone names and CXone's standard time-zone names (`GET /timezones` -> `standardName`).

CXone names its zones like Windows does ("Eastern Standard Time"); files name them the IANA way
("America/New_York"). `STANDARD_NAMES` is the CLDR windowsZones mapping for the zones a
contact centre most often dials; a file may instead give `standardName` directly for a zone
this table lacks. `iana_for` picks the one IANA name `cxsched import` writes for a standard name.
Whether a tenant's `/timezones` uses exactly these names is checked at plan time and by
`cxsched doctor`, never assumed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["STANDARD_NAMES", "iana_for", "same_clock", "standard_name"]

#: IANA name -> CXone (Windows) standard name; the first IANA name of each standard name is the
#: one `iana_for` returns.
STANDARD_NAMES: dict[str, str] = {
    "America/New_York": "Eastern Standard Time",
    "America/Detroit": "Eastern Standard Time",
    "America/Toronto": "Eastern Standard Time",
    "America/Kentucky/Louisville": "Eastern Standard Time",
    "America/Indiana/Indianapolis": "US Eastern Standard Time",
    "America/Chicago": "Central Standard Time",
    "America/Winnipeg": "Central Standard Time",
    "America/Regina": "Canada Central Standard Time",
    "America/Mexico_City": "Central Standard Time (Mexico)",
    "America/Denver": "Mountain Standard Time",
    "America/Boise": "Mountain Standard Time",
    "America/Edmonton": "Mountain Standard Time",
    "America/Phoenix": "US Mountain Standard Time",
    "America/Los_Angeles": "Pacific Standard Time",
    "America/Vancouver": "Pacific Standard Time",
    "America/Anchorage": "Alaskan Standard Time",
    "Pacific/Honolulu": "Hawaiian Standard Time",
    "America/Puerto_Rico": "SA Western Standard Time",
    "America/Halifax": "Atlantic Standard Time",
    "America/St_Johns": "Newfoundland Standard Time",
    "America/Sao_Paulo": "E. South America Standard Time",
    "Europe/London": "GMT Standard Time",
    "Europe/Dublin": "GMT Standard Time",
    "Europe/Berlin": "W. Europe Standard Time",
    "Europe/Amsterdam": "W. Europe Standard Time",
    "Europe/Rome": "W. Europe Standard Time",
    "Europe/Vienna": "W. Europe Standard Time",
    "Europe/Stockholm": "W. Europe Standard Time",
    "Europe/Zurich": "W. Europe Standard Time",
    "Europe/Paris": "Romance Standard Time",
    "Europe/Madrid": "Romance Standard Time",
    "Europe/Brussels": "Romance Standard Time",
    "Europe/Copenhagen": "Romance Standard Time",
    "Europe/Warsaw": "Central European Standard Time",
    "Europe/Prague": "Central Europe Standard Time",
    "Europe/Budapest": "Central Europe Standard Time",
    "Europe/Athens": "GTB Standard Time",
    "Europe/Bucharest": "GTB Standard Time",
    "Europe/Helsinki": "FLE Standard Time",
    "Europe/Kyiv": "FLE Standard Time",
    "Asia/Jerusalem": "Israel Standard Time",
    "Africa/Johannesburg": "South Africa Standard Time",
    "Asia/Kolkata": "India Standard Time",
    "Asia/Singapore": "Singapore Standard Time",
    "Asia/Manila": "Singapore Standard Time",
    "Asia/Tokyo": "Tokyo Standard Time",
    "Australia/Sydney": "AUS Eastern Standard Time",
    "Australia/Melbourne": "AUS Eastern Standard Time",
    "Australia/Brisbane": "E. Australia Standard Time",
    "Australia/Adelaide": "Cen. Australia Standard Time",
    "Australia/Perth": "W. Australia Standard Time",
    "Pacific/Auckland": "New Zealand Standard Time",
    "Etc/UTC": "UTC",
    "UTC": "UTC",
}

_IANA_FOR: dict[str, str] = {}
for _iana, _standard in STANDARD_NAMES.items():
    _IANA_FOR.setdefault(_standard, _iana)


def standard_name(iana: str) -> str | None:
    """CXone's standard name of an IANA zone, or None when the table lacks it."""
    return STANDARD_NAMES.get(iana)


def iana_for(standard: str) -> str | None:
    """The IANA name `cxsched import` writes for a CXone standard name, or None."""
    return _IANA_FOR.get(standard)


def same_clock(iana: str, standard: str, start: datetime, *, years: int = 2) -> bool:
    """Whether the IANA zone `iana` keeps the clock of the CXone zone `standard` from `start`
    on for `years` (sampled every 6 hours, DST changes included): by the table first, then,
    for a name it lacks such as the alias `US/Eastern`, by the offsets of `iana_for(standard)`."""
    if standard_name(iana) == standard:
        return True
    other = iana_for(standard)
    if other is None:
        return False
    try:
        zones = ZoneInfo(iana), ZoneInfo(other)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    step, moment = timedelta(hours=6), start
    for _ in range(years * 365 * 4):
        if moment.astimezone(zones[0]).utcoffset() != moment.astimezone(zones[1]).utcoffset():
            return False
        moment += step
    return True
