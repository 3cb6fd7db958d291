"""What `cxsched apply` prints while it runs and at the end, in one of three styles.

- lines (stdout is not a terminal: CI logs, pipes): one line per change as it completes, then
  the summary;
- terminal: a progress bar on stderr while it runs, then one line per change and the summary;
- json (`--json`): one JSON object per line on stdout, as docs/json-output.md describes.

The call counts go to stderr in the text styles and into the summary event in json.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from reconciler import __version__
from reconciler.api.protocol import CallCounts
from reconciler.apply.report import (
    NextStep,
    render_result,
    render_summary,
    result_event,
)
from reconciler.apply.run import ActionResult, ApplyResult
from reconciler.commands._output import use_color
from reconciler.plan.build import Plan
from reconciler.plan.render import render_plan
from reconciler.plan.render.calls import render_call_counts

__all__ = ["JSON_FORMAT_VERSION", "Output", "output_for"]

#: The version of the `apply --json` event stream (docs/json-output.md).
JSON_FORMAT_VERSION = 1

OnResult = Callable[[ActionResult], None]


class Output:
    """The text styles: lines as they complete, or a progress bar on a terminal."""

    def __init__(self, *, terminal: bool, color: bool) -> None:
        self._terminal = terminal
        self._color = color
        self._streamed = False

    def show_plan(self, plan: Plan) -> None:
        click.echo(render_plan(plan, "text", color=self._color), nl=False)

    def start(self, plan: Plan, *, saved: bool) -> None:
        """Called once the plan is approved, before the first write."""

    @contextmanager
    def progress(self, total: int) -> Iterator[OnResult | None]:
        if not self._terminal:
            self._streamed = True
            yield self._line
            return
        if total == 0 or not sys.stderr.isatty():
            yield None
            return
        with click.progressbar(length=total, label="Applying", file=sys.stderr) as bar:
            yield lambda _result: bar.update(1)

    def _line(self, result: ActionResult) -> None:
        if _listed(result):
            click.echo(render_result(result))

    def finish(self, result: ApplyResult, calls: CallCounts, step: NextStep) -> None:
        if not self._streamed:
            for item in result.results:
                self._line(item)
        click.echo(render_summary(result, step))
        click.echo(render_call_counts(calls), err=True)

    def next_step(self, targets: Sequence[Path], *, saved: bool, auto_approve: bool) -> NextStep:
        if saved:
            return NextStep(plan_file=targets[0].as_posix())
        words = ["cxsched", "apply", *(t.as_posix() for t in targets)]
        return NextStep(command=" ".join(words + (["--auto-approve"] if auto_approve else [])))


class JsonOutput(Output):
    """`--json`: one event per line on stdout; nothing else on stdout."""

    def __init__(self) -> None:
        super().__init__(terminal=False, color=False)

    def _emit(self, event: dict[str, Any]) -> None:
        click.echo(json.dumps(event, sort_keys=True, ensure_ascii=False, allow_nan=False))

    def show_plan(self, plan: Plan) -> None:
        """The plan is summarised by the "plan" event instead."""

    def start(self, plan: Plan, *, saved: bool) -> None:
        self._emit(
            {"type": "version", "format_version": JSON_FORMAT_VERSION, "cxsched": __version__}
        )
        counts = plan.counts()._asdict()
        mode = "saved-plan" if saved else "one-go"
        self._emit({"type": "plan", "mode": mode, "changes": len(plan.changes), "counts": counts})

    @contextmanager
    def progress(self, total: int) -> Iterator[OnResult | None]:
        yield lambda result: self._emit(result_event(result))

    def finish(self, result: ApplyResult, calls: CallCounts, step: NextStep) -> None:
        counts = {str(outcome): n for outcome, n in result.counts().items()}
        self._emit(
            {
                "type": "summary",
                "ok": result.ok and result.interrupted is None,
                "interrupted": result.interrupted,
                "counts": counts,
                "not_started": [
                    f"{r.action.campaign_id}/{r.action.name}"
                    for r in result.results
                    if result.interrupted and r.outcome == "skipped"
                ],
                "next": render_summary(result, step).splitlines()[-1]
                if not (result.ok and result.interrupted is None)
                else None,
                "calls": [
                    {"endpoint": endpoint, "status": status, "count": count}
                    for (endpoint, status), count in sorted(
                        calls.items(), key=lambda item: (item[0][0], str(item[0][1]))
                    )
                ],
            }
        )


def _listed(result: ActionResult) -> bool:
    """Whether a change gets its own line: not a no-op (only counted), nor a change not started
    after a signal (the summary lists those once)."""
    not_started = result.outcome == "skipped" and (result.error or "").startswith("not started")
    return result.outcome != "noop" and not not_started


def output_for(*, json_events: bool) -> Output:
    """The output style for this run: json, a terminal, or plain lines."""
    if json_events:
        return JsonOutput()
    terminal = sys.stdout.isatty()
    return Output(terminal=terminal, color=use_color(terminal))
