"""matplotlib for the commands that draw PNGs (`optimize --plot`, `calendar --png`)."""

from __future__ import annotations

from typing import Any

from reconciler.errors import InputError

__all__ = ["pyplot"]


def pyplot(option: str = "--plot") -> Any:
    """matplotlib.pyplot on the file-only Agg backend; InputError naming `option` when it is
    not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise InputError(
            f"{option} needs matplotlib: install cxsched[plot] (pip install 'cxsched[plot]')"
        ) from exc
    return plt
