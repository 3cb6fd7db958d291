"""The holidays of a rule: the `holidays` package's calendar for the callee's country (and
subdivision), in the rule's categories, with observed dates kept, plus the rule's own
additions (Pennsylvania's Flag Day, Good Friday and Election Day; Alabama's Mardi Gras).

Days that are declared ad hoc (a governor's extra holiday, an emergency) are in no calendar:
add them to a schedule as blackouts.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

from reconciler.laws.model import HolidayCalendar, HolidayExtra

__all__ = ["easter", "holiday_dates", "holiday_names"]


def holiday_dates(calendar: HolidayCalendar, subdivision: str | None, year: int) -> frozenset[date]:
    """The holiday dates of `calendar` in `year`, for a callee in `subdivision` (if declared)."""
    return frozenset(holiday_names(calendar, subdivision, year))


@functools.cache
def holiday_names(calendar: HolidayCalendar, subdivision: str | None, year: int) -> dict[date, str]:
    """Holiday date -> name of `calendar` in `year` (see `holiday_dates`)."""
    import holidays  # imported late: only schedules that meet a holiday rule pay for it

    subdiv = calendar.subdivision
    if calendar.use_declared_subdivision and subdivision:
        supported = holidays.list_supported_countries().get(calendar.country, [])
        subdiv = subdivision if subdivision in supported else subdiv
    found: dict[date, str] = {}
    for category in calendar.categories:
        try:
            days = holidays.country_holidays(
                calendar.country, subdiv=subdiv, years=year, categories=(category,)
            )
        except (NotImplementedError, ValueError):  # a category this country lacks
            continue
        for day, name in sorted(days.items()):
            found.setdefault(day, name)
    for extra in calendar.add:
        found.setdefault(_extra(extra, year), extra.name)
    return found


def _extra(extra: HolidayExtra, year: int) -> date:
    if extra.rule == "fixed":
        return date(year, extra.month, extra.day)
    if extra.rule == "good-friday":
        return easter(year) - timedelta(days=2)
    if extra.rule == "mardi-gras":
        return easter(year) - timedelta(days=47)
    november = date(year, 11, 1)  # election day: the Tuesday after the first Monday
    first_monday = november + timedelta(days=(7 - november.weekday()) % 7)
    return first_monday + timedelta(days=1)


def easter(year: int) -> date:
    """Western Easter Sunday of `year` (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month = (h + weekday - 7 * m + 90) // 25
    return date(year, month, (h + weekday - 7 * m + 33 * month + 19) % 32)
