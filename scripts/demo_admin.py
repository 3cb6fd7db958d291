#!/usr/bin/env python3
"""The admin profile's demo against the bundled Admin API emulator (`./scripts/demo-admin`).

It starts the Admin API emulator in this process (real HTTP on 127.0.0.1) and works in a fresh
repository under `.cxsched/demo-admin/` whose `cxsched.yaml` says `profile: admin`. Then it
runs the real `cxsched` command, step by step, as a team with a real tenant would:

    doctor -> import --skill -> (edit the file) -> validate -> plan --out -> (an edit in the
    admin UI) -> apply: one block lands, one conflicts -> plan --out -> apply -> plan (no
    changes) -> audit verify

Each step prints its command and output and is checked (exit code, key lines); the demo exits
1 at the first step that misbehaves. The emulator's throw-away secrets are passed in the
environment only and never printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from demo_steps import Step, run_step

from reconciler.emulator.admin import AdminEmulator

ROOT = Path(__file__).resolve().parent.parent
SKILL = "skills/4312345.yaml"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cxsched" / "demo-admin")
    work: Path = parser.parse_args(argv).workdir.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    (work / "cxsched.yaml").write_text("formatVersion: 1\nprofile: admin\n", encoding="utf-8")
    with AdminEmulator() as emu:
        print(f"Admin API emulator at {emu.base_url}; the repository is {work}.\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CXONE_", "CXSCHED_"))}
        env.update(emu.env(), CXSCHED_ACTOR=os.environ.get("CXSCHED_ACTOR", "demo"))
        secrets = (emu.client_secret, emu.access_key_secret)
        for number, step in enumerate(_steps(work, emu), start=1):
            if not run_step(
                number,
                step,
                command=[sys.executable, "-m", "reconciler"],
                env=env,
                cwd=work,
                secrets=secrets,
            ):
                return 1
    print("Demo complete: the skill matches git, and the audit trail verifies.")
    return 0


def _edit(work: Path, old: str, new: str) -> None:
    path = work / SKILL
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"demo: {SKILL} has no {old!r}")
    path.write_text(text.replace(old, new), encoding="utf-8")


def _steps(work: Path, emu: AdminEmulator) -> list[Step]:
    def edit_file() -> str:
        _edit(work, "maximumRatio: 2\n", "maximumRatio: 2.5\n")
        old = 'friday: {isActive: true, startTime: "08:00", endTime: "20:00"}'
        _edit(work, old, old.replace("20:00", "19:00"))
        return f"(edit {SKILL}: maximumRatio 2 -> 2.5, Friday ends 19:00)"

    def admin_ui() -> str:
        emu.edit(4312345, "generalSettings", {"aggressiveness": "4"})
        return "(meanwhile, someone raises aggressiveness to 4 in the admin UI)"

    return [
        Step("read-only checks of the tenant", ("doctor",), 0, ("8 check(s), 0 failed.",)),
        Step(
            "import a skill's live settings",
            ("import", "--skill", "4312345"),
            0,
            (f"wrote {SKILL}",),
        ),
        Step("validate the edited file", ("validate",), 0, (), edit_file),
        Step(
            "save the plan for review (exit 2: changes pending)",
            ("plan", "--out", "plan.json", "--detailed-exitcode"),
            2,
            ('/friday/endTime: "20:00" -> "19:00"', '/maximumRatio: "2" -> "2.5"'),
        ),
        Step(
            "apply the saved plan: the schedule lands, general settings conflict",
            ("apply", "plan.json"),
            1,
            (
                "applied         skill 4312345 scheduleSettings",
                "conflict        skill 4312345 generalSettings",
                '/aggressiveness: base "3" | live now "4" | desired "3"',
            ),
            admin_ui,
        ),
        Step(
            "plan again: the admin UI's change is shown (exit 2)",
            ("plan", "--out", "plan.json", "--detailed-exitcode"),
            2,
            ('/aggressiveness: "4" -> "3"', "  = scheduleSettings: no changes"),
        ),
        Step(
            "apply the reviewed plan",
            ("apply", "plan.json"),
            0,
            ("applied         skill 4312345 generalSettings", "Apply: 1 of 1 block(s) done."),
        ),
        Step(
            "plan again: no changes (exit 0)",
            ("plan", "--detailed-exitcode"),
            0,
            ("No changes: 3 block(s) already as declared.",),
        ),
        Step("verify the audit trail's hash chain", ("audit", "verify"), 0, (": OK, ",)),
    ]


if __name__ == "__main__":
    sys.exit(main())
