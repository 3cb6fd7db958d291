"""What a plan may cover: paths inside the repository, and pruning only over whole campaigns.

`repo_root` is the repository a command works in: the working directory, which the paths of a
plan are relative to (`plan_paths` records them so). `check_inside` refuses a path (a plan
file's `paths`, or a desired file found under them) that is absolute, climbs out with `..`, or
resolves (through a symlink) outside the repository.

`check_prune_scope` holds the pruning rule: a delete is only ever planned for a schedule that
no file in the repository declares, so the declared schedules of a campaign must come from
the whole campaign folder. When only some files of a campaign are given, `--prune` is refused,
naming the files left out.

Errors: `reconciler.errors.PlanError`, naming the path or files and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from reconciler.config import RepoConfig
from reconciler.errors import PlanError
from reconciler.plan.identity import source_path
from reconciler.validate.desired import DesiredState, find_schedule_files

__all__ = ["check_inside", "check_prune_scope", "plan_paths", "repo_root"]

_SHOWN = 5


def repo_root() -> Path:
    """The repository: the working directory (resolved)."""
    return Path.cwd().resolve()


def plan_paths(paths: Iterable[Path]) -> list[str]:
    """The PATH arguments as a plan records them: relative to the repository when inside."""
    return [source_path(path) for path in paths]


def check_inside(paths: Iterable[str | Path], root: Path, what: str) -> None:
    """PlanError for the first path that is not inside `root`."""
    for raw in paths:
        path = Path(raw)
        if path.is_absolute():
            raise _outside(raw, what, "is absolute")
        if ".." in path.parts:
            raise _outside(raw, what, "climbs out with '..'")
        try:
            (Path.cwd() / path).resolve().relative_to(root)
        except ValueError:
            raise _outside(raw, what, f"resolves outside the repository {root}") from None


def _outside(path: str | Path, what: str, how: str) -> PlanError:
    return PlanError(
        f"{what} {Path(path).as_posix()!r} {how}; nothing was applied. A plan covers files "
        "inside the repository only: make it again from the repository with relative paths"
    )


def check_prune_scope(desired: DesiredState, config: RepoConfig, *, prune: bool) -> None:
    """PlanError when pruning a campaign of which only some files were given."""
    if not prune:
        return
    given = {path.resolve() for path in desired.files}
    root = repo_root()
    missing: set[str] = set()
    for campaign_id in sorted({item.campaign_id for item in desired.schedules}):
        if campaign_id not in config.prune_campaigns:
            continue
        for folder in _folders(desired, campaign_id, root):
            found = (Path(f) for f in find_schedule_files([folder]))
            missing |= {source_path(f) for f in found if f.resolve() not in given}
    if missing:
        shown = ", ".join(sorted(missing)[:_SHOWN])
        more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
        raise PlanError(
            f"--prune needs every file of a campaign it prunes, and these were not given: "
            f"{shown}{more}; they may declare schedules a prune would delete. Give the whole "
            "campaign folder (or schedules/), or leave out --prune"
        )


def _folders(desired: DesiredState, campaign_id: str, root: Path) -> Sequence[Path]:
    """The campaign's folders: those holding its given files, and schedules/<id>/."""
    folders = {
        item.path.parent.resolve() for item in desired.schedules if item.campaign_id == campaign_id
    }
    default = root / "schedules" / campaign_id
    if default.is_dir():
        folders.add(default.resolve())
    return sorted(folders)
