"""Reading an audience declaration (`audience:` in a schedule file or a campaign of
cxsched.yaml): where the callees are and why they are called.

The JSON Schemas check the shape; `read_audience` turns a checked mapping into an `Audience`
and `unknown_codes` names the jurisdiction codes the rule data and tzdata do not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from reconciler.laws.catalog import Catalog
from reconciler.laws.model import PURPOSES, Purpose
from reconciler.laws.proof import Audience
from reconciler.laws.zones import jurisdiction_zones

__all__ = ["as_mapping", "audience_of", "read_audience", "unknown_code_message", "unknown_codes"]


def read_audience(value: object) -> Audience | None:
    """The audience of a declaration, or None when `value` is not a well-formed one."""
    if not isinstance(value, Mapping):
        return None
    codes = value.get("jurisdictions")
    purpose = value.get("purpose")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        return None
    if purpose is not None and purpose not in PURPOSES:
        return None
    return Audience(tuple(dict.fromkeys(cast(list[str], codes))), cast(Purpose | None, purpose))


def audience_of(
    data: Mapping[str, Any], campaigns: Mapping[str, Audience]
) -> tuple[Audience | None, bool]:
    """The audience of a schedule document: its own `audience`, else its campaign's in
    cxsched.yaml (`campaigns`), else None; and whether the file declared it itself."""
    if data.get("audience") is not None:
        return read_audience(data["audience"]), True
    campaign = data.get("campaignId")
    return (campaigns.get(campaign) if isinstance(campaign, str) else None), False


def unknown_codes(audience: Audience, cat: Catalog) -> list[tuple[int, str]]:
    """(index, code) of every declared jurisdiction with no known zone."""
    return [
        (index, code)
        for index, code in enumerate(audience.jurisdictions)
        if not jurisdiction_zones(cat, code)
    ]


def unknown_code_message(code: str) -> str:
    """What to say of a jurisdiction code the catalog does not know."""
    return (
        f"unknown jurisdiction {code!r}; use an ISO 3166 country (FR) or subdivision "
        "(US-TX) code; `cxsched laws` lists the known ones"
    )


def as_mapping(audience: Audience) -> dict[str, Any]:
    """The declaration as it is written in YAML."""
    found: dict[str, Any] = {"jurisdictions": list(audience.jurisdictions)}
    if audience.purpose is not None:
        found["purpose"] = audience.purpose
    return found
