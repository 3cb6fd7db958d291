"""Plan and apply of the admin profile: API calls per skill and block, and time vs the budget.

N Personal Connection skills (default 50) live on the Admin API emulator; a skill file per
skill declares all three blocks, and the general settings of every skill change
(`maximumRatio`). One client paced at R requests/s (default 20) plans (one GET per declared
block, plus discovery, token, versions, zones) and applies (per changed block: re-read, PUT,
verify). Printed: calls of plan and apply vs the expected counts, wall time vs the lower bound
(calls / R). Targets: calls = expected (3 per changed block, 1 per declared block to plan),
wall <= 1.15 x bound.

    python benchmarks/bench_admin_apply.py [--skills 50] [--rps 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from reconciler.admin import AdminClient, AdminSettings
from reconciler.apply.skills import apply_skill_plan
from reconciler.audit.trail import AuditTrail, run_context
from reconciler.emulator.admin import AdminEmulator
from reconciler.plan.skills import make_skill_plan
from reconciler.validate.skills import load_skills

#: Discovery document, token, cxone-configuration and /apiversion: once per client.
SETUP_CALLS = 4
WALL_TARGET = 1.15


def _file(skill_id: int) -> str:
    days = "".join(
        f"  {day}: {{isActive: true, startTime: '09:00', endTime: '17:00'}}\n"
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    )
    return (
        f"formatVersion: 1\nkind: SkillDialingSettings\nskillId: {skill_id}\n"
        "scheduleSettings:\n  isScheduled: true\n  sunday: {isActive: false}\n"
        f"{days}  saturday: {{isActive: false}}\n"
        "timeZoneSettings: []\ngeneralSettings: {maximumRatio: 1.5, aggressiveness: 1}\n"
    )


def _calls(client: AdminClient) -> int:
    return sum(client.call_counts().values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--skills", type=int, default=50)
    parser.add_argument("--rps", type=float, default=20.0)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, AdminEmulator(extra_skills=options.skills) as emu:
        root = Path(tmp)
        for number in range(options.skills):
            skill_id = 5000000 + number
            (root / f"{skill_id}.yaml").write_text(_file(skill_id), encoding="utf-8")
        desired = load_skills([root])
        settings = AdminSettings.resolve(
            environ={**emu.env(), "CXONE_RPS": repr(options.rps)}, env_file=None
        )
        trail = AuditTrail(root / "audit.jsonl", run_context("bench"))
        with AdminClient(settings) as client:
            started = time.perf_counter()
            tenant = {"api_endpoint": emu.base_url, "tenant_id": emu.tenant.tenant_id}
            plan = make_skill_plan(client, desired, tenant, [tmp])
            plan_calls = _calls(client)
            plan_seconds = time.perf_counter() - started
            results = apply_skill_plan(client, plan, trail)
            seconds = time.perf_counter() - started
            calls = _calls(client)
    changed = len(plan.changed)
    expected_plan = SETUP_CALLS + len(plan.blocks)
    expected_apply = 3 * changed
    bound = calls / options.rps
    print(f"skills {options.skills}, blocks {len(plan.blocks)}, changed blocks {changed}")
    print(f"plan calls {plan_calls} (expected {expected_plan}), {plan_seconds:.2f} s")
    print(f"apply calls {calls - plan_calls} (expected {expected_apply})")
    print(f"all applied: {all(r.result == 'applied' for r in results)}")
    print(f"wall {seconds:.2f} s vs bound {bound:.2f} s: {seconds / bound:.2f} x (target <= 1.15)")


if __name__ == "__main__":
    main()
