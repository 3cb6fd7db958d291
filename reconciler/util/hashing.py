"""The one canonical JSON text and its digest, for plan hashes, payload hashes and the audit trail.

`canonical_json` sorts keys, drops spaces and keeps UTF-8 characters, so two equal values always
give the same text and the same `sha256:<hex>` digest.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_json", "digest"]


def canonical_json(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    """`sha256:<hex>` of the canonical JSON text of `value`."""
    return "sha256:" + hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
