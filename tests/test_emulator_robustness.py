"""Bad input never crashes, hangs or leaks: every refusal is a JSON 4xx; state survives."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.emulator import Emulator, StateFileError
from support.emulator import EmulatorFactory, EmulatorSession

SCHEDULES = "/api/v2/campaigns/c1/schedules"
BODY = {
    "name": "Evenings",
    "startTime": "2026-12-01T08:00:00Z",
    "endTime": "2027-03-01T00:00:00Z",
    "timeZone": "Europe/Paris",
}


def _raw(emulator: Emulator, data: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Send raw bytes on a new connection; the status, headers and JSON body answered."""
    host, port = emulator.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def _alive(session: EmulatorSession) -> None:
    assert session.call("GET", "/api/v2/dialer/capacity").status_code == 200


def test_malformed_json_is_400(emulator_session: EmulatorSession) -> None:
    for body in (b"{not json", b"[1,", b'{"a": NaN}', b"\xff\xfe", b"[" * 100_000):
        response = emulator_session.call(
            "POST", SCHEDULES, data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, body[:10]
        assert response.json()["error"] == "invalid_json"
    _alive(emulator_session)


def test_non_object_json_is_400(emulator_session: EmulatorSession) -> None:
    response = emulator_session.call("POST", SCHEDULES, json=[BODY])
    assert response.status_code == 400
    assert response.json()["message"] == "the request body must be a JSON object"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/xml"])
def test_wrong_content_type_is_415(
    emulator_session: EmulatorSession, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = emulator_session.call(
        "POST", SCHEDULES, data=json.dumps(BODY).encode(), headers=headers
    )
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def test_json_with_charset_is_accepted(emulator_session: EmulatorSession) -> None:
    response = emulator_session.call(
        "POST",
        SCHEDULES,
        data=json.dumps(BODY).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


def test_oversized_body_is_413_and_the_server_goes_on(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator_session.token()
    big = b'{"name": "' + b"x" * (3 << 19) + b'"}'
    response = emulator_session.call(
        "POST", SCHEDULES, data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert response.headers["Connection"] == "close"
    assert emulator.count("POST /api/v2/campaigns/{campaignId}/schedules", 413) == 1
    _alive(emulator_session)


def test_unknown_path_is_404_and_wrong_method_405(emulator_session: EmulatorSession) -> None:
    missing = emulator_session.call("GET", "/api/v2/campaigns")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "not_found",
        "message": "no endpoint at /api/v2/campaigns; see /openapi.json",
    }
    wrong = emulator_session.call("PUT", f"{SCHEDULES}/abc", json=BODY)
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, PATCH, DELETE"
    exotic = emulator_session.call("BREW", SCHEDULES)
    assert exotic.status_code == 405
    assert emulator_session.call("GET", "/").status_code == 404
    assert emulator_session.call("GET", "/api/v2/campaigns//schedules").status_code == 404


def test_head_gets_headers_only(emulator: Emulator) -> None:
    response = requests.head(f"{emulator.base_url}/openapi.json", timeout=5)
    assert response.status_code == 405
    assert response.content == b""


def test_huge_page_size_is_400(emulator_session: EmulatorSession) -> None:
    response = emulator_session.call("GET", f"{SCHEDULES}?pageSize={'9' * 5000}")
    assert response.status_code == 400


def test_header_flood_is_431_json(emulator: Emulator) -> None:
    headers = "".join(f"X-Flood-{i}: {i}\r\n" for i in range(150))
    status, answer_headers, body = _raw(
        emulator, f"GET /openapi.json HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode()
    )
    assert status == 431
    assert answer_headers["Content-Type"] == "application/json"
    assert body["error"] == "request_header_fields_too_large"
    assert emulator.count("unknown", 431) == 1


def test_long_header_line_is_431(emulator: Emulator) -> None:
    line = "X-Long: " + "a" * 70_000
    status, _, body = _raw(emulator, f"GET / HTTP/1.1\r\n{line}\r\n\r\n".encode())
    assert (status, body["error"]) == (431, "request_header_fields_too_large")


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"POST /oauth/token HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST /oauth/token HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort", 400),
        (b"POST /oauth/token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
    ],
)
def test_unreadable_requests_get_json_errors(
    emulator: Emulator, request_bytes: bytes, status: int
) -> None:
    sent = request_bytes
    if b"short" in sent:  # end the body early by half-closing our side
        host, port = emulator.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(sent)
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 400 ")
        return
    answered, headers, body = _raw(emulator, sent)
    assert answered == status
    assert headers["Content-Type"] == "application/json"
    assert set(body) == {"error", "message"}


def test_connection_flood_is_refused_without_new_threads(
    emulator: Emulator, emulator_session: EmulatorSession
) -> None:
    emulator_session.token()
    host, port = emulator.base_url.removeprefix("http://").split(":")
    before = threading.active_count()
    sockets = [socket.create_connection((host, int(port)), timeout=5) for _ in range(100)]
    try:
        busy = sockets[-1].recv(4096)
        assert busy.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        assert b'"error":"service_unavailable"' in busy
        assert threading.active_count() <= before + 24
    finally:
        for sock in sockets:
            sock.close()
    _alive(emulator_session)
    assert emulator.count("unknown", 503) >= 1


def test_concurrent_clients_are_all_served(emulator: Emulator) -> None:
    results: list[int] = []

    def work() -> None:
        session = EmulatorSession(emulator)
        results.extend(session.call("GET", SCHEDULES).status_code for _ in range(20))
        session.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [200] * 160


def test_openapi_document_is_served(emulator: Emulator) -> None:
    response = requests.get(f"{emulator.base_url}/openapi.json", timeout=5)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v2/campaigns/{campaignId}/schedules/{scheduleId}" in document["paths"]


def test_state_survives_a_restart_with_the_same_etags(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    state = tmp_path / "state" / "emulator.json"
    first = emulator_factory(campaigns=("c1",), state_file=state)
    created = first.create_schedule("c1", BODY)
    edited = first.edit_schedule("c1", created["id"], {"description": "kept"})
    first.set_capacity(120, 20.0)
    first.close()
    assert [p.name for p in state.parent.iterdir()] == ["emulator.json"]
    second = emulator_factory(state_file=state, campaigns=("c2",))
    assert second.schedules("c1") == [edited]
    assert second.schedules("c2") == []
    session = EmulatorSession(second)
    fetched = session.call("GET", f"{SCHEDULES}/{created['id']}")
    assert fetched.headers["ETag"] == edited["etag"]
    capacity = session.call("GET", "/api/v2/dialer/capacity").json()
    assert capacity == {"maxConcurrentCalls": 120, "maxCallRate": 20.0}
    deleted = session.call(
        "DELETE", f"{SCHEDULES}/{created['id']}", headers={"If-Match": edited["etag"]}
    )
    assert deleted.status_code == 204
    session.close()
    assert json.loads(state.read_text())["campaigns"] == {"c1": [], "c2": []}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "emulator.json:1: the emulator state is not valid JSON"),
        ('{"formatVersion": 9, "campaigns": {}}', "not an emulator state file"),
        ('{"formatVersion": 1, "campaigns": {"c1": [{"x": 1}]}}', "malformed"),
        ("\udcff", "cannot read the emulator state"),
    ],
)
def test_corrupt_state_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    state = tmp_path / "emulator.json"
    state.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(StateFileError, match=message) as refused:
        Emulator(state_file=state)
    assert "delete" in str(refused.value) or "fix" in str(refused.value)


def test_unwritable_state_file_fails_the_write_cleanly(
    emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    blocker = tmp_path / "later-a-file"
    emulator = emulator_factory(campaigns=("c1",), state_file=blocker / "state.json")
    blocker.write_text("")
    session = EmulatorSession(emulator)
    response = session.call("POST", SCHEDULES, json=BODY)
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert response.json()["message"].startswith("cannot write the emulator state ")
    assert emulator.schedules("c1") == []
    _alive(session)
    session.close()
