"""Schema and semantic validation of schedule files, one rule at a time, on real files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reconciler.config import RepoConfig, TenantProfile
from reconciler.model import DesiredSchedule, TenantLimits
from reconciler.validate.desired import load_desired
from reconciler.validate.document import _validator, check_limits, schema

BASE = (Path(__file__).parent / "data" / "valid_schedule.yaml").read_text(encoding="utf-8")
NOW = datetime(2026, 11, 27, tzinfo=UTC)
Row = tuple[int, int, str, str, str]


def edit(*changes: tuple[str, str], text: str = BASE) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def write(root: Path, text: str, campaign: str = "renewals-us", name: str = "q1.yaml") -> Path:
    folder = root / "schedules" / campaign
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def check(
    tmp_path: Path, text: str, *, now: datetime = NOW, config: RepoConfig | None = None
) -> list[Row]:
    write(tmp_path, text)
    state = load_desired([tmp_path / "schedules"], config or RepoConfig(), now=now)
    return [(f.line, f.column, f.severity, f.rule, f.message) for f in state.findings]


def _without_laws(rows: list[Row]) -> list[Row]:
    return [row for row in rows if not row[3].startswith("legal-")]


def rules(rows: list[Row]) -> list[str]:
    return [row[3] for row in rows]


def test_the_base_fixture_is_valid(tmp_path: Path) -> None:
    assert check(tmp_path, BASE) == []


# --- schema ---------------------------------------------------------------------------------


def test_schemas_are_valid_2020_12_and_describe_every_field() -> None:
    for name in ("schedule", "config"):
        document = schema(name)
        Draft202012Validator.check_schema(document)
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert _undescribed(document) == []


def _undescribed(node: Any, where: str = "") -> list[str]:
    missing = []
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            if "description" not in sub and "description" not in _target(sub):
                missing.append(f"{where}/{name}")
        for key, value in node.items():
            missing.extend(_undescribed(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            missing.extend(_undescribed(value, f"{where}/{index}"))
    return missing


def _target(sub: dict[str, Any]) -> dict[str, Any]:
    ref = sub.get("$ref", "")
    defs: dict[str, Any] = schema("schedule")["$defs"]
    return dict(defs.get(ref.removeprefix("#/$defs/"), {}))


def test_the_validator_uses_the_schema_with_references_inlined() -> None:
    assert "$ref" not in str(_validator("schedule").schema)
    schema = _validator("schedule").schema
    assert isinstance(schema, dict)
    assert schema["properties"]["startTime"]["format"] == "date-time"


def test_missing_required_fields_are_listed_with_their_description(tmp_path: Path) -> None:
    text = edit(("name: Renewals Q1 2035\n", ""), ("  callRate: 12.5\n", ""))
    assert check(tmp_path, text) == [
        (
            1,
            1,
            "error",
            "schema-required",
            "missing required field 'name': Display name of the schedule, 1 to 128 "
            "characters, unique within its campaign.",
        ),
        (
            10,
            1,
            "error",
            "schema-required",
            "missing required field 'callRate' in dialerSettings: Dial attempts per minute, "
            "above 0 and at most the tenant's maxCallRate (30 by default).",
        ),
    ]


def test_an_unknown_field_suggests_the_nearest_known_name(tmp_path: Path) -> None:
    text = edit(("timeZone: America/New_York\nblackout", "timeZon: America/New_York\nblackout"))
    text = edit(("  callRate:", "  callrate:"), text=text)
    rows = check(tmp_path, text)
    assert [(row[0], row[3]) for row in rows] == [
        (1, "schema-required"),
        (6, "schema-additional"),
        (11, "schema-required"),
        (13, "schema-additional"),
    ]
    assert rows[1] == (
        6,
        1,
        "error",
        "schema-additional",
        "unknown field 'timeZon'; did you mean 'timeZone'?",
    )
    assert rows[3] == (
        13,
        3,
        "error",
        "schema-additional",
        "unknown field 'callrate' in dialerSettings; did you mean 'callRate'?",
    )


def test_an_unknown_field_far_from_any_name_lists_the_fields(tmp_path: Path) -> None:
    text = edit(("  peakHourBoost: 1.2\n", "  peakHourBoost: 1.2\n  zzz: 1\n"))
    assert check(tmp_path, text) == [
        (
            23,
            3,
            "error",
            "schema-additional",
            "unknown field 'zzz' in optimizationSettings; the fields here are peakHourBoost, "
            "useHistoricalAnswerRates",
        )
    ]


@pytest.mark.parametrize(
    ("change", "row"),
    [
        (
            ("name: Renewals Q1 2035", "name: 2035"),
            (3, 1, "name must be a string, not the integer 2035; quote it"),
        ),
        (
            ("maxConcurrentCalls: 40", "maxConcurrentCalls: forty"),
            (12, 3, "maxConcurrentCalls must be an integer, not the string 'forty'"),
        ),
        (
            ("maxConcurrentCalls: 40", "maxConcurrentCalls: 40.5"),
            (12, 3, "maxConcurrentCalls must be an integer, not the number 40.5"),
        ),
        (
            ("enabled: true", "enabled: yes"),
            (19, 5, "enabled must be true or false, not the string 'yes'"),
        ),
        (
            ("dialerSettings:\n", "dialerSettings: []\nx:\n"),
            (11, 1, "dialerSettings must be a mapping, not a list"),
        ),
        (
            ("blackoutPeriods:\n", "blackoutPeriods:\n  - just a date\n"),
            (8, 5, "blackoutPeriods item 1 must be a mapping, not the string 'just a date'"),
        ),
        (
            ("name: Renewals Q1 2035\n", "name: Renewals Q1 2035\ndescription:\n"),
            (4, 1, "description must be a string, not null (empty); quote it"),
        ),
    ],
)
def test_wrong_types_are_reported_at_their_value(
    tmp_path: Path, change: tuple[str, str], row: tuple[int, int, str]
) -> None:
    found = [r for r in check(tmp_path, edit(change)) if r[3] == "schema-type"]
    assert len(found) == 1
    assert found[0][:4] == (row[0], row[1], "error", "schema-type")
    assert found[0][4].startswith(row[2])


@pytest.mark.parametrize(
    ("change", "row"),
    [
        (
            ('startTime: "08:00"', 'startTime: "25:00"'),
            (
                16,
                5,
                "schema-format",
                "startTime '25:00' is not a valid HH:MM clock time (00:00 to 23:59), e.g. '08:00'",
            ),
        ),
        (
            ('endTime: "21:00"', "endTime: 21:60"),
            (
                17,
                5,
                "schema-format",
                "endTime '21:60' is not a valid HH:MM clock time (00:00 to 23:59), e.g. '08:00'",
            ),
        ),
        (
            ("campaignId: renewals-us", "campaignId: -renewals"),
            (
                2,
                1,
                "schema-format",
                "campaignId '-renewals' is not a valid campaign id, e.g. 'renewals-us'",
            ),
        ),
        (
            ('endTime: "2035-03-31T21:00:00-04:00"', 'endTime: "2035-02-30T21:00:00-05:00"'),
            (
                5,
                1,
                "schema-format",
                "endTime '2035-02-30T21:00:00-05:00' is not a valid ISO 8601 date-time with a "
                "UTC offset, e.g. '2027-01-04T08:00:00-05:00'",
            ),
        ),
        (
            ("capacityThreshold: 0.85", "capacityThreshold: 0"),
            (14, 3, "schema-range", "capacityThreshold must be greater than 0, not 0"),
        ),
        (
            ("capacityThreshold: 0.85", "capacityThreshold: 1.5"),
            (14, 3, "schema-range", "capacityThreshold must be at most 1, not 1.5"),
        ),
        (
            ("peakHourBoost: 1.2", "peakHourBoost: 0.5"),
            (22, 3, "schema-range", "peakHourBoost must be at least 1, not 0.5"),
        ),
        (
            ("maxConcurrentCalls: 40", "maxConcurrentCalls: 0"),
            (12, 3, "schema-range", "maxConcurrentCalls must be at least 1, not 0"),
        ),
        (
            ("reason: Birthday of Martin Luther King, Jr.", "reason: ''"),
            (10, 5, "schema-range", "reason must not be empty"),
        ),
        (
            ("name: Renewals Q1 2035", "name: " + "n" * 129),
            (3, 1, "schema-range", "name must have at most 128 characters (it has 129)"),
        ),
        (
            ("formatVersion: 1", "formatVersion: 2"),
            (1, 1, "schema-value", "formatVersion must be 1, not 2"),
        ),
    ],
)
def test_formats_and_ranges(
    tmp_path: Path, change: tuple[str, str], row: tuple[int, int, str, str]
) -> None:
    line, column, rule, message = row
    assert (line, column, "error", rule, message) in check(tmp_path, edit(change))


def test_too_many_items_are_reported(tmp_path: Path) -> None:
    window = '  - startTime: "08:00"\n    endTime: "08:01"\n    timeZone: UTC\n    enabled: false\n'
    text = edit(("regulatoryWindows:\n", "regulatoryWindows:\n" + window * 64))
    assert (
        15,
        1,
        "error",
        "schema-range",
        "regulatoryWindows must have at most 64 items (it has 65)",
    ) in check(tmp_path, text)


def test_a_naive_date_time_names_the_offset_of_its_zone(tmp_path: Path) -> None:
    text = edit(
        ('startTime: "2035-01-04T08:00:00-05:00"', "startTime: 2035-01-04T08:00:00"),
        ('endTime: "2035-03-31T21:00:00-04:00"', 'endTime: "2035-03-31 21:00"'),
    )
    assert check(tmp_path, text) == [
        (
            4,
            1,
            "error",
            "naive-datetime",
            "startTime '2035-01-04T08:00:00' has no UTC offset, so its instant depends on where "
            "it is read; add an offset such as -05:00 (America/New_York on that date), or Z "
            "for UTC",
        ),
        (
            5,
            1,
            "error",
            "naive-datetime",
            "endTime '2035-03-31 21:00' has no UTC offset, so its instant depends on where it "
            "is read; add an offset such as -04:00 (America/New_York on that date), or Z for UTC",
        ),
    ]


def test_a_naive_date_time_without_a_known_zone_still_names_the_fix(tmp_path: Path) -> None:
    text = edit(
        ('startTime: "2035-01-15T00:00:00-05:00"', 'startTime: "2035-01-15T00:00:00"'),
        ("timeZone: America/New_York\n", "timeZone: Mars/Olympus\n"),
    )
    assert (
        8,
        5,
        "error",
        "naive-datetime",
        "startTime '2035-01-15T00:00:00' has no UTC offset, so its instant depends on where it "
        "is read; add an offset such as -05:00, or Z for UTC",
    ) in check(tmp_path, text)


# --- semantic rules -------------------------------------------------------------------------


def test_an_unknown_zone_suggests_the_nearest_iana_name(tmp_path: Path) -> None:
    text = edit(
        ("timeZone: America/New_York\nblackout", "timeZone: America/New_Yrok\nblackout"),
        ("    timeZone: America/New_York", "    timeZone: Mars/Olympus_Mons"),
    )
    assert check(tmp_path, text) == [
        (
            6,
            1,
            "error",
            "unknown-timezone",
            "unknown time zone 'America/New_Yrok'; did you mean 'America/New_York'?",
        ),
        (
            18,
            5,
            "error",
            "unknown-timezone",
            "unknown time zone 'Mars/Olympus_Mons'; use an IANA name such as 'America/New_York'",
        ),
    ]


def test_a_zone_the_schema_rejects_is_not_reported_twice(tmp_path: Path) -> None:
    text = edit(("timeZone: America/New_York\nblackout", "timeZone: New York\nblackout"))
    assert rules(check(tmp_path, text)) == ["schema-format"]


def test_end_before_start(tmp_path: Path) -> None:
    text = edit(('endTime: "2035-03-31T21:00:00-04:00"', 'endTime: "2035-01-04T07:00:00-05:00"'))
    rows = check(tmp_path, text)
    assert rows[0] == (
        5,
        1,
        "error",
        "span-order",
        "endTime 2035-01-04T07:00:00-05:00 is not after startTime 2035-01-04T08:00:00-05:00; "
        "swap them or correct the dates",
    )
    assert rules(rows) == ["span-order"]  # nothing about blackouts against a broken span


def test_a_schedule_wholly_in_the_past_is_a_warning(tmp_path: Path) -> None:
    assert check(tmp_path, BASE, now=datetime(2035, 4, 1, 1, 0, 1, tzinfo=UTC)) == [
        (
            5,
            1,
            "warning",
            "schedule-past",
            "the schedule ended at 2035-03-31T21:00:00-04:00, which is in the past, so it will "
            "never dial: move its dates forward or delete the file",
        )
    ]
    assert check(tmp_path, BASE, now=datetime(2035, 4, 1, 0, 59, tzinfo=UTC)) == []


_SECOND_BLACKOUT = (
    "    reason: Birthday of Martin Luther King, Jr.\n",
    "    reason: Birthday of Martin Luther King, Jr.\n"
    '  - startTime: "{start}"\n'
    '    endTime: "{end}"\n'
    "    reason: Second\n",
)


def _with_blackout(start: str, end: str) -> str:
    old, new = _SECOND_BLACKOUT
    return edit((old, new.format(start=start, end=end)))


def test_a_blackout_ending_before_it_starts(tmp_path: Path) -> None:
    text = _with_blackout("2035-02-02T00:00:00-05:00", "2035-02-01T00:00:00-05:00")
    assert check(tmp_path, text) == [
        (
            12,
            5,
            "error",
            "blackout-order",
            "blackout 'Second' ends at 2035-02-01T00:00:00-05:00, not after its startTime; "
            "swap them or correct the dates",
        )
    ]


def test_overlapping_blackouts_are_a_warning(tmp_path: Path) -> None:
    text = _with_blackout("2035-01-15T12:00:00-05:00", "2035-01-17T00:00:00-05:00")
    assert check(tmp_path, text) == [
        (
            11,
            5,
            "warning",
            "blackout-overlap",
            "blackout 'Second' overlaps blackout 'Birthday of Martin Luther King, Jr.'; merge them",
        )
    ]


def test_a_stale_blackout_outside_the_span_is_a_warning(tmp_path: Path) -> None:
    text = _with_blackout("2024-07-04T00:00:00-04:00", "2024-07-05T00:00:00-04:00")
    assert check(tmp_path, text) == [
        (
            11,
            5,
            "warning",
            "blackout-outside-span",
            "blackout 'Second' (2024-07-04T00:00:00-04:00) lies wholly outside the schedule "
            "(2035-01-04T08:00:00-05:00 to 2035-03-31T21:00:00-04:00); is the date stale? "
            "correct or remove it",
        )
    ]


_SECOND_WINDOW = (
    "    enabled: true\n",
    "    enabled: true\n"
    '  - startTime: "{start}"\n'
    '    endTime: "{end}"\n'
    "    timeZone: {zone}\n"
    "    enabled: true\n",
)


def _with_window(start: str, end: str, zone: str = "America/New_York", text: str = BASE) -> str:
    old, new = _SECOND_WINDOW
    return edit((old, new.format(start=start, end=end, zone=zone)), text=text)


def test_a_window_ending_before_it_starts(tmp_path: Path) -> None:
    text = _with_window("21:00", "09:00")
    assert check(tmp_path, text) == [
        (
            21,
            5,
            "error",
            "window-order",
            "regulatory window ends at 09:00, not after its start 21:00; a window cannot cross "
            "midnight",
        )
    ]


def test_overlapping_windows_of_one_zone(tmp_path: Path) -> None:
    assert check(tmp_path, _with_window("19:00", "21:00", "America/Chicago")) == []
    assert check(tmp_path, _with_window("19:00", "21:00")) == [
        (
            20,
            5,
            "error",
            "window-overlap",
            "regulatory window 19:00-21:00 overlaps window 08:00-21:00 of the same zone; merge "
            "them into one",
        )
    ]


def test_blackouts_covering_the_whole_span_leave_no_callable_time(tmp_path: Path) -> None:
    text = _with_blackout("2035-01-04T00:00:00-05:00", "2035-04-01T00:00:00-04:00")
    rows = check(tmp_path, text)
    assert (
        7,
        1,
        "error",
        "no-callable-time",
        "the blackout periods cover the whole schedule, so no call can be placed",
    ) in rows
    assert rules(rows) == ["no-callable-time", "blackout-overlap"]


def test_windows_outside_the_free_time_leave_no_callable_time(tmp_path: Path) -> None:
    text = edit(
        ('endTime: "2035-03-31T21:00:00-04:00"', 'endTime: "2035-01-04T11:00:00-05:00"'),
        ("    reason: Birthday", "    reason: Birthday"),
        ('- startTime: "08:00"', '- startTime: "12:00"'),
    )
    text = text.replace('"2035-01-15T00:00:00-05:00"', '"2035-01-04T08:30:00-05:00"')
    text = text.replace('"2035-01-16T00:00:00-05:00"', '"2035-01-04T09:00:00-05:00"')
    assert check(tmp_path, text) == [
        (
            15,
            1,
            "error",
            "no-callable-time",
            "no enabled regulatory window falls in the schedule outside its blackouts, so no "
            "call can be placed: widen the windows or the schedule",
        )
    ]
    disabled = text.replace("enabled: true", "enabled: false")
    assert check(tmp_path, disabled) == []


def test_a_boundary_in_a_daylight_saving_gap(tmp_path: Path) -> None:
    text = _with_blackout("2035-03-11T02:30:00-05:00", "2035-03-11T06:00:00-04:00")
    assert check(tmp_path, text) == [
        (
            11,
            5,
            "warning",
            "dst-gap",
            "2035-03-11T02:30:00-05:00: this wall-clock time does not exist in America/New_York "
            "(the clocks jump over it for daylight saving); use a time outside the skipped hour",
        )
    ]


def test_a_boundary_in_a_daylight_saving_fold(tmp_path: Path) -> None:
    text = edit(('endTime: "2035-03-31T21:00:00-04:00"', 'endTime: "2035-11-30T21:00:00-05:00"'))
    text = _with_blackout("2035-11-04T01:30:00-04:00", "2035-11-05T00:00:00-05:00").replace(
        '"2035-03-31T21:00:00-04:00"', '"2035-11-30T21:00:00-05:00"'
    )
    assert check(tmp_path, text) == [
        (
            11,
            5,
            "warning",
            "dst-fold",
            "2035-11-04T01:30:00-04:00: this wall-clock time happens twice in America/New_York "
            "(the clocks fall back); the offset picks one of them: check it is the one you mean",
        )
    ]


def test_window_boundaries_in_a_gap_or_fold_of_their_zone(tmp_path: Path) -> None:
    text = _with_window("02:30", "06:00", "America/Chicago").replace(
        '"2035-03-31T21:00:00-04:00"', '"2035-11-30T21:00:00-05:00"'
    )
    text = text.replace('"06:00"', '"01:15"').replace('"02:30"', '"00:30"')
    # Night-time windows also break the calling hours (legal-hours, see tests/test_laws_*.py).
    assert _without_laws(check(tmp_path, text)) == [
        (
            21,
            5,
            "warning",
            "dst-fold",
            "01:15 happens twice in America/Chicago on 2035-11-04 (daylight saving); move the "
            "boundary out of the hour that changes",
        )
    ]
    gap = _with_window("02:30", "06:00", "America/Chicago")
    assert _without_laws(check(tmp_path, gap)) == [
        (
            20,
            5,
            "warning",
            "dst-gap",
            "02:30 does not exist in America/Chicago on 2035-03-11 (daylight saving); move the "
            "boundary out of the hour that changes",
        )
    ]


def test_a_winter_offset_in_summer_is_an_offset_mismatch(tmp_path: Path) -> None:
    text = edit(
        ('endTime: "2035-03-31T21:00:00-04:00"', 'endTime: "2035-07-31T21:00:00-05:00"'),
    )
    assert check(tmp_path, text) == [
        (
            5,
            1,
            "warning",
            "offset-mismatch",
            "2035-07-31T21:00:00-05:00 is 22:00 in America/New_York, whose UTC offset on that "
            "date is -04:00; for 21:00 local time write 2035-07-31T21:00:00-04:00",
        )
    ]
    utc = edit(('endTime: "2035-03-31T21:00:00-04:00"', 'endTime: "2035-04-01T01:00:00Z"'))
    assert check(tmp_path, utc) == []


def test_dialer_settings_above_the_tenant_profile(tmp_path: Path) -> None:
    config = RepoConfig(
        tenant=TenantProfile(max_concurrent_calls=30, max_call_rate=10.0),
        source=Path("cxsched.yaml"),
    )
    assert check(tmp_path, BASE, config=config) == [
        (
            12,
            3,
            "error",
            "concurrency-limit",
            "maxConcurrentCalls 40 is above the tenant's capacity 30 (tenant profile in "
            "cxsched.yaml); lower it to 30 or less",
        ),
        (
            13,
            3,
            "error",
            "call-rate-limit",
            "callRate 12.5 is above the tenant's maxCallRate 10 (tenant profile in "
            "cxsched.yaml); lower it to 10 or less",
        ),
    ]


def test_a_campaign_id_that_disagrees_with_its_folder(tmp_path: Path) -> None:
    text = edit(("campaignId: renewals-us", "campaignId: renewals-eu"))
    assert check(tmp_path, text) == [
        (
            2,
            1,
            "error",
            "campaign-folder",
            "campaignId 'renewals-eu' differs from the folder 'renewals-us' holding the file; "
            "move the file to schedules/renewals-eu/ or correct campaignId",
        )
    ]


def test_the_folder_of_a_bare_file_name_is_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write(tmp_path, BASE).parent
    monkeypatch.chdir(folder)
    state = load_desired([Path("q1.yaml")], RepoConfig(), now=NOW)
    assert state.findings == ()
    assert state.files == (Path("q1.yaml"),)


def test_the_same_schedule_declared_twice(tmp_path: Path) -> None:
    pinned = edit(("name: Renewals Q1 2035\n", "name: Renewals Q1 2035\nscheduleId: sch-1\n"))
    write(tmp_path, pinned, name="a.yaml")
    write(tmp_path, pinned, name="b.yaml")
    write(tmp_path, edit(("campaignId: renewals-us", "campaignId: other")), campaign="other")
    state = load_desired([tmp_path / "schedules"], RepoConfig(), now=NOW)
    root = (tmp_path / "schedules").as_posix()
    assert [(f.path, f.line, f.rule, f.message) for f in state.findings] == [
        (
            f"{root}/renewals-us/b.yaml",
            3,
            "duplicate-schedule",
            f"campaign 'renewals-us' already has a schedule named 'Renewals Q1 2035' in "
            f"{root}/renewals-us/a.yaml:3; names are unique in a campaign: rename one",
        ),
        (
            f"{root}/renewals-us/b.yaml",
            4,
            "duplicate-schedule",
            f"scheduleId 'sch-1' is also pinned in {root}/renewals-us/a.yaml:4; one live "
            "schedule belongs to one file: remove one",
        ),
    ]


# --- check_limits (the plan's re-check against live capacity) -------------------------------


def test_check_limits_reads_positions_back_from_the_files(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    state = load_desired([path], RepoConfig(), now=NOW)
    found = check_limits(state.schedules, TenantLimits(100, 12.0))
    assert [(f.path, f.line, f.column, f.pointer, f.rule, f.message) for f in found] == [
        (
            path.as_posix(),
            13,
            3,
            "/dialerSettings/callRate",
            "call-rate-limit",
            "callRate 12.5 is above the tenant's maxCallRate 12 (live capacity from the API); "
            "lower it to 12 or less",
        )
    ]
    assert check_limits(state.schedules, TenantLimits(40, 12.5)) == []


def test_check_limits_on_a_schedule_whose_file_is_gone(tmp_path: Path) -> None:
    body = {"dialerSettings": {"maxConcurrentCalls": 500, "callRate": 1, "capacityThreshold": 1}}
    schedule = DesiredSchedule(tmp_path / "gone.yaml", "c1", body)
    (finding,) = check_limits([schedule], TenantLimits(100, 30.0), source="the plan's limits")
    assert (finding.line, finding.column, finding.rule) == (1, 1, "concurrency-limit")
    assert finding.message.endswith("(the plan's limits); lower it to 100 or less")
