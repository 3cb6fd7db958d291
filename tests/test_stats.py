"""The Wilson interval against published values, and the inline bar."""

from __future__ import annotations

import pytest

from reconciler.analytics.stats import Interval, bar, proportion, wilson_interval

# Reference values: statsmodels.stats.proportion.proportion_confint(x, n, method="wilson")
# and Wilson (1927) / Newcombe (1998), table I, rounded to 4 decimals.
KNOWN = [
    (0, 10, 0.0, 0.2775),
    (5, 10, 0.2366, 0.7634),
    (10, 10, 0.7225, 1.0),
    (81, 263, 0.2553, 0.3662),
    (1, 29, 0.0061, 0.1718),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
]


@pytest.mark.parametrize(("successes", "trials", "low", "high"), KNOWN)
def test_wilson_matches_published_values(
    successes: int, trials: int, low: float, high: float
) -> None:
    interval = wilson_interval(successes, trials)
    assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


def test_wilson_without_trials_is_the_whole_range() -> None:
    assert wilson_interval(0, 0) == Interval(0.0, 1.0)


def test_wilson_narrows_with_more_trials_around_the_same_rate() -> None:
    small, large = wilson_interval(30, 100), wilson_interval(3000, 10000)
    assert small.low < large.low < 0.3 < large.high < small.high


@pytest.mark.parametrize(("successes", "trials"), [(-1, 5), (6, 5), (0, -1)])
def test_wilson_refuses_impossible_counts(successes: int, trials: int) -> None:
    with pytest.raises(ValueError, match="0 <= successes <= trials"):
        wilson_interval(successes, trials)


def test_interval_above_needs_no_overlap() -> None:
    assert Interval(0.5, 0.6).above(Interval(0.3, 0.49))
    assert not Interval(0.5, 0.6).above(Interval(0.3, 0.5))


def test_proportion() -> None:
    assert proportion(1, 4) == 0.25
    assert proportion(0, 0) is None


def test_bar_scales_to_the_full_value_in_eighths() -> None:
    assert bar(0.5, 0.5, width=4) == "████"
    assert bar(0.25, 0.5, width=4) == "██"
    assert bar(0.5 / 32 * 3, 0.5, width=4) == "▍"  # 3/8 of one cell
    assert bar(0.0, 0.5) == ""
    assert bar(0.3, 0.0) == ""
    assert bar(0.9, 0.5, width=3) == "███"  # never longer than the width
