"""The one-line account of the API calls a command made, from the client's own counts."""

from __future__ import annotations

from reconciler.api.protocol import CallCounts

__all__ = ["render_call_counts"]


def render_call_counts(counts: CallCounts) -> str:
    """`API calls: POST /oauth/token 200 x1, GET /api/v2/dialer/capacity 200 x1` (sorted)."""
    rows = sorted(counts.items(), key=lambda item: (item[0][0], str(item[0][1])))
    listed = ", ".join(f"{endpoint} {status} x{count}" for (endpoint, status), count in rows)
    return f"API calls: {listed or 'none'}"
