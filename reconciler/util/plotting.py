"""matplotlib for the commands that draw PNGs (`optimize --plot`, `calendar --png`).

`pyplot` loads it (InputError when it is not installed); `save_png` writes a finished figure
atomically and closes it (InputError naming the file when it cannot be written).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reconciler.errors import InputError
from reconciler.util.atomic import write_atomic

__all__ = ["pyplot", "save_png"]


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


def save_png(plt: Any, fig: Any, path: Path, what: str) -> None:
    """Write `fig` as a PNG to `path` in one step and close it; InputError naming `what` (e.g.
    "the plot") and `path` when the file cannot be written."""
    image = io.BytesIO()
    try:
        fig.savefig(image, format="png", dpi=100)
        write_atomic(path, image.getvalue())
    except OSError as exc:
        raise InputError(f"cannot write {what} {path}: {exc}") from exc
    finally:
        plt.close(fig)
