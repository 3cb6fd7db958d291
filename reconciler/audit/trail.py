"""The audit trail: an append-only, hash-chained JSON Lines file of what cxsched did and why.

Every record is one line of canonical JSON (sorted keys, no spaces). Its `hash` is
``"sha256:" + sha256(canonical JSON of the record without "hash")`` and its `prev_hash` is the
hash of the record before it (`GENESIS` for the first), so editing, deleting, inserting or
reordering a record breaks the chain. A sidecar file ``<trail>.head`` holds the last `seq` and
`hash` (replaced atomically after each append), so deleting records from the end shows too.

A trail is born with its head: before the trail file exists, the head is created holding seq 0
and `GENESIS` (only if no head exists, atomically), so a trail without a head is never new but
always damaged (its head deleted), and an append refuses it.

Appends are serialised across threads (a lock) and processes (`fcntl.flock`); each record is
written with a single `write`, then flushed to disk (`fsync`) before the call it announces is
made. See docs/audit.md for the record format and `reconciler.audit.verify` for the checks.

Errors: `reconciler.errors.AuditError` when the trail cannot be read or appended to (including a
trail whose end no longer matches its head: appending would hide that damage).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.audit.runinfo import RunContext, run_context
from reconciler.config import RepoConfig
from reconciler.errors import AuditError
from reconciler.util.atomic import write_atomic
from reconciler.util.hashing import canonical_json, digest

__all__ = [
    "GENESIS",
    "RECORD_FIELDS",
    "AuditTrail",
    "Check",
    "Head",
    "RunContext",
    "head_path",
    "read_head",
    "record_hash",
    "run_context",
    "trail_path",
]

#: The `prev_hash` of the first record.
GENESIS = "sha256:" + "0" * 64

#: Every record has these keys (None when not applicable), in documentation order.
RECORD_FIELDS: tuple[str, ...] = (
    "seq",
    "time",
    "run_id",
    "actor",
    "commit",
    "command",
    "event",
    "campaign",
    "schedule",
    "schedule_id",
    "action",
    "phase",
    "result",
    "base_etag",
    "new_etag",
    "changes",
    "desired_hash",
    "checks",
    "status",
    "error",
    "prev_hash",
    "hash",
)
_STAMPED = frozenset({"seq", "time", "run_id", "actor", "commit", "command", "prev_hash", "hash"})
_TAIL_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class Check:
    """A check that ran before a write, and its result, as recorded in the trail."""

    name: str
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Head:
    """The last record's sequence number and hash, as the sidecar file keeps them."""

    seq: int
    hash: str


def record_hash(record: Mapping[str, Any]) -> str:
    """The hash of a record: sha256 over its canonical JSON without the "hash" key."""
    return digest({key: value for key, value in record.items() if key != "hash"})


def trail_path(config: RepoConfig, override: Path | None = None) -> Path:
    """The trail file: `--audit-file`, else the config's `audit_path` (relative to the config)."""
    if override is not None:
        return override
    path = config.audit_path
    if path.is_absolute() or config.source is None:
        return path
    return config.source.parent / path


def head_path(trail: Path) -> Path:
    return trail.with_name(trail.name + ".head")


def read_head(trail: Path) -> Head | None:
    """The sidecar head of `trail`, or None if there is none."""
    path = head_path(trail)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Head(seq=int(data["seq"]), hash=str(data["hash"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AuditError(
            f"{path}: unreadable audit head ({exc}); run `cxsched audit verify --audit-file "
            f"{trail}` and restore the trail from a copy"
        ) from exc


class AuditTrail:
    """Appends records to one trail file on behalf of one run (`context`)."""

    def __init__(self, path: Path, context: RunContext) -> None:
        self.path = path
        self.context = context
        self._lock = threading.Lock()

    def append(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Stamp `record` (seq, time, run, actor, commit, command, chain) and append it."""
        reserved = _STAMPED.intersection(record)
        if reserved:
            raise ValueError(f"audit records may not set {sorted(reserved)}")
        with self._lock:
            return self._append_locked(record)

    def _append_locked(self, record: Mapping[str, Any]) -> dict[str, Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            _create_head(self.path)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise AuditError(f"cannot open the audit trail {self.path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            full = self._stamp(record, _tail(fd, self.path))
            _write_line(fd, self.path, canonical_json(full) + "\n")
            _write_head(self.path, Head(full["seq"], full["hash"]))
            return full
        finally:
            os.close(fd)  # closing releases the flock

    def _stamp(self, record: Mapping[str, Any], last: Head) -> dict[str, Any]:
        full: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
        full.update(record)
        full.update(
            seq=last.seq + 1,
            time=_now(),
            run_id=self.context.run_id,
            actor=self.context.actor,
            commit=self.context.commit,
            command=self.context.command,
            prev_hash=last.hash,
        )
        del full["hash"]
        full["hash"] = record_hash(full)
        return full


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _tail(fd: int, path: Path) -> Head:
    """The last record of the open trail, checked against the head sidecar."""
    last = _last_record(fd, path) or Head(0, GENESIS)
    head = read_head(path)
    if head is None:
        raise _damaged(
            path,
            f"its head file {head_path(path).name} is missing (a trail is created with its head, "
            "so it was deleted)",
        )
    lagging_one = head.seq == last.seq - 1  # a previous append was cut before the head moved
    if head.seq > last.seq or (head.seq == last.seq and head.hash != last.hash):
        raise _damaged(path, f"the end of the trail (seq {last.seq}) does not match its head")
    if head.seq < last.seq and not lagging_one:
        raise _damaged(path, f"the head (seq {head.seq}) is behind the end (seq {last.seq})")
    return last


def _last_record(fd: int, path: Path) -> Head | None:
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return None
    data = b""
    offset = size
    while offset > 0 and data.count(b"\n") < 2:
        step = min(_TAIL_CHUNK, offset)
        offset -= step
        data = os.pread(fd, step, offset) + data
    if not data.endswith(b"\n"):
        raise _damaged(path, "the last line is incomplete (an append was interrupted)")
    line = data[:-1].rsplit(b"\n", 1)[-1]
    try:
        record = json.loads(line)
        return Head(seq=int(record["seq"]), hash=str(record["hash"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise _damaged(path, "the last line is not an audit record") from exc


def _damaged(path: Path, what: str) -> AuditError:
    return AuditError(
        f"{path}: {what}; refusing to append to a damaged trail. "
        f"Run `cxsched audit verify --audit-file {path}` to find the first bad record."
    )


def _write_line(fd: int, path: Path, line: str) -> None:
    data = line.encode("utf-8")
    try:
        written = os.write(fd, data)
        os.fsync(fd)
    except OSError as exc:
        raise AuditError(f"cannot append to the audit trail {path}: {exc}") from exc
    if written != len(data):
        raise AuditError(f"{path}: short write ({written} of {len(data)} bytes); disk full?")


def _create_head(path: Path) -> None:
    """The head of a new trail (seq 0, `GENESIS`), unless a head exists: written to a temporary
    file, then linked into place, which fails if another process created it first (where the
    file system has no hard links: created exclusively, then written)."""
    target = head_path(path)
    text = canonical_json({"hash": GENESIS, "seq": 0}) + "\n"
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.new")
    try:
        temporary.write_text(text, encoding="utf-8")
        try:
            os.link(temporary, target)
        except FileExistsError:
            pass
        except OSError:  # no hard links here
            _create_exclusive(target, text)
        finally:
            temporary.unlink()
    except OSError as exc:
        raise AuditError(f"cannot create the audit head {target}: {exc}") from exc


def _create_exclusive(target: Path, text: str) -> None:
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_head(path: Path, head: Head) -> None:
    target = head_path(path)
    try:
        write_atomic(target, canonical_json({"hash": head.hash, "seq": head.seq}) + "\n")
    except OSError as exc:
        raise AuditError(f"cannot update the audit head {target}: {exc}") from exc
