"""Deterministic synthetic dialing history, the data behind the analytics query.

Every UTC hour of a campaign gets a number of dial attempts and their dispositions derived
from a hash of (seed, campaign, hour): the same seed always tells the same history, whatever
the wall-clock time. The campaign dials only between 08:00 and 21:00 local time in its zone
(the `timeZone` of its first schedule, else America/New_York), about 400 attempts an hour on
weekdays and 240 on weekends (+-10 %).

The answer rate (ANSWERED / attempts) follows the local hour of day, +-1.5 points of noise:

====== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ====
local  08   09   10   11   12   13   14   15   16   17   18   19   20
====== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ====
Mon-Fr .14  .16  .19  .27  .37  .36  .27  .24  .30  .40  .45  .39  .26
Sa-Su  .10  .15  .22  .31  .34  .34  .31  .27  .25  .26  .27  .24  .19
====== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ==== ====

Quiet mornings, a midday peak and a higher early-evening peak on weekdays: the single best
weekday hour is always 18:00 local (the known peak; the noise cannot reorder it). Weekends
start later and are flatter, best from 11:00 to 14:00. The unanswered attempts split into
NO_ANSWER 52 %, VOICEMAIL 24 %, BUSY 12 %, ABANDONED 6 % and FAILED 6 %.

A schedule's history (`schedule.id` in the filter) is its share of the campaign's attempts in
the hours its [startTime, endTime) span covers: the campaign's attempts of an hour are split
among the schedules active in it by fixed per-schedule weights (from the same hash), so the
shares of all schedules add up to the campaign's attempts in those hours. Daily buckets are
sums of the hourly ones over the UTC day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reconciler.emulator.render import format_utc, parse_datetime

__all__ = [
    "DEFAULT_ZONE",
    "DISPOSITIONS",
    "WEEKDAY_ANSWER_RATE",
    "WEEKEND_ANSWER_RATE",
    "campaign_zone",
    "history",
    "hour_counts",
]

DEFAULT_ZONE = "America/New_York"
#: Dispositions in the order buckets are sorted by (alphabetical).
DISPOSITIONS: tuple[str, ...] = (
    "ABANDONED",
    "ANSWERED",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
    "VOICEMAIL",
)
WEEKDAY_ANSWER_RATE: dict[int, float] = dict(
    zip(
        range(8, 21),
        (0.14, 0.16, 0.19, 0.27, 0.37, 0.36, 0.27, 0.24, 0.30, 0.40, 0.45, 0.39, 0.26),
        strict=True,
    )
)
WEEKEND_ANSWER_RATE: dict[int, float] = dict(
    zip(
        range(8, 21),
        (0.10, 0.15, 0.22, 0.31, 0.34, 0.34, 0.31, 0.27, 0.25, 0.26, 0.27, 0.24, 0.19),
        strict=True,
    )
)
_UNANSWERED: tuple[tuple[str, float], ...] = (
    ("NO_ANSWER", 0.52),
    ("VOICEMAIL", 0.24),
    ("BUSY", 0.12),
    ("ABANDONED", 0.06),
    ("FAILED", 0.06),
)
_HOUR = timedelta(hours=1)


def _units(*parts: object) -> tuple[float, float]:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4]) / 2**32, int.from_bytes(digest[4:]) / 2**32


def _split(total: int, shares: Sequence[float]) -> list[int]:
    """`total` split by `shares` (summing to 1) with cumulative rounding: parts sum to total."""
    parts, done, cumulative = [], 0, 0.0
    for share in shares:
        cumulative += share
        upto = round(total * cumulative)
        parts.append(upto - done)
        done = upto
    parts[-1] += total - done
    return parts


def hour_counts(seed: int, campaign_id: str, start: datetime, zone: ZoneInfo) -> dict[str, int]:
    """Attempts by disposition in the campaign's UTC hour starting at `start` (maybe empty)."""
    local = start.astimezone(zone)
    if not 8 <= local.hour <= 20:
        return {}
    weekend = local.weekday() >= 5
    volume, noise = _units(seed, campaign_id, format_utc(start))
    attempts = round((240 if weekend else 400) * (0.9 + 0.2 * volume))
    curve = WEEKEND_ANSWER_RATE if weekend else WEEKDAY_ANSWER_RATE
    answered = round(attempts * (curve[local.hour] + (noise - 0.5) * 0.03))
    rest = _split(attempts - answered, [share for _, share in _UNANSWERED])
    counts = {"ANSWERED": answered}
    counts.update({name: n for (name, _), n in zip(_UNANSWERED, rest, strict=True)})
    return counts


def campaign_zone(schedules: Sequence[dict[str, Any]]) -> ZoneInfo:
    """The zone the campaign dials in: its first schedule's, else America/New_York."""
    return ZoneInfo(str(schedules[0]["timeZone"]) if schedules else DEFAULT_ZONE)


@dataclass(frozen=True, slots=True)
class _Span:
    """A schedule's [begin, end) and its fixed weight in the split of shared hours."""

    schedule_id: str
    begin: datetime
    end: datetime
    weight: float


def _spans(seed: int, campaign_id: str, schedules: Sequence[dict[str, Any]]) -> list[_Span]:
    spans = []
    for schedule in sorted(schedules, key=lambda s: str(s["id"])):
        begin, end = parse_datetime(schedule["startTime"]), parse_datetime(schedule["endTime"])
        if begin is not None and end is not None:
            weight = 0.5 + _units(seed, campaign_id, schedule["id"])[0]
            spans.append(_Span(str(schedule["id"]), begin, end, weight))
    return spans


def _schedule_counts(
    counts: dict[str, int], hour: datetime, spans: Sequence[_Span], wanted: str
) -> dict[str, int]:
    """The share of the hour's counts that falls to schedule `wanted` (empty if inactive)."""
    active = [span for span in spans if span.begin <= hour < span.end]
    ids = [span.schedule_id for span in active]
    if wanted not in ids:
        return {}
    total = sum(span.weight for span in active)
    shares = [span.weight / total for span in active]
    index = ids.index(wanted)
    return {name: _split(n, shares)[index] for name, n in counts.items()}


def _hours(start: datetime, end: datetime) -> Iterator[datetime]:
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while hour < end:
        yield hour
        hour += _HOUR


def history(
    *,
    seed: int,
    campaign_id: str,
    schedules: Sequence[dict[str, Any]],
    interval: str,
    start: datetime,
    end: datetime,
    schedule_id: str | None = None,
) -> list[dict[str, Any]]:
    """Buckets `{interval, disposition, count}` with count > 0, by interval then disposition.

    Hourly buckets start at every UTC hour from `start` (rounded down) before `end`; a daily
    bucket is the sum of the hours of its UTC day, for every day starting before `end`.
    """
    zone = campaign_zone(schedules)
    spans = _spans(seed, campaign_id, schedules)
    if interval == "day":
        start = start.astimezone(UTC).replace(hour=0)
        end = _ceil_day(end)
    totals: dict[datetime, dict[str, int]] = {}
    for hour in _hours(start, end):
        counts = hour_counts(seed, campaign_id, hour, zone)
        if counts and schedule_id is not None:
            counts = _schedule_counts(counts, hour, spans, schedule_id)
        key = hour.replace(hour=0) if interval == "day" else hour
        bucket = totals.setdefault(key, {})
        for name, n in counts.items():
            bucket[name] = bucket.get(name, 0) + n
    return [
        {"interval": format_utc(key), "disposition": name, "count": bucket[name]}
        for key, bucket in sorted(totals.items())
        for name in DISPOSITIONS
        if bucket.get(name, 0) > 0
    ]


def _ceil_day(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day if day == moment else day + timedelta(days=1)
