"""Helpers shared by the apply tests: desired files, live bodies, the CLI against an emulator."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from reconciler.audit.verify import read_records
from reconciler.cli import main
from reconciler.emulator import Emulator

PATCH = "PATCH /api/v2/campaigns/{campaignId}/schedules/{scheduleId}"
POST = "POST /api/v2/campaigns/{campaignId}/schedules"
GET_ONE = "GET /api/v2/campaigns/{campaignId}/schedules/{scheduleId}"
LIST = "GET /api/v2/campaigns/{campaignId}/schedules"
DELETE = "DELETE /api/v2/campaigns/{campaignId}/schedules/{scheduleId}"
TOKEN = "POST /oauth/token"
CAPACITY = "GET /api/v2/dialer/capacity"
TRAIL = Path("audit/trail.jsonl")


def body(name: str, *, rate: float = 12, description: str = "managed in git") -> dict[str, Any]:
    """A valid schedule body in the API's shape (what a file declares, less its keys)."""
    return {
        "name": name,
        "description": description,
        "startTime": "2027-01-04T08:00:00-05:00",
        "endTime": "2027-03-31T20:00:00-04:00",
        "timeZone": "America/New_York",
        "dialerSettings": {"maxConcurrentCalls": 10, "callRate": rate, "capacityThreshold": 0.8},
        "regulatoryWindows": [
            {
                "startTime": "09:00",
                "endTime": "20:00",
                "timeZone": "America/New_York",
                "enabled": True,
            }
        ],
    }


def write_file(root: Path, campaign: str, name: str, **changes: Any) -> Path:
    """schedules/<campaign>/<name>.yaml declaring `body(name, **changes)` (JSON is YAML)."""
    path = root / "schedules" / campaign / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"formatVersion": 1, "campaignId": campaign, **body(name, **changes)}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def env_for(emu: Emulator, secret: str | None = None) -> dict[str, str]:
    return {
        **emu.client_env(),
        "CXONE_CLIENT_SECRET": secret or emu.client_secret,
        "CXSCHED_ACTOR": "tester",
        "CXSCHED_COMMIT": "c0ffee",
    }


def cli(emu: Emulator, args: Sequence[str], *, secret: str | None = None) -> Result:
    """Run `cxsched ARGS` through its entry point against `emu` (in the current folder)."""
    return CliRunner().invoke(main, list(args), env=env_for(emu, secret), catch_exceptions=False)


def live(emu: Emulator, campaign: str) -> dict[str, dict[str, Any]]:
    """The live schedules of a campaign by name."""
    return {item["name"]: item for item in emu.schedules(campaign)}


def counters(emu: Emulator) -> dict[tuple[str, int], int]:
    return dict(emu.counters())


def records(path: Path = TRAIL) -> list[dict[str, Any]]:
    return list(read_records(path))


def events(path: Path = TRAIL) -> list[tuple[Any, ...]]:
    """(event, phase, action, schedule, result) of every record: the trail in brief."""
    return [
        (r["event"], r["phase"], r["action"], r["schedule"], r["result"]) for r in records(path)
    ]


def without(mapping: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key not in keys}
