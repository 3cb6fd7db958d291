"""Reading the audit trail back: verifying its chain and selecting records to show.

`verify_trail` walks the file once and names the first bad record (line, seq, what is wrong):
a line that is not a JSON record or is cut short, a line that is not exactly its record's
canonical JSON (a duplicate key, a forged first value before the real one, reformatting: two
readers could disagree), a record whose content no longer matches its hash (edited), a sequence
number or `prev_hash` that breaks the chain (deleted, inserted or reordered records), and an
end that does not match the head sidecar (records deleted from the end). A head one record
behind the end is accepted: an append was cut between writing its record and moving the head,
and the next append moves it. A missing head is a failure: a trail is created with its head
(`reconciler.audit.trail`), so only a trail that does not exist at all is new, and that only
verifies with `allow_new`. `expect_head` anchors the trail to a head digest recorded elsewhere
(a CI job summary): a record with that hash must still be in the chain.

`read_records` and `RecordFilter` serve `cxsched audit show`. Errors: `AuditError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reconciler.audit.trail import GENESIS, RECORD_FIELDS, Head, head_path, read_head, record_hash
from reconciler.errors import AuditError
from reconciler.util.hashing import canonical_json

__all__ = ["Problem", "RecordFilter", "Verification", "read_records", "verify_trail"]


@dataclass(frozen=True, slots=True)
class Problem:
    """The first bad record: where it is and what is wrong with it."""

    line: int | None
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "trail"
        seq = f" (seq {self.seq})" if self.seq is not None else ""
        return f"{where}{seq}: {self.message}"


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of `verify_trail`."""

    path: Path
    count: int
    head_hash: str
    problem: Problem | None = None
    note: str | None = None
    anchored: int | None = None  # the seq of the record `expect_head` names

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(slots=True)
class _Chain:
    count: int = 0
    last: Head = field(default_factory=lambda: Head(0, GENESIS))
    before_last: Head = field(default_factory=lambda: Head(0, GENESIS))
    expect: str | None = None
    anchored: int | None = None

    def push(self, record: dict[str, Any]) -> None:
        self.count += 1
        self.before_last = self.last
        self.last = Head(int(record["seq"]), str(record["hash"]))
        if self.last.hash == self.expect:
            self.anchored = self.last.seq


def verify_trail(
    path: Path, *, expect_head: str | None = None, allow_new: bool = False
) -> Verification:
    """Check every record's hash and link, then the end against the head sidecar, then (with
    `expect_head`) that the anchored record is still there. `allow_new`: a trail that does not
    exist yet (no file, no head) verifies as new and empty."""
    chain = _Chain(expect=expect_head, anchored=0 if expect_head == GENESIS else None)
    if not path.exists() and not head_path(path).exists() and allow_new:
        note = "no trail yet: a new trail (--allow-new); the first append creates it"
        return _anchor(Verification(path, 0, GENESIS, note=note), chain)
    if not path.exists() and head_path(path).exists():
        return _anchor(_check_head(path, chain), chain)
    for line_no, raw in _lines(path):
        record, problem = _parse(raw, line_no)
        if problem is None:
            assert record is not None
            problem = _check_link(record, line_no, chain.last)
        if problem is not None:
            return Verification(path, chain.count, chain.last.hash, problem)
        assert record is not None
        chain.push(record)
    return _anchor(_check_head(path, chain), chain)


def _anchor(done: Verification, chain: _Chain) -> Verification:
    """`done`, failed when the record `expect_head` names is not in the chain."""
    if not done.ok or chain.expect is None:
        return done
    if chain.anchored is None:
        message = (
            f"no record has the expected head {chain.expect}: the trail was rewritten, or "
            "cut before that record"
        )
        return _bad(done, message)
    return Verification(
        done.path, done.count, done.head_hash, note=done.note, anchored=chain.anchored
    )


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with path.open("rb") as lines:
            yield from enumerate(lines, start=1)
    except FileNotFoundError as exc:
        raise AuditError(
            f"no audit trail at {path}; pass --audit-file or set audit.path in cxsched.yaml"
        ) from exc
    except OSError as exc:
        raise AuditError(f"cannot read the audit trail {path}: {exc}") from exc


def _parse(raw: bytes, line_no: int) -> tuple[dict[str, Any] | None, Problem | None]:
    if not raw.endswith(b"\n"):
        return None, Problem(line_no, None, "incomplete last line (an append was interrupted)")
    try:
        record = json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _Duplicate as exc:
        message = f"key {exc} appears twice: two readers could disagree on this record"
        return None, Problem(line_no, None, message)
    except ValueError:
        return None, Problem(line_no, None, "not a JSON record")
    if not isinstance(record, dict):
        return None, Problem(line_no, None, "not a JSON object")
    missing = [key for key in RECORD_FIELDS if key not in record]
    seq = record.get("seq") if isinstance(record.get("seq"), int) else None
    if missing:
        return None, Problem(line_no, seq, f"missing field(s) {', '.join(missing)}")
    if raw.decode("utf-8") != canonical_json(record) + "\n":
        message = "the line is not its record's canonical JSON: it was edited or rewritten"
        return None, Problem(line_no, seq, message)
    return record, None


class _Duplicate(ValueError):
    """A JSON object with a key twice."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise _Duplicate(repr(key))
        record[key] = value
    return record


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_link(record: dict[str, Any], line_no: int, last: Head) -> Problem | None:
    seq = record["seq"]
    if record["hash"] != record_hash(record):
        return Problem(line_no, seq, "content does not match its hash: the record was edited")
    if seq != last.seq + 1:
        return Problem(
            line_no,
            seq,
            f"seq {seq} where {last.seq + 1} was expected: "
            "records before it were deleted, inserted or reordered",
        )
    if record["prev_hash"] != last.hash:
        what = "the genesis hash" if last.seq == 0 else f"the hash of seq {last.seq}"
        return Problem(
            line_no,
            seq,
            f"prev_hash does not match {what}: that record was edited and rehashed, "
            "or records were replaced",
        )
    return None


def _check_head(path: Path, chain: _Chain) -> Verification:
    stored = read_head(path)
    last = chain.last
    done = Verification(path, chain.count, last.hash)
    if stored is None:
        return _bad(
            done,
            f"{head_path(path).name} is missing: a trail is created with its head, so it was "
            "deleted and records may have been removed from the end; restore it from a copy, "
            "or check against a head digest recorded elsewhere with --expect-head",
        )
    head = stored
    if head == last:
        return done
    if head == chain.before_last:
        note = "the head was one record behind (an append was cut short); the next append fixes it"
        return Verification(path, chain.count, last.hash, note=note)
    if head.seq > last.seq:
        return _bad(
            done,
            f"truncated: the head records seq {head.seq} but the trail ends at seq {last.seq}: "
            "records were deleted from the end",
            line=last.seq + 1,
            seq=last.seq + 1,
        )
    return _bad(
        done,
        f"the head (seq {head.seq}, {head.hash}) matches no record at the end of the trail: "
        "the end was replaced",
        line=head.seq,
        seq=head.seq,
    )


def _bad(
    done: Verification, message: str, line: int | None = None, seq: int | None = None
) -> Verification:
    return Verification(done.path, done.count, done.head_hash, Problem(line, seq, message))


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Which records `cxsched audit show` lists; every given criterion must match."""

    campaign: str | None = None
    schedule: str | None = None  # a schedule name or id
    run: str | None = None  # a run id or its prefix
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, record: dict[str, Any]) -> bool:
        if self.campaign is not None and record.get("campaign") != self.campaign:
            return False
        if self.schedule is not None and self.schedule not in (
            record.get("schedule"),
            record.get("schedule_id"),
        ):
            return False
        if self.run is not None and not str(record.get("run_id", "")).startswith(self.run):
            return False
        return self._in_window(record)

    def _in_window(self, record: dict[str, Any]) -> bool:
        if self.since is None and self.until is None:
            return True
        try:
            when = datetime.fromisoformat(str(record.get("time")).replace("Z", "+00:00"))
        except ValueError:
            return False
        if self.since is not None and when < self.since:
            return False
        return self.until is None or when <= self.until


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every record of the trail in order; AuditError naming the line of one that is unreadable."""
    for line_no, raw in _lines(path):
        record, problem = _parse(raw, line_no)
        if problem is not None:
            raise AuditError(f"{path}: {problem}; run `cxsched audit verify --audit-file {path}`")
        assert record is not None
        yield record
