"""`StringPool`: equal keys and short strings become one object; values are unchanged."""

from __future__ import annotations

import json

from reconciler.util import shared
from reconciler.util.shared import StringPool


def _body(name: str) -> dict[str, object]:
    text = json.dumps(
        {
            "name": name,
            "timeZone": "America/New_York",
            "dialerSettings": {"callRate": 15, "capacityThreshold": 0.8},
            "regulatoryWindows": [{"startTime": "08:00", "enabled": True}],
            "description": "x" * 100,
        }
    )
    return dict(json.loads(text))  # a fresh parse: new string objects every time


def test_equal_keys_and_short_values_are_one_object_and_values_are_equal() -> None:
    pool = StringPool()
    first, second = _body("A"), _body("B")
    assert first["timeZone"] is not second["timeZone"]
    one, two = pool.share(first), pool.share(second)
    assert one == first
    assert two == second
    assert one["timeZone"] is two["timeZone"]
    keys_one = {key: key for key in one}
    assert all(keys_one[key] is key for key in two if key in keys_one)
    window_one, window_two = one["regulatoryWindows"][0], two["regulatoryWindows"][0]
    assert window_one["startTime"] is window_two["startTime"]
    assert one["description"] is first["description"]  # long strings are left as they are
    assert one["description"] is not two["description"]


def test_the_pool_stops_growing_at_its_bound() -> None:
    pool = StringPool()
    for index in range(shared._ENTRIES + 10):
        pool.share(f"s{index}")
    assert len(pool._strings) == shared._ENTRIES
    assert pool.share(["late", 1, None, 2.5]) == ["late", 1, None, 2.5]
