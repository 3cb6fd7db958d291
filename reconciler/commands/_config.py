"""The `--config FILE` option shared by every command that reads the repository config.

`config_option` adds a `config: Path | None` keyword argument; the command passes it to
`reconciler.config.load_repo_config`, which falls back to ./cxsched.yaml, then the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from reconciler.config import CONFIG_FILENAME

__all__ = ["config_option"]

_F = TypeVar("_F", bound=Callable[..., object])


def config_option(function: _F) -> _F:
    """Add `--config FILE` (env CXSCHED_CONFIG) as the `config` keyword argument."""
    option = click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="CXSCHED_CONFIG",
        default=None,
        metavar="FILE",
        help=f"Repository config [default: ./{CONFIG_FILENAME} if present, else built-in "
        "defaults; env CXSCHED_CONFIG].",
    )
    return option(function)
