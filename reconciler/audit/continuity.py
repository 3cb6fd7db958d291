"""One continuous trail per tenant, made of runs: joining a run's records and checking the joins.

Each CI run writes its records to a trail of its own (a fresh chain from `GENESIS`). When the
run ends, `join_run` appends them to the tenant's long-lived trail as one *block*: every record
keeps its content, is re-stamped with its place in the long trail (`seq`, `prev_hash`, `hash`),
keeps its place in the run's own trail as `origin` (`seq`, `prev_hash`, `hash`: the run trail's
record can be rebuilt and its hash checked) and gains the run's `provenance` (tenant, run URL,
pull request, approvers, ...). A `sync` record closes the block: it numbers the run (`index`
1, 2, 3, ...), links to the previous run's `sync` record (`prev_sync`), and names the block's
record count, cxsched run ids and the run trail's head hash (`run_head`).

`check_continuity` walks a long trail's blocks and names, by run, every block that is missing,
out of order, or holds a record that is not the run's own (changed after the run wrote it, or
from a run that is not on the trail). The hash chain itself is `reconciler.audit.verify`'s.

Errors: `AuditError` for a provenance file or a run trail that cannot be joined.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.audit.runinfo import RunContext
from reconciler.audit.trail import GENESIS, RECORD_FIELDS, Head, record_hash
from reconciler.errors import AuditError

__all__ = [
    "SYNC_EVENT",
    "Approver",
    "Block",
    "Gap",
    "Provenance",
    "check_continuity",
    "join_run",
    "last_block",
    "load_provenance",
    "origin_intact",
    "valid_tenant",
]

#: The event of the record that closes a run's block.
SYNC_EVENT = "sync"
#: Keys a run's own records may not have: they are added when the run joins the trail.
_JOIN_KEYS = frozenset({"origin", "provenance", "block"})
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_MAX_PROVENANCE_BYTES = 256 * 1024
_MAX_APPROVERS = 100
_MAX_TEXT = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def valid_tenant(name: str) -> bool:
    """A tenant name usable as a file name: letters, digits, `.`, `_`, `-` (not first)."""
    return _TENANT.fullmatch(name) is not None and ".." not in name


@dataclass(frozen=True, slots=True)
class Approver:
    """A reviewer's decision on a deployment of the run, from GitHub's run approvals API."""

    login: str
    state: str
    environments: tuple[str, ...]
    comment: str

    def to_json(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "state": self.state,
            "environments": list(self.environments),
            "comment": self.comment,
        }


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who and why: the CI run whose records join the trail, and who approved it."""

    tenant: str
    run_url: str | None = None
    workflow: str | None = None
    run_attempt: str | None = None
    event: str | None = None
    actor: str | None = None
    commit: str | None = None
    pull_request: int | None = None
    pull_request_url: str | None = None
    approvers: tuple[Approver, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "run_url": self.run_url,
            "workflow": self.workflow,
            "run_attempt": self.run_attempt,
            "event": self.event,
            "actor": self.actor,
            "commit": self.commit,
            "pull_request": self.pull_request,
            "pull_request_url": self.pull_request_url,
            "approvers": [approver.to_json() for approver in self.approvers],
        }

    def describe(self) -> str:
        return f"GitHub run {self.run_url}" if self.run_url else f"tenant {self.tenant}"


def load_provenance(path: Path | None, tenant: str) -> Provenance:
    """The provenance file `scripts/gitops.py run-info` writes, checked field by field."""
    if path is None:
        return Provenance(tenant=tenant)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AuditError(f"cannot read the run information {path}: {exc}") from exc
    if len(raw) > _MAX_PROVENANCE_BYTES:
        raise AuditError(f"{path}: larger than {_MAX_PROVENANCE_BYTES} bytes; not run information")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise AuditError(
            f"{path}: not JSON ({exc}); regenerate it with gitops.py run-info"
        ) from exc
    if not isinstance(data, dict):
        raise AuditError(f"{path}: not a JSON object; regenerate it with gitops.py run-info")
    named = data.get("tenant")
    if named is not None and named != tenant:
        raise AuditError(f"{path}: describes tenant {_clean(named)!r}, not {tenant!r}")
    return Provenance(
        tenant=tenant,
        run_url=_text(data, "run_url", path),
        workflow=_text(data, "workflow", path),
        run_attempt=_text(data, "run_attempt", path),
        event=_text(data, "event", path),
        actor=_text(data, "actor", path),
        commit=_text(data, "commit", path),
        pull_request=_number(data, "pull_request", path),
        pull_request_url=_text(data, "pull_request_url", path),
        approvers=_approvers(data.get("approvers"), path),
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def _clean(value: object) -> str:
    return _CONTROL.sub("?", str(value))[:_MAX_TEXT]


def _text(data: Mapping[str, Any], key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise AuditError(f"{path}: field {key!r} must be a string")
    return _clean(value)


def _number(data: Mapping[str, Any], key: str, path: Path) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AuditError(f"{path}: field {key!r} must be a positive whole number")
    return value


def _approvers(value: object, path: Path) -> tuple[Approver, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > _MAX_APPROVERS:
        raise AuditError(f"{path}: field 'approvers' must be a list of at most {_MAX_APPROVERS}")
    found: list[Approver] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("login"), str):
            raise AuditError(f"{path}: every approver needs a 'login' string")
        environments = item.get("environments") or []
        if not isinstance(environments, list) or not all(isinstance(e, str) for e in environments):
            raise AuditError(f"{path}: an approver's 'environments' must be a list of names")
        found.append(
            Approver(
                login=_clean(item["login"]),
                state=_clean(item.get("state") or "approved"),
                environments=tuple(_clean(e) for e in environments),
                comment=_clean(item.get("comment") or ""),
            )
        )
    return tuple(found)


# -- joining ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    """A run's block as its `sync` record declares it."""

    index: int
    records: int
    run_head: str
    run_ids: tuple[str, ...]
    sync_hash: str
    describe: str


def last_block(records: Sequence[Mapping[str, Any]]) -> Block | None:
    """The last run on the trail (its `sync` record), or None for a trail without runs."""
    for record in reversed(records):
        if record.get("event") == SYNC_EVENT:
            return _block(record)
    return None


def _block(record: Mapping[str, Any]) -> Block:
    block = record.get("block")
    if not isinstance(block, dict):
        block = {}
    provenance = record.get("provenance")
    url = provenance.get("run_url") if isinstance(provenance, dict) else None
    index = block.get("index")
    index = index if isinstance(index, int) and not isinstance(index, bool) else 0
    where = f" (GitHub run {url})" if url else ""
    count = block.get("records")
    return Block(
        index=index,
        records=count if isinstance(count, int) and not isinstance(count, bool) else -1,
        run_head=str(block.get("run_head")),
        run_ids=tuple(str(r) for r in block.get("run_ids") or ()),
        sync_hash=str(record.get("hash")),
        describe=f"run #{index}{where}",
    )


def join_run(
    trail: Sequence[Mapping[str, Any]],
    run: Sequence[Mapping[str, Any]],
    provenance: Provenance,
    context: RunContext,
    now: str,
) -> list[dict[str, Any]]:
    """The records that append `run` (a run trail's records, in order) to `trail` as a block."""
    if not run:
        raise AuditError("the run trail has no records: there is nothing to append")
    for record in run:
        if _JOIN_KEYS.intersection(record) or record.get("event") == SYNC_EVENT:
            raise AuditError(
                f"record seq {record.get('seq')} of the run trail already belongs to a long "
                "trail; pass the run's own trail (audit/trail.jsonl of the run)"
            )
    _same_api_host(trail, run)
    last = Head(int(trail[-1]["seq"]), str(trail[-1]["hash"])) if trail else Head(0, GENESIS)
    previous = last_block(trail)
    stamp = provenance.to_json()
    joined: list[dict[str, Any]] = []
    for record in run:
        full = {key: value for key, value in record.items() if key != "hash"}
        full.update(
            seq=last.seq + 1,
            prev_hash=last.hash,
            origin={"seq": record["seq"], "prev_hash": record["prev_hash"], "hash": record["hash"]},
            provenance=stamp,
        )
        full["hash"] = record_hash(full)
        joined.append(full)
        last = Head(full["seq"], full["hash"])
    joined.append(_sync_record(run, previous, last, stamp, context, now))
    return joined


def _api_host(record: Mapping[str, Any]) -> str | None:
    """The API host a record's `tenant` names (`<host[:port]> client <client id>`), if any."""
    tenant = record.get("tenant")
    return tenant.partition(" client ")[0] if isinstance(tenant, str) else None


def _same_api_host(trail: Sequence[Mapping[str, Any]], run: Sequence[Mapping[str, Any]]) -> None:
    """Refuse a run whose records name another API host than the trail's (or each other's).

    A record's `tenant` is the API host and OAuth client it was made against; the trail's name
    (`provenance.tenant`) is the workflow's label for it, so the two are compared by host only:
    a new client id of the same tenant joins its trail."""
    known = next((h for h in map(_api_host, reversed(trail)) if h is not None), None)
    for record in run:
        host = _api_host(record)
        if host is None:
            continue
        if known is not None and host != known:
            raise AuditError(
                f"record seq {record.get('seq')} of the run trail is of tenant "
                f"{_clean(record['tenant'])!r}, but the trail's records are of API host "
                f"{_clean(known)!r}: sync each tenant's run trail to its own trail"
            )
        known = host


def _sync_record(  # noqa: PLR0917
    run: Sequence[Mapping[str, Any]],
    previous: Block | None,
    last: Head,
    provenance: dict[str, Any],
    context: RunContext,
    now: str,
) -> dict[str, Any]:
    run_ids = list(dict.fromkeys(str(record["run_id"]) for record in run))
    full: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
    full.update(
        seq=last.seq + 1,
        time=now,
        run_id=context.run_id,
        actor=context.actor,
        commit=context.commit,
        command=context.command,
        event=SYNC_EVENT,
        action="append",
        result="appended",
        block={
            "index": (previous.index if previous else 0) + 1,
            "records": len(run),
            "run_head": str(run[-1]["hash"]),
            "run_ids": run_ids,
            "prev_sync": previous.sync_hash if previous else GENESIS,
        },
        provenance=provenance,
        prev_hash=last.hash,
    )
    del full["hash"]
    full["hash"] = record_hash(full)
    return full


def origin_intact(record: Mapping[str, Any]) -> bool:
    """Whether the record is, apart from its place and provenance, what its run wrote."""
    origin = record.get("origin")
    if not isinstance(origin, dict):
        return False
    rebuilt = {k: v for k, v in record.items() if k not in {"hash", "origin", "provenance"}}
    rebuilt.update(seq=origin.get("seq"), prev_hash=origin.get("prev_hash"))
    return record_hash(rebuilt) == origin.get("hash")


# -- checking -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gap:
    """A break in the trail's continuity across runs, named by run."""

    seq: int | None
    message: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.message}" if self.seq is not None else self.message


@dataclass(slots=True)
class _Walk:
    gaps: list[Gap] = field(default_factory=list)
    pending: list[Mapping[str, Any]] = field(default_factory=list)
    previous: Block | None = None
    runs: int = 0


def check_continuity(records: Sequence[Mapping[str, Any]]) -> tuple[int, list[Gap]]:
    """The number of runs on the trail and every break in their continuity.

    A trail without any `sync` record is a single run's own trail: it has no runs to check.
    """
    walk = _Walk()
    for record in records:
        if record.get("event") != SYNC_EVENT:
            walk.pending.append(record)
            continue
        _close_block(walk, record)
    if walk.pending and walk.runs:
        seqs = [r.get("seq") for r in walk.pending]
        walk.gaps.append(
            Gap(
                _int(seqs[0]),
                f"records seq {seqs[0]}..{seqs[-1]} (cxsched run(s) "
                f"{_run_ids(walk.pending)}) belong to no run on the trail: no sync record "
                "closes them",
            )
        )
    return walk.runs, walk.gaps


def _close_block(walk: _Walk, sync: Mapping[str, Any]) -> None:
    block = _block(sync)
    expected = (walk.previous.index if walk.previous else 0) + 1
    seq = _int(sync.get("seq"))
    if block.index > expected:
        missing = (
            f"#{expected}" if block.index == expected + 1 else f"#{expected}..#{block.index - 1}"
        )
        walk.gaps.append(Gap(seq, f"run(s) {missing} missing before {block.describe}"))
    elif block.index < expected:
        after = walk.previous.describe if walk.previous else "the start"
        walk.gaps.append(Gap(seq, f"{block.describe} is out of order: it comes after {after}"))
    prev_sync = _mapping(sync.get("block")).get("prev_sync")
    linked = walk.previous.sync_hash if walk.previous else GENESIS
    if prev_sync != linked and block.index == expected:
        walk.gaps.append(
            Gap(
                seq,
                f"{block.describe} was appended after another run than the one before it: "
                "a run was removed, replaced or reordered",
            )
        )
    _check_block_records(walk, block, sync, seq)
    walk.previous = block
    walk.runs += 1
    walk.pending = []


def _check_block_records(
    walk: _Walk, block: Block, sync: Mapping[str, Any], seq: int | None
) -> None:
    records = walk.pending
    if block.records != len(records):
        walk.gaps.append(
            Gap(
                seq,
                f"{block.describe} declares {block.records} record(s) but "
                f"{len(records)} precede it: records of the run were deleted or inserted",
            )
        )
    origin_prev, origin_seq = GENESIS, 0
    for record in records:
        rseq, run_id = _int(record.get("seq")), record.get("run_id")
        origin = _mapping(record.get("origin"))
        linked = origin.get("prev_hash") == origin_prev and origin.get("seq") == origin_seq + 1
        if not origin_intact(record) or record.get("provenance") != sync.get("provenance"):
            walk.gaps.append(
                Gap(
                    rseq,
                    f"record of cxsched run {run_id} in {block.describe} is not what the "
                    "run wrote: it was changed after the run, or comes from a run that is not "
                    "on the trail",
                )
            )
        elif not linked:
            walk.gaps.append(
                Gap(
                    rseq,
                    f"record of cxsched run {run_id} does not follow the record before it "
                    f"in {block.describe}'s own trail: a record from a run that is not on the "
                    "trail, or the run's records were reordered or removed",
                )
            )
        origin_prev, origin_seq = str(origin.get("hash")), _int(origin.get("seq")) or 0
    if records and origin_prev != block.run_head:
        walk.gaps.append(
            Gap(
                seq,
                f"{block.describe} ends at another record than its run's trail did "
                f"({block.run_head}): records at the end of the run are missing",
            )
        )
    if set(block.run_ids) != {str(r.get("run_id")) for r in records}:
        walk.gaps.append(
            Gap(
                seq,
                f"{block.describe} names cxsched run(s) {', '.join(block.run_ids)} but its "
                f"records come from {_run_ids(records)}",
            )
        )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _run_ids(records: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(dict.fromkeys(str(r.get("run_id")) for r in records))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
