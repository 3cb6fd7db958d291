"""The pacing model and the YAML edit, as pure functions (no API)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reconciler.adopt.yamledit import edit_file, edit_text, render_scalar
from reconciler.analytics.optimize.advise import Advice, analysis_period, edits
from reconciler.analytics.optimize.answer_rates import AnswerRates, HourStat, hourly_rates
from reconciler.analytics.optimize.recommend import Current, recommend
from reconciler.api.protocol import AnalyticsBucket
from reconciler.errors import InputError
from reconciler.model import DesiredSchedule, TenantLimits
from reconciler.spans import CallableSpec

LIMITS = TenantLimits(200, 30.0)
CURRENT = Current(call_rate=20.0, max_concurrent=40, threshold=0.8, boost=1.0)


def _rates(answered: list[int], attempts: int = 1000) -> AnswerRates:
    return AnswerRates(tuple(HourStat(9 + i, attempts, a) for i, a in enumerate(answered)), ())


def _values(recs: Any) -> list[Any]:
    return [r.value for r in recs]


def test_a_clear_peak_boosts_and_slows_the_rest_to_keep_the_answered_load() -> None:
    # Rates 0.2, 0.2, 0.4: mean 0.8/3 = 0.2667, peak 0.4 -> boost 1.5.
    # load(1.0) = 0.8, load(1.5) = 0.8 + 0.5 x 0.4 = 1.0: callRate 20 x 0.8 / 1.0 = 16.
    # Peak pace 16 x 1.5 = 24 vs 20 x 1.0: 1.2x -> 40 x 1.2 = 48 lines (<= 200 x 0.8).
    recs = recommend(_rates([200, 200, 400]), CURRENT, LIMITS, 100)
    assert _values(recs) == [1.5, 16.0, 48]
    assert recs[1].reason == (
        "keeps the expected answered calls per weekday of callRate 20 at boost 1 with boost 1.5:"
        " 20 x 0.800 / 1.000 = 16.000, rounded down to 0.01"
    )
    assert [r.changed for r in recs] == [True, True, True]


def test_a_peak_inside_the_means_interval_is_not_significant() -> None:
    recs = recommend(_rates([300, 300, 320], attempts=500), CURRENT, LIMITS, 100)
    assert _values(recs) == [None, None, None]
    assert recs[0].reason == (
        "not significant: peak 11:00 answers 64.0% [59.7%-68.1%], the mean 61.3% "
        "[58.8%-63.8%]; the intervals overlap"
    )
    assert recs[1].reason == (
        "follows peakHourBoost, which is not recommended; 20 is within the tenant's "
        "maxCallRate 30 / boost 1 = 30.00"
    )
    assert recs[2].reason == (
        "follows the pace, which is unchanged; 40 is within the tenant's capacity 200 x "
        "capacityThreshold 0.8 = 160"
    )


def test_without_a_boost_values_above_the_tenant_limits_are_still_lowered() -> None:
    recs = recommend(_rates([300, 300, 320], 500), CURRENT, TenantLimits(30, 12.5), 100)
    assert _values(recs) == [None, 12.5, 24]
    assert recs[1].reason == "lowered to the tenant's maxCallRate 12.5 / boost 1 = 12.50"
    assert (
        recs[2].reason == "scales with the peak pace callRate x boost (0.62x): 25, bounded by "
        "the tenant's capacity 30 x capacityThreshold 0.8 = 24"
    )


def test_the_boost_is_clamped_to_two() -> None:
    recs = recommend(_rates([50, 50, 600]), CURRENT, LIMITS, 100)
    assert recs[0].value == 2.0
    assert recs[0].reason.endswith("boost = peak / mean = 2.00, clamped to [1.0, 2.0] from 2.57")


def test_an_unchanged_recommendation_is_not_a_change() -> None:
    current = Current(16.0, 48, 0.8, 1.5)
    recs = recommend(_rates([200, 200, 400]), current, LIMITS, 100)
    assert _values(recs) == [1.5, 16.0, 48]
    assert [r.changed for r in recs] == [False, False, False]


def test_current_settings_read_the_boost_only_when_it_is_on() -> None:
    body: dict[str, Any] = {
        "dialerSettings": {"callRate": 20, "maxConcurrentCalls": 4, "capacityThreshold": 1}
    }
    assert Current.from_body(body).boost == 1.0
    body["optimizationSettings"] = {"useHistoricalAnswerRates": False, "peakHourBoost": 1.3}
    assert Current.from_body(body).boost == 1.0
    body["optimizationSettings"]["useHistoricalAnswerRates"] = True
    assert Current.from_body(body) == Current(20.0, 4, 1.0, 1.3)


def test_hours_outside_enabled_windows_do_not_count_and_no_window_counts_hours_with_data() -> None:
    start, end = datetime(2027, 3, 15, 12, tzinfo=UTC), datetime(2027, 3, 15, 16, tzinfo=UTC)
    buckets = [
        AnalyticsBucket(f"2027-03-15T{h}:00:00Z", d, n)
        for h in ("12", "13", "14", "15")
        for d, n in (("ANSWERED", 1), ("BUSY", 3))
    ] + [
        AnalyticsBucket("garbage", "ANSWERED", 5),
        AnalyticsBucket("2027-03-16T00:00:00Z", "BUSY", 1),
    ]
    body = {
        "startTime": "2027-01-01T00:00:00Z",
        "endTime": "2028-01-01T00:00:00Z",
        "timeZone": "America/New_York",
        "regulatoryWindows": [
            {
                "startTime": "09:00",
                "endTime": "10:30",
                "timeZone": "America/New_York",
                "enabled": True,
            }
        ],
    }
    # 13:00Z and 14:00Z are 09:00 and 10:00 EDT: inside 09:00-10:30; 12:00Z and 15:00Z are not.
    rates = hourly_rates(buckets, CallableSpec.from_body(body), start, end)
    assert rates == AnswerRates((HourStat(9, 4, 1), HourStat(10, 4, 1)), ())
    del body["regulatoryWindows"]
    rates = hourly_rates(buckets, CallableSpec.from_body(body), start, end)
    assert [h.hour for h in rates.weekday] == [8, 9, 10, 11]


def test_the_period_ends_at_the_hour() -> None:
    assert analysis_period(datetime(2027, 3, 20, 10, 59, tzinfo=UTC), 2) == (
        datetime(2027, 3, 18, 10, tzinfo=UTC),
        datetime(2027, 3, 20, 10, tzinfo=UTC),
    )
    with pytest.raises(InputError, match="--days must be 1 or more"):
        analysis_period(datetime(2027, 3, 20, tzinfo=UTC), 0)
    with pytest.raises(InputError, match="needs a UTC offset"):
        analysis_period(datetime(2027, 3, 20), 1)


def test_a_boost_turns_historical_answer_rates_on() -> None:
    body = {"dialerSettings": {"callRate": 20, "maxConcurrentCalls": 40, "capacityThreshold": 0.8}}
    recs = recommend(_rates([200, 200, 400]), CURRENT, LIMITS, 100)
    advice = Advice(DesiredSchedule(Path("s.yaml"), "c1", body), _rates([1]), recs)
    assert edits(advice) == {
        "/optimizationSettings/useHistoricalAnswerRates": True,
        "/optimizationSettings/peakHourBoost": 1.5,
        "/dialerSettings/callRate": 16.0,
        "/dialerSettings/maxConcurrentCalls": 48,
    }


YAML = """\
# header comment
dialerSettings:
    maxConcurrentCalls: 40  # lines
    callRate: 20.0
name: 'quoted'   # kept
windows: [{a: 1}]
"""


def test_edit_text_replaces_values_in_place_and_appends_missing_mappings() -> None:
    out = edit_text(
        YAML,
        {
            "/dialerSettings/callRate": 19.5,
            "/dialerSettings/maxConcurrentCalls": 100,
            "/optimizationSettings/useHistoricalAnswerRates": True,
            "/optimizationSettings/peakHourBoost": 1.25,
        },
    )
    assert out == (
        "# header comment\n"
        "dialerSettings:\n"
        "    maxConcurrentCalls: 100 # lines\n"
        "    callRate: 19.5\n"
        "name: 'quoted'   # kept\n"
        "windows: [{a: 1}]\n"
        "optimizationSettings:\n"
        "    useHistoricalAnswerRates: true\n"
        "    peakHourBoost: 1.25\n"
    )


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        ("a: [1\n", {"/a": 1}, "f.yaml: not valid YAML"),
        ("- 1\n", {"/a": 1}, "f.yaml: the document is not a mapping"),
        ("a: [1]\n", {"/a/b": 1}, "f.yaml: /a/b: 'a' is not a mapping"),
        ("a: {b: 1}\n", {"/a/c": 1}, "f.yaml: /a/c is not set; add it before editing it"),
    ],
)
def test_edit_text_errors(text: str, values: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        edit_text(text, values, where="f.yaml")


def test_render_scalar() -> None:
    assert [render_scalar(v) for v in (True, 3, 2.0, 19.24)] == ["true", "3", "2.0", "19.24"]
    with pytest.raises(TypeError):
        render_scalar("x")


def test_edit_file_restores_the_original_when_validation_fails(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(YAML)
    path.chmod(0o640)

    def refuse(edited: Path) -> None:
        assert "callRate: 1.0" in edited.read_text()
        raise InputError("no")

    with pytest.raises(InputError, match="no"):
        edit_file(path, {"/dialerSettings/callRate": 1.0}, refuse)
    assert path.read_text() == YAML
    before, after = edit_file(path, {"/dialerSettings/callRate": 1.0}, lambda p: None)
    assert (before, path.read_text()) == (YAML, after)
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
    with pytest.raises(InputError, match="cannot read"):
        edit_file(tmp_path / "missing.yaml", {}, lambda p: None)
