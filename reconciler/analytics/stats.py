"""Small statistics for answer rates: the Wilson score interval and an inline bar.

The Wilson interval is used instead of the normal approximation ("p +- z*sqrt(p(1-p)/n)")
because it stays inside [0, 1] and behaves at small counts and extreme rates, where hourly
answer rates of a quiet morning live. No exceptions of its own: bad arguments are bugs
(`ValueError`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = ["Z95", "Interval", "bar", "proportion", "wilson_interval"]

#: The two-sided 95% quantile of the standard normal distribution.
Z95 = 1.959963984540054

_BLOCKS = " ▏▎▍▌▋▊▉█"


class Interval(NamedTuple):
    """A closed interval [low, high] of a proportion."""

    low: float
    high: float

    def above(self, other: Interval) -> bool:
        """Whether this interval lies wholly above `other` (no overlap)."""
        return self.low > other.high


def proportion(successes: int, trials: int) -> float | None:
    """successes / trials, or None when there is no trial."""
    _check(successes, trials)
    return successes / trials if trials else None


def wilson_interval(successes: int, trials: int, z: float = Z95) -> Interval:
    """The Wilson score interval of a binomial proportion ([0, 1] when `trials` is 0)."""
    _check(successes, trials)
    if trials == 0:
        return Interval(0.0, 1.0)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def bar(value: float, full: float, width: int = 20) -> str:
    """A horizontal bar of block characters, `width` cells long when `value` equals `full`."""
    if full <= 0 or value <= 0:
        return ""
    eighths = round(min(value / full, 1.0) * width * 8)
    whole, part = divmod(eighths, 8)
    return "█" * whole + (_BLOCKS[part] if part else "")


def _check(successes: int, trials: int) -> None:
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
