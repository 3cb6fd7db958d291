"""Laws of the emulator's pure parts, checked with generated data (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator.contract import SERVER_ONLY_FIELDS, Capacity
from reconciler.emulator.render import format_utc, parse_datetime, render_schedule
from reconciler.emulator.state import ScheduleStore, merge_patch
from reconciler.emulator.validation import check_schedule

LIMITS = Capacity(200, 30.0)
_moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)
_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timedelta(minutes=m))
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=10,
)


@st.composite
def _schedules(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(_moments)
    length = draw(st.integers(min_value=1, max_value=10**8))
    offset = draw(_offsets)
    document: dict[str, Any] = {
        "name": draw(st.text(min_size=1, max_size=20)),
        "startTime": start.astimezone(timezone(offset)).isoformat(),
        "endTime": format_utc(start + timedelta(seconds=length)),
        "timeZone": draw(st.sampled_from(["UTC", "Europe/Paris", "Asia/Kolkata"])),
        "dialerSettings": {
            "maxConcurrentCalls": draw(st.integers(min_value=1, max_value=200)),
            "callRate": draw(st.floats(min_value=0.01, max_value=30.0)),
        },
        "blackoutPeriods": [],
    }
    return document


@settings(max_examples=60, deadline=None)
@given(_schedules())
def test_the_servers_own_answer_is_valid_input_and_renders_the_same(
    document: dict[str, Any],
) -> None:
    assert check_schedule(document, LIMITS) == []
    rendered = render_schedule(document)
    assert check_schedule(rendered, LIMITS) == []
    assert render_schedule(rendered) == rendered
    assert "blackoutPeriods" not in rendered
    assert isinstance(rendered["dialerSettings"]["maxConcurrentCalls"], float)


@settings(max_examples=60, deadline=None)
@given(_moments, _offsets)
def test_any_offset_renders_as_the_same_utc_instant(moment: datetime, offset: timedelta) -> None:
    shifted = moment.astimezone(timezone(offset)).isoformat()
    rendered = format_utc(parse_datetime(shifted) or datetime.min)
    assert rendered == format_utc(moment)
    assert parse_datetime(rendered) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=3), _json), st.dictionaries(st.text(max_size=3), _json))
def test_merge_patch_is_idempotent_and_empty_patch_is_identity(
    target: dict[str, Any], patch: dict[str, Any]
) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once
    assert merge_patch(target, {}) == target
    assert not {key for key, value in patch.items() if value is None} & set(once)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=7))
def test_pages_cover_every_schedule_once_in_creation_order(count: int, size: int) -> None:
    store = ScheduleStore(["c"], LIMITS)
    body = {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-02-01T00:00:00Z"}
    made = [
        store.create("c", {**body, "name": f"s{i}", "timeZone": "UTC"}, "test")["id"]
        for i in range(count)
    ]
    seen: list[str] = []
    after: int | None = 0
    pages = 0
    while after is not None:
        page, after = store.page("c", after, size)
        seen += [schedule["id"] for schedule in page]
        pages += 1
    assert seen == made
    assert pages == max(1, -(-count // size))
    assert all(set(s) >= SERVER_ONLY_FIELDS for s in store.schedules("c"))
