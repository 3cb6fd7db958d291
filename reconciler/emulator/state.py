"""The tenant's schedules, campaign by campaign, guarded by ETags.

Every write (create, merge-patch, delete) happens under one lock: the If-Match check, the
validation of the whole result, the duplicate-name check and the write are one step, and the
state file (if any) is replaced before the lock is released. Schedules are kept in their
rendered API form (`reconciler.emulator.render`) with a creation sequence number that orders
lists (oldest first) and resumes pages.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.emulator.contract import SCHEDULE_FIELDS, SERVER_ONLY_FIELDS, Capacity
from reconciler.emulator.errors import Problem, StateFileError
from reconciler.emulator.persistence import read_state, write_state
from reconciler.emulator.render import format_utc, render_schedule
from reconciler.emulator.validation import validate_schedule

__all__ = ["ScheduleStore", "merge_patch", "new_etag"]

Resource = dict[str, Any]


def new_etag() -> str:
    """A fresh opaque, quoted ETag."""
    return f'"{secrets.token_hex(8)}"'


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _writable(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in SERVER_ONLY_FIELDS}


def _ordered(resource: Resource) -> Resource:
    keys = ("id", *SCHEDULE_FIELDS, "createdAt", "modifiedAt", "etag")
    return {key: resource[key] for key in keys if key in resource}


class ScheduleStore:
    """Campaigns and their schedules, with the tenant's dialer capacity."""

    def __init__(
        self,
        campaigns: Iterable[str],
        capacity: Capacity,
        state_file: Path | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._lock = threading.RLock()
        self._path = state_file
        self._clock = clock
        self._seq = 0
        self._campaigns: dict[str, dict[str, tuple[int, Resource]]] = {}
        #: campaign -> name -> the ids of its schedules of that name: a create checks for a
        #: duplicate name in constant time, so seeding N schedules is linear.
        self._names: dict[str, dict[str, dict[str, None]]] = {}
        self.capacity = capacity
        saved = read_state(state_file) if state_file is not None else None
        if saved is not None:
            self._restore(saved)
        for campaign_id in campaigns:
            self._campaigns.setdefault(campaign_id, {})

    # -- campaigns and capacity ------------------------------------------------------------
    def add_campaign(self, campaign_id: str) -> None:
        with self._lock:
            self._campaigns.setdefault(campaign_id, {})
            self._save()

    def campaign_ids(self) -> list[str]:
        with self._lock:
            return list(self._campaigns)

    def set_capacity(self, capacity: Capacity) -> None:
        with self._lock:
            self.capacity = capacity
            self._save()

    # -- reads -----------------------------------------------------------------------------
    def page(self, campaign_id: str, after: int, size: int) -> tuple[list[Resource], int | None]:
        """Up to `size` schedules created after sequence `after`, and the resume position.

        The schedules are the stored objects themselves, to be rendered and never changed
        (a write replaces a stored schedule, it never mutates one).
        """
        with self._lock:
            records = sorted(
                (r for r in self._campaign(campaign_id).values() if r[0] > after),
                key=lambda r: r[0],
            )
            chosen = records[:size]
            resume = chosen[-1][0] if len(records) > size else None
            return [resource for _, resource in chosen], resume

    def peek(self, campaign_id: str, schedule_id: str) -> Resource:
        """The stored schedule itself, to be rendered and never changed."""
        with self._lock:
            return self._record(campaign_id, schedule_id)[1]

    def schedules(self, campaign_id: str) -> list[Resource]:
        """Copies of every schedule of a campaign, oldest first."""
        return copy.deepcopy(self.page(campaign_id, 0, 1 << 30)[0])

    def get(self, campaign_id: str, schedule_id: str) -> Resource:
        return copy.deepcopy(self.peek(campaign_id, schedule_id))

    # -- writes ----------------------------------------------------------------------------
    def create(self, campaign_id: str, body: Mapping[str, Any], where: str) -> Resource:
        with self._lock:
            self._campaign(campaign_id)  # 404 for an unknown campaign
            document = merge_patch({}, _writable(body))
            validate_schedule(document, self.capacity, where)
            self._refuse_duplicate(campaign_id, document["name"], None, where)
            now = format_utc(self._clock())
            self._seq += 1
            resource = _ordered(
                {
                    **render_schedule(document),
                    "id": secrets.token_hex(8),
                    "createdAt": now,
                    "modifiedAt": now,
                    "etag": new_etag(),
                }
            )
            self._commit(campaign_id, resource["id"], (self._seq, resource))
            return copy.deepcopy(resource)

    def update(
        self,
        campaign_id: str,
        schedule_id: str,
        patch: Mapping[str, Any],
        if_match: str | None,
        where: str,
    ) -> Resource:
        with self._lock:
            seq, current = self._record(campaign_id, schedule_id)
            self._check_precondition(current, if_match, where)
            document = merge_patch(_writable(current), _writable(patch))
            validate_schedule(document, self.capacity, where)
            self._refuse_duplicate(campaign_id, document["name"], schedule_id, where)
            resource = _ordered(
                {
                    **render_schedule(document),
                    "id": schedule_id,
                    "createdAt": current["createdAt"],
                    "modifiedAt": format_utc(self._clock()),
                    "etag": new_etag(),
                }
            )
            self._commit(campaign_id, schedule_id, (seq, resource))
            return copy.deepcopy(resource)

    def edit(
        self, campaign_id: str, schedule_id: str, patch: Mapping[str, Any], where: str
    ) -> Resource:
        """A merge patch applied whatever the current ETag (an edit behind the client's back)."""
        with self._lock:
            etag = self._record(campaign_id, schedule_id)[1]["etag"]
            return self.update(campaign_id, schedule_id, patch, etag, where)

    def delete(self, campaign_id: str, schedule_id: str, if_match: str | None, where: str) -> None:
        with self._lock:
            _, current = self._record(campaign_id, schedule_id)
            self._check_precondition(current, if_match, where)
            self._commit(campaign_id, schedule_id, None)

    # -- helpers ---------------------------------------------------------------------------
    def _commit(
        self, campaign_id: str, schedule_id: str, record: tuple[int, Resource] | None
    ) -> None:
        """Store (None: remove) a schedule; undone when the state file cannot be written."""
        records = self._campaigns[campaign_id]
        previous = records.pop(schedule_id, None)
        self._index(campaign_id, schedule_id, previous, None)
        if record is not None:
            records[schedule_id] = record
            self._index(campaign_id, schedule_id, None, record)
        try:
            self._save()
        except StateFileError:
            self._index(campaign_id, schedule_id, records.pop(schedule_id, None), None)
            if previous is not None:
                records[schedule_id] = previous
                self._index(campaign_id, schedule_id, None, previous)
            raise

    def _index(
        self,
        campaign_id: str,
        schedule_id: str,
        removed: tuple[int, Resource] | None,
        added: tuple[int, Resource] | None,
    ) -> None:
        """Keep the name index in step with a schedule removed or added."""
        names = self._names.setdefault(campaign_id, {})
        if removed is not None:
            ids = names.get(removed[1]["name"], {})
            ids.pop(schedule_id, None)
            if not ids:
                names.pop(removed[1]["name"], None)
        if added is not None:
            names.setdefault(added[1]["name"], {})[schedule_id] = None

    def _campaign(self, campaign_id: str) -> dict[str, tuple[int, Resource]]:
        records = self._campaigns.get(campaign_id)
        if records is None:
            raise Problem(
                404,
                "not_found",
                f"campaign {campaign_id!r} does not exist on this tenant; check the campaign id",
            )
        return records

    def _record(self, campaign_id: str, schedule_id: str) -> tuple[int, Resource]:
        record = self._campaign(campaign_id).get(schedule_id)
        if record is None:
            raise Problem(
                404,
                "not_found",
                f"schedule {schedule_id!r} does not exist in campaign {campaign_id!r}; "
                "list the campaign's schedules to find its id",
            )
        return record

    @staticmethod
    def _check_precondition(current: Resource, if_match: str | None, where: str) -> None:
        if if_match is None:
            raise Problem(
                428,
                "precondition_required",
                f"{where} needs an If-Match header with the schedule's current ETag",
            )
        if if_match.strip() != current["etag"]:
            raise Problem(
                412,
                "precondition_failed",
                f"{where}: If-Match {if_match} is not the current ETag {current['etag']}; "
                "the schedule changed since it was read: read it again and re-decide",
                extra={"etag": current["etag"]},
            )

    def _refuse_duplicate(
        self, campaign_id: str, name: str, own_id: str | None, where: str
    ) -> None:
        for schedule_id in self._names.get(campaign_id, {}).get(name, {}):
            if schedule_id != own_id:
                raise Problem(
                    409,
                    "conflict",
                    f"{where}: campaign {campaign_id!r} already has a schedule named {name!r} "
                    f"(id {schedule_id}); choose another name or update that schedule",
                    extra={"existingId": schedule_id},
                )

    def _restore(self, saved: dict[str, Any]) -> None:
        try:
            self._restore_records(saved)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateFileError(
                f"{self._path}: a campaign, schedule or capacity entry is malformed ({exc!r}); "
                "delete the file to start empty"
            ) from exc

    def _restore_records(self, saved: dict[str, Any]) -> None:
        limits = saved.get("capacity")
        if isinstance(limits, dict):
            self.capacity = Capacity(
                int(limits["maxConcurrentCalls"]), float(limits["maxCallRate"])
            )
        for campaign_id, resources in saved["campaigns"].items():
            records = self._campaigns.setdefault(str(campaign_id), {})
            for resource in resources:
                self._seq += 1
                record = (self._seq, dict(resource))
                records[str(resource["id"])] = record
                self._index(str(campaign_id), str(resource["id"]), None, record)

    def _save(self) -> None:
        if self._path is None:
            return
        write_state(
            self._path,
            {
                "capacity": {
                    "maxConcurrentCalls": self.capacity.max_concurrent_calls,
                    "maxCallRate": self.capacity.max_call_rate,
                },
                "campaigns": {
                    cid: [resource for _, resource in records.values()]
                    for cid, records in self._campaigns.items()
                },
            },
        )
