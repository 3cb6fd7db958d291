"""What the two demos (scripts/demo.py, scripts/demo_admin.py) share: a step and how it runs.

A step is one `cxsched` command, the exit code it must end with and lines its output must hold;
`run_step` prints it, runs it, refuses output that shows a secret, and says what went wrong.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["STEP_TIMEOUT_S", "Step", "run_step"]

STEP_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Step:
    """One command of a demo, what it must show, and what happens before it."""

    title: str
    args: tuple[str, ...]
    exit_code: int
    expect: tuple[str, ...] = ()
    before: Callable[[], str] | None = field(default=None, compare=False)


def run_step(
    number: int,
    step: Step,
    *,
    command: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    secrets: Sequence[str],
) -> bool:
    """Run `command + step.args` in `cwd`; print it and its output; whether it did as told."""
    print(f"== Step {number}: {step.title}")
    if step.before is not None:
        print(step.before())
    print(f"$ cxsched {' '.join(step.args)}", flush=True)
    done = subprocess.run(
        [*command, *step.args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )
    output = done.stdout + done.stderr
    if any(secret in output for secret in secrets):
        print(f"demo FAILED at step {number}: a secret appeared in the output")
        return False
    print(output.rstrip("\n") + "\n" if output.strip() else "", flush=True)
    problems = [f"exit code {done.returncode}, expected {step.exit_code}"] * (
        done.returncode != step.exit_code
    )
    problems += [f"missing line {line!r}" for line in step.expect if line not in output]
    if problems:
        print(f"demo FAILED at step {number} ({step.title}): {'; '.join(problems)}")
        return False
    return True
