"""A hostile or broken server must not crash, hang or leak: the CLI against a hostile proxy.

Every test runs the real command line against `support.hostile.HostileProxy`, a loopback server
that forwards to the emulator except for the answers a test makes it give: broken `Retry-After`
headers, error bodies that echo credentials, escape sequences and workflow commands, bodies
dripped byte by byte or far too large, a `nextPage` token that repeats, and JSON with NaN,
Infinity, overflowing or huge numbers and deep nesting.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner, Result

from reconciler.audit.trail import RECORD_FIELDS
from reconciler.cli import main
from reconciler.emulator import Emulator
from reconciler.util.hashing import canonical_json
from support.apply import TRAIL, records, write_file
from support.emulator import EmulatorFactory
from support.hostile import Answer, HostileProxy, Request

SECRET = "s3cr3t+/Value=Ok~x9"
CLIENT_ID = "cxsched-test"
LIST = "/api/v2/campaigns/c1/schedules"
CAPACITY = "/api/v2/dialer/capacity"
TOKEN = "/oauth/token"

Run = Callable[..., Result]


@pytest.fixture
def emu(emulator_factory: EmulatorFactory) -> Emulator:
    return emulator_factory(campaigns=("c1",), client_id=CLIENT_ID, client_secret=SECRET)


@pytest.fixture
def proxy(emu: Emulator) -> Iterator[HostileProxy]:
    hostile = HostileProxy(emu.base_url)
    yield hostile
    hostile.close()


@pytest.fixture
def run(proxy: HostileProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.chdir(tmp_path)
    write_file(tmp_path, "c1", "Evenings")
    env = {
        "CXONE_BASE_URL": proxy.base_url,
        "CXONE_CLIENT_ID": CLIENT_ID,
        "CXONE_CLIENT_SECRET": SECRET,
        "CXONE_RPS": "500",
        "CXSCHED_ACTOR": "tester",
        "CXSCHED_COMMIT": "c0ffee",
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _error(result: Result) -> str:
    """The error line of a run (stderr also holds the call counts of `plan`)."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0] + "\n"


# --- Retry-After ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["NaN", "inf", "-Infinity", "1e400", "-5", "99999999999", "soon", "Fri, 99 Foo"]
)
def test_broken_retry_after_falls_back_to_backoff(
    proxy: HostileProxy, run: Run, header: str
) -> None:
    refusal = Answer(429, _json({"error": "rate_limited"}), {"Retry-After": header})
    proxy.answer("GET", LIST, refusal, times=1)
    began = time.monotonic()
    result = run("plan", "schedules")
    assert result.exit_code == 0
    assert "error" not in result.stderr
    assert '+ create "Evenings"' in result.stdout
    assert time.monotonic() - began < 5.0  # the backoff, not the header's wait
    assert [r.method for r in proxy.seen if r.path.startswith(LIST)] == ["GET", "GET"]


def test_retry_after_nan_on_a_create_still_applies_and_records_the_outcome(
    proxy: HostileProxy, run: Run, emu: Emulator
) -> None:
    refusal = Answer(429, _json({"error": "rate_limited"}), {"Retry-After": "NaN"})
    proxy.answer("POST", LIST, refusal, times=1)
    result = run("apply", "--auto-approve", "schedules")
    assert result.exit_code == 0, result.stderr
    assert [s["name"] for s in emu.schedules("c1")] == ["Evenings"]
    writes = [(r["phase"], r["result"]) for r in records() if r["event"] == "write"]
    assert writes == [("intent", None), ("outcome", "applied")]


# --- server text: length, controls, workflow commands, credentials --------------------------


def _encodings() -> list[str]:
    """Every form of the secret that must never be shown."""
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    return [
        SECRET,
        quote_plus(SECRET),
        quote(SECRET, safe=""),
        base64.b64encode(SECRET.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        basic.rstrip("="),
    ]


def _assert_clean(text: str) -> None:
    for form in _encodings():
        assert form not in text, form
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "::add-mask::" not in text and "::error" not in text
    assert not any(line.startswith("::") for line in text.splitlines())


def _echo(status: int) -> Callable[[Request], Answer]:
    """An error body that echoes the request back in every way a broken server might."""

    def answer(request: Request) -> Answer:
        sent = request.body.decode()
        basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        message = (
            f"\x1b[31mbad request\x1b[0m \x1b]0;pwned\x07 body {sent} "
            f"b64 {base64.b64encode(request.body).decode()} raw {SECRET} "
            f"Authorization: Basic {basic} {request.headers.get('Authorization', '')}\n"
            "::add-mask::nothing\n::error file=x.yaml::forged annotation\r\nmore " + "x" * 5000
        )
        body = {"error": "invalid_request", "message": message, "details": [{"field": "/a"}] * 999}
        return Answer(status, _json(body))

    return answer


def test_token_endpoint_echoing_the_secret_shows_it_nowhere(proxy: HostileProxy, run: Run) -> None:
    proxy.answer("POST", TOKEN, _echo(400))
    result = run("plan", "schedules")
    assert result.exit_code == 1
    assert _error(result).startswith(
        "error: POST /oauth/token answered HTTP 400 after 1 attempt: invalid_request: bad "
        "request body grant_type=client_credentials&client_id=cxsched-test&client_secret=***&scope="
    )
    assert "[cut]" in result.stderr
    assert len(result.stderr) < 1000
    _assert_clean(result.stdout + result.stderr)


def test_401_echoing_the_bearer_token_shows_no_token(proxy: HostileProxy, run: Run) -> None:
    proxy.answer("GET", LIST, _echo(401))
    result = run("plan", "schedules")
    assert result.exit_code == 1
    tokens = {
        r.headers["Authorization"].split()[1] for r in proxy.seen if "Authorization" in r.headers
    }
    assert len(tokens) == 2  # renewed once, refused again
    assert "Bearer ***" in result.stderr
    for token in tokens:
        assert token not in result.stderr
    _assert_clean(result.stdout + result.stderr)


def test_hostile_error_text_reaches_neither_the_trail_nor_audit_show(
    proxy: HostileProxy, run: Run
) -> None:
    proxy.answer("POST", LIST, _echo(400))
    result = run("apply", "--auto-approve", "schedules")
    assert result.exit_code == 1
    _assert_clean(result.stdout + result.stderr)
    trail = TRAIL.read_text(encoding="utf-8")
    _assert_clean(trail)
    assert "\\u001b" not in trail and "::add-mask::" not in trail
    failed = [r for r in records() if r["result"] == "failed"]
    assert failed and "bad request" in failed[0]["error"]
    shown = run("audit", "show")
    assert shown.exit_code == 0
    assert "bad request" in shown.stdout
    _assert_clean(shown.stdout)


def test_audit_show_strips_what_a_tampered_trail_holds(run: Run, tmp_path: Path) -> None:
    record: dict[str, object] = dict.fromkeys(RECORD_FIELDS)
    record.update(seq=1, event="write", hash="sha256:0", time="2027-01-04T00:00:00Z")
    record["error"] = "\x1b[2J\n::add-mask::x\nBearer abc.def"
    line = canonical_json(record)  # a line as cxsched writes it; only its content is hostile
    (tmp_path / "trail.jsonl").write_text(line + "\n", encoding="utf-8")
    shown = run("audit", "show", "--audit-file", "trail.jsonl")
    assert shown.exit_code == 0
    assert shown.stdout.endswith("error: Bearer ***\n")
    _assert_clean(shown.stdout)


# --- a total deadline and a size cap per call -------------------------------------------------


def test_a_dripped_body_is_cut_off_at_the_call_deadline(proxy: HostileProxy, run: Run) -> None:
    body = _json({"schedules": [], "padding": "x" * 200})
    proxy.answer("GET", LIST, Answer(200, body, drip=0.1))  # 20 s at one byte per 0.1 s
    began = time.monotonic()
    result = run("plan", "--call-deadline", "0.5", "--timeout", "5", "schedules")
    elapsed = time.monotonic() - began
    assert result.exit_code == 1
    assert _error(result) == (
        "error: GET /api/v2/campaigns/c1/schedules answered HTTP 200 after 1 attempt: no "
        "complete answer within the 0.5 s limit per call. The API is too slow or its answer "
        "never ends; run again later, or raise the limit with --call-deadline or "
        "CXONE_CALL_DEADLINE.\n"
    )
    assert elapsed < 3.0


def test_a_slow_status_line_is_cut_off_too(proxy: HostileProxy, run: Run) -> None:
    def late(request: Request) -> Answer:
        time.sleep(2.0)
        return Answer(200, _json({"maxConcurrentCalls": 10, "maxCallRate": 10}))

    proxy.answer("GET", CAPACITY, late)
    began = time.monotonic()
    result = run("plan", "--call-deadline", "0.5", "schedules")
    assert result.exit_code == 1
    assert _error(result).startswith(
        "error: GET /api/v2/dialer/capacity got no response after 1 attempt: no complete "
        "answer within the 0.5 s limit per call."
    )
    assert time.monotonic() - began < 1.9


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_a_huge_body_is_refused_at_the_size_cap(
    proxy: HostileProxy, run: Run, declared: bool
) -> None:
    huge = _json({"schedules": [], "padding": "x" * 3_000_000})
    headers = {"Content-Type": "application/json"}
    proxy.answer("GET", LIST, Answer(200, huge, headers, length=None if declared else -1))
    result = run("plan", "--max-response-mb", "1", "schedules")
    assert result.exit_code == 1
    assert _error(result) == (
        "error: GET /api/v2/campaigns/c1/schedules answered HTTP 200 after 1 attempt: the "
        "answer is larger than the 1,048,576-byte limit per call. Raise the limit with "
        "--max-response-mb or CXONE_MAX_RESPONSE_MB only if the tenant really sends that much; "
        "otherwise report the call.\n"
    )


def test_limits_come_from_the_environment(
    proxy: HostileProxy, emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_file(tmp_path, "c1", "Evenings")
    proxy.answer("GET", LIST, Answer(200, _json({"schedules": [], "pad": "x" * 5000})))
    env = {
        "CXONE_BASE_URL": proxy.base_url,
        "CXONE_CLIENT_ID": CLIENT_ID,
        "CXONE_CLIENT_SECRET": SECRET,
        "CXONE_MAX_RESPONSE_MB": "0.001",
        "CXONE_CALL_DEADLINE": "5",
    }
    result = CliRunner().invoke(main, ["plan", "schedules"], env=env)
    assert result.exit_code == 1
    assert "larger than the 1,049-byte limit per call" in result.stderr
    env["CXONE_CALL_DEADLINE"] = "nan"
    result = CliRunner().invoke(main, ["plan", "schedules"], env=env)
    assert result.exit_code == 1
    assert _error(result).startswith("error: CXONE_CALL_DEADLINE (or --call-deadline) must be")


# --- pages and numbers ------------------------------------------------------------------------


def test_a_repeated_next_page_token_stops_at_once(proxy: HostileProxy, run: Run) -> None:
    proxy.answer("GET", LIST, Answer(200, _json({"schedules": [], "nextPage": "again"})))
    result = run("plan", "schedules")
    assert result.exit_code == 1
    assert _error(result).startswith(
        "error: GET /api/v2/campaigns/c1/schedules answered HTTP 200 after 1 attempt: the "
        "server handed out the same nextPage token again after 2 pages; the listing would "
        "never end."
    )
    assert sum(1 for r in proxy.seen if r.path.startswith(LIST)) == 2


_CAPACITY_BODIES = {
    "nan-rate": b'{"maxConcurrentCalls": 100, "maxCallRate": NaN}',
    "infinite-rate": b'{"maxConcurrentCalls": 100, "maxCallRate": Infinity}',
    "overflowing": b'{"maxConcurrentCalls": 1e400, "maxCallRate": 10}',
    "huge-integer": b'{"maxConcurrentCalls": ' + b"9" * 5000 + b', "maxCallRate": 10}',
    "deep": b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("body", _CAPACITY_BODIES.values(), ids=_CAPACITY_BODIES.keys())
def test_unusable_numbers_and_nesting_are_a_clean_error_naming_the_call(
    proxy: HostileProxy, run: Run, body: bytes
) -> None:
    proxy.answer("GET", CAPACITY, Answer(200, body))
    result = run("plan", "schedules")
    assert result.exit_code == 1
    assert _error(result).startswith(
        "error: GET /api/v2/dialer/capacity answered HTTP 200 after 1 attempt: the body is not "
        "usable JSON: "
    )
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_a_deeply_nested_listing_is_a_clean_error(proxy: HostileProxy, run: Run) -> None:
    deep = b'{"schedules": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    proxy.answer("GET", LIST, Answer(200, deep))
    result = run("plan", "schedules")
    assert result.exit_code == 1
    assert "GET /api/v2/campaigns/c1/schedules answered HTTP 200" in result.stderr
    assert "nested deeper than 64 levels" in result.stderr


def test_a_nan_capacity_cannot_switch_the_limit_check_off(proxy: HostileProxy, run: Run) -> None:
    proxy.answer("GET", CAPACITY, Answer(200, b'{"maxConcurrentCalls": NaN, "maxCallRate": 1}'))
    result = run("apply", "--auto-approve", "schedules")
    assert result.exit_code == 1
    assert "it holds NaN, which JSON does not allow" in result.stderr
    assert not [r for r in proxy.seen if r.method == "POST" and r.path.startswith(LIST)]


def test_an_id_with_escape_sequences_is_refused_not_shown(proxy: HostileProxy, run: Run) -> None:
    schedule = {"id": "\x1b]8;;http://evil.example\x07x", "etag": "1", "name": "Evenings"}
    proxy.answer("GET", LIST, Answer(200, _json({"schedules": [schedule]})))
    result = run("plan", "schedules")
    assert result.exit_code == 1
    assert _error(result) == (
        "error: GET /api/v2/campaigns/c1/schedules answered HTTP 200 after 1 attempt: field "
        "'id' is not an identifier (printable ASCII, at most 256). Run again with -v to see "
        "each request; report the call if it persists.\n"
    )
    _assert_clean(result.stdout + result.stderr)


def test_a_compressed_bomb_counts_decoded_bytes(proxy: HostileProxy, run: Run) -> None:
    bomb = gzip.compress(b'{"schedules": [], "pad": "' + b"0" * 50_000_000 + b'"}', 9)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    proxy.answer("GET", LIST, Answer(200, bomb, headers))
    result = run("plan", "--max-response-mb", "1", "schedules")
    assert len(bomb) < 100_000
    assert result.exit_code == 1
    assert "the answer is larger than the 1,048,576-byte limit per call" in _error(result)


def test_a_live_name_cannot_hide_text_or_forge_commands_in_the_plan(
    proxy: HostileProxy, run: Run
) -> None:
    name = "Promo\x9b2J\u202eevil\n::error file=a.yaml::forged\x1b[31m"
    schedule = {"id": "s-1", "etag": "1", "name": name, "timeZone": "UTC"}
    proxy.answer("GET", LIST, Answer(200, _json({"schedules": [schedule]})))
    for fmt in ("text", "markdown"):
        result = run("plan", "--format", fmt, "schedules")
        assert result.exit_code == 0, result.stderr
        assert "s-1" in result.stdout
        assert not any(ch in result.stdout for ch in "\x9b\u202e\x1b")
        assert "u009b2J" in result.stdout and "u202eevil" in result.stdout
        assert not any(line.lstrip().startswith("::") for line in result.stdout.splitlines())
