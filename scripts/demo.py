#!/usr/bin/env python3
"""The full cxsched demo against the bundled CXone emulator (run it with `./scripts/demo`).

It starts the emulator in this process (real HTTP on 127.0.0.1), seeded with the campaigns of
`schedules/`, its state file, the plan and the demo's audit trail under `.cxsched/demo/`
(recreated on every run, so the demo is repeatable; a copy of `cxsched.yaml` there, named by
`CXSCHED_CONFIG`, points the audit trail to it). It then sets up a realistic starting
point: one schedule of `schedules/` is already live but was edited by hand in the admin UI
(drift), and one live schedule is declared by no file (unmanaged). Then it runs the real
`cxsched` command, as a user or CI would, step by step:

    validate -> plan -> plan --out plan.json -> apply plan.json -> plan (no changes) -> audit verify

Each step prints a header, the command and its output, and is checked (exit code and key
lines); the demo exits 1 at the first step that misbehaves, e.g. a second plan that still shows
changes. The client secret is passed in the environment only and never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from demo_steps import Step, run_step

from reconciler.config import CONFIG_FILENAME, load_repo_config
from reconciler.emulator import Emulator
from reconciler.errors import CxschedError
from reconciler.model import DesiredSchedule
from reconciler.validate.desired import load_desired

ROOT = Path(__file__).resolve().parent.parent
DRIFT_NOTE = "Edited by hand in the admin UI"
UNMANAGED_NAME = "Hand-made test calls"


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    work: Path = options.workdir.resolve()
    schedules: Path = options.schedules.resolve()
    _reset(work)
    try:
        config = _demo_config(work)
        desired = _desired_schedules(schedules, config)
    except CxschedError as exc:
        print(f"demo: {exc}")
        return 1
    with Emulator(seed_dir=schedules, state_file=work / "tenant.json") as emu:
        drifted = _stage(emu, desired)
        print(f"Emulator at {emu.base_url}, tenant state in {_rel(work / 'tenant.json')}")
        print(f"Starting point: {drifted.campaign_id} {drifted.name!r} is live but was edited")
        print(f"by hand; {drifted.campaign_id} {UNMANAGED_NAME!r} is live and in no file.")
        print(f"CXSCHED_CONFIG={_rel(config)} (the demo's audit trail is beside it).\n")
        env = {**_env(emu), "CXSCHED_CONFIG": str(config)}
        # Commands run in the schedules' repository: a saved plan covers files inside it only.
        repo = ROOT if _rel(schedules) != str(schedules) else schedules.resolve().parent
        folder = _rel(schedules, repo)
        for number, step in enumerate(_steps(work, folder, len(desired), repo), start=1):
            if not run_step(
                number,
                step,
                command=[_cxsched()],
                env=env,
                cwd=repo,
                secrets=(emu.client_secret,),
            ):
                return 1
    print("Demo complete: the tenant matches git, and the audit trail verifies.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--schedules",
        type=Path,
        default=ROOT / "schedules",
        help="The desired state to demonstrate with [default: schedules/].",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / ".cxsched" / "demo",
        help="Folder for the emulator state, plan and audit trail (recreated on each run).",
    )
    return parser


def _reset(work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)


def _demo_config(work: Path) -> Path:
    """The repo's cxsched.yaml (if any), with the audit trail moved into the demo's folder."""
    source = ROOT / CONFIG_FILENAME
    data = yaml.safe_load(source.read_text(encoding="utf-8")) if source.exists() else None
    data = data if isinstance(data, dict) else {"formatVersion": 1}
    data["audit"] = {"path": "audit/trail.jsonl"}
    target = work / CONFIG_FILENAME
    target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return target


def _desired_schedules(schedules: Path, config: Path) -> list[DesiredSchedule]:
    state = load_desired([schedules], load_repo_config(config))
    if state.has_errors():
        raise CxschedError(f"{schedules} does not validate; run `cxsched validate {schedules}`")
    if not state.schedules:
        raise CxschedError(f"no schedules under {schedules}; nothing to demonstrate")
    return sorted(state.schedules, key=lambda s: (s.campaign_id, s.name))


def _stage(emu: Emulator, desired: Sequence[DesiredSchedule]) -> DesiredSchedule:
    """Make one desired schedule live with a hand edit, and add one unmanaged schedule."""
    chosen = next((s for s in desired if s.schedule_id is None), desired[0])
    body: dict[str, Any] = dict(chosen.body)
    emu.create_schedule(chosen.campaign_id, {**body, "description": DRIFT_NOTE})
    unmanaged = {**body, "name": UNMANAGED_NAME, "description": "Created by hand, in no file"}
    emu.create_schedule(chosen.campaign_id, unmanaged)
    return chosen


def _env(emu: Emulator) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CXONE_")}
    env.update(emu.client_env(), CXSCHED_ACTOR=env.get("CXSCHED_ACTOR", "demo"))
    return env


def _steps(work: Path, folder: str, schedules: int, repo: Path = ROOT) -> list[Step]:
    plan_file = _rel(work / "plan.json", repo)
    first = f"Plan: {schedules - 1} to create, 1 to update, 0 to delete, 0 unchanged; 1 unmanaged."
    again = f"Plan: 0 to create, 0 to update, 0 to delete, {schedules} unchanged; 1 unmanaged."
    records = 1 + (1 + 2 * schedules)  # the saved plan, then the apply's plan record and writes
    return [
        Step("validate the desired state", ("validate", folder), 0),
        Step("plan: what would change on the tenant", ("plan", folder), 0, (first,)),
        Step(
            "save the plan for review (exit 2: changes pending)",
            ("plan", folder, "--out", plan_file, "--detailed-exitcode"),
            2,
            (first,),
        ),
        Step(
            "apply exactly the saved plan (ETag-guarded writes, audited)",
            ("apply", plan_file),
            0,
            (f"Apply complete: {schedules} applied, 0 no-op,",),
        ),
        Step(
            "plan again: nothing to apply, but the schedule made by hand is drift (exit 2)",
            ("plan", folder, "--detailed-exitcode"),
            2,
            ("No changes: the tenant matches the desired state.", again, "drift: 1 unmanaged"),
        ),
        Step(
            "verify the audit trail's hash chain",
            ("audit", "verify"),
            0,
            ("audit trail ", f": OK, {records} record(s), head sha256:"),
        ),
    ]


def _cxsched() -> str:
    beside = Path(sys.executable).parent / "cxsched"
    return str(beside) if beside.exists() else shutil.which("cxsched") or "cxsched"


def _rel(path: Path, base: Path = ROOT) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
