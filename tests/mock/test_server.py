"""Serving over a real socket: a request head and a body that stall are timed out with a 408.

One ``openrouter-stt mock`` in a child process on loopback, with deadlines of a fraction of a
second so the tests are quick; raw sockets play the misbehaving clients.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrouter_stt_mock import MockConfig
from openrouter_stt_mock.cli import build_parser

from .conftest import ENDPOINT, body

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
# scripts/ is no package: its one way of starting the mock in a child process, as in soak.
from _mockproc import start, stop

DEADLINE = 0.5


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("server") / "stderr"
    deadlines = ["--head-timeout", str(DEADLINE), "--body-timeout", str(DEADLINE)]
    process, url = start(deadlines, log, lifetime=120)
    try:
        yield url
    finally:
        stop(process)


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    began, data = time.monotonic(), b""
    while chunk := sock.recv(65536):
        data += chunk
    return data, time.monotonic() - began


def _answer(data: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
    return int(status_line.split()[1]), headers, json.loads(body)


def test_half_a_request_head_gets_408_and_the_connection_closed(url: str) -> None:
    with _connect(url) as sock:
        sock.sendall(b"POST " + ENDPOINT.encode() + b" HTTP/1.1\r\nHost: mock\r\nContent-Ty")
        data, waited = _read_until_closed(sock)
    status, headers, answer = _answer(data)
    assert status == 408
    assert headers["connection"] == "close"
    assert answer["error"] == {
        "code": 408,
        "message": f"Request Timeout: the request head did not arrive within {DEADLINE:g} s",
        "metadata": None,
    }
    assert DEADLINE * 0.9 <= waited < DEADLINE + 5


def test_a_connection_that_sends_nothing_is_closed(url: str) -> None:
    with _connect(url) as sock:
        data, waited = _read_until_closed(sock)
    assert data == b""  # nothing was asked, so nothing is answered
    assert waited < DEADLINE + 5


def test_a_stalled_head_on_a_kept_alive_connection_gets_408(url: str) -> None:
    with _connect(url) as sock:
        sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: mock\r\n\r\n")
        first = b""
        while b"\r\n\r\n" not in first:
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        # The whole spec follows; then a second head that never ends.
        sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHo")
        data, _ = _read_until_closed(sock)
    assert b"HTTP/1.1 408 Request Timeout\r\n" in data


def test_a_body_three_bytes_short_gets_408_and_the_connection_closed(url: str) -> None:
    payload = json.dumps(
        {"model": "openai/whisper-1", "input_audio": {"format": "wav", "data": "AAAA"}}
    ).encode()
    with _connect(url) as sock:
        sock.sendall(
            b"POST " + ENDPOINT.encode() + b" HTTP/1.1\r\nHost: mock\r\n"
            b"Authorization: Bearer sk-or-mock-ok\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(payload) + payload[:-3]
        )
        data, waited = _read_until_closed(sock)
    status, headers, answer = _answer(data)
    assert status == 408
    assert headers["connection"] == "close"
    error = answer["error"]
    assert isinstance(error, dict)
    assert error["code"] == 408
    assert error["message"] == f"Request Timeout: no byte of the body arrived for {DEADLINE:g} s"
    assert error["metadata"] == {
        "body_timeout_seconds": DEADLINE,
        "received_bytes": len(payload) - 3,
    }
    assert DEADLINE * 0.9 <= waited < DEADLINE + 5


def test_a_body_that_keeps_coming_is_served(url: str) -> None:
    # The body deadline is for a stall, not for a slow upload: pieces closer than the deadline
    # keep it alive however long the whole body takes.
    payload = json.dumps(body("wav", "openai/whisper-1")).encode()
    size = len(payload) // 4 + 1
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
    with _connect(url) as sock:
        sock.sendall(
            b"POST " + ENDPOINT.encode() + b" HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n"
            b"Authorization: Bearer sk-or-mock-ok\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(payload)
        )
        for piece in pieces:
            time.sleep(DEADLINE / 2)
            sock.sendall(piece)
        data, _ = _read_until_closed(sock)
    status, _, answer = _answer(data)
    assert status == 200, answer
    assert len(pieces) * DEADLINE / 2 > DEADLINE  # the whole took longer than one deadline


def test_the_deadlines_are_documented_defaults_of_at_most_30_seconds() -> None:
    config, args = MockConfig(), build_parser().parse_args([])
    assert (args.head_timeout, args.body_timeout) == (
        config.head_timeout_seconds,
        config.body_timeout_seconds,
    )
    assert 0 < config.head_timeout_seconds <= 30
    assert 0 < config.body_timeout_seconds <= 30


@pytest.mark.parametrize("value", ["0", "-1", "inf", "soon"])
def test_a_deadline_must_be_a_number_of_seconds_above_0(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--body-timeout", value])
    assert "a number of seconds above 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="head_timeout_seconds must be a number of seconds"):
        MockConfig(head_timeout_seconds=float(value) if value != "soon" else -1.0)


def test_three_hundred_half_heads_are_all_dropped_within_the_deadline(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's probe: 300 connections that each sent half a request head."""
    import selectors

    socks = [_connect(url) for _ in range(300)]
    began = time.monotonic()
    selector = selectors.DefaultSelector()
    try:
        for sock in socks:
            sock.sendall(b"POST " + ENDPOINT.encode() + b" HTTP/1.1\r\nHost: mock\r\nContent-Ty")
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, bytearray())
        closed_after: list[float] = []
        # Bounded: every connection closes, or the test gives up well past the deadline.
        while len(closed_after) < len(socks) and time.monotonic() - began < DEADLINE + 10:
            for key, _ in selector.select(timeout=1):
                chunk = key.fileobj.recv(65536)  # type: ignore[union-attr]
                if chunk:
                    key.data.extend(chunk)
                    continue
                selector.unregister(key.fileobj)
                closed_after.append(time.monotonic() - began)
                assert bytes(key.data).startswith(b"HTTP/1.1 408 Request Timeout\r\n")
        # Meanwhile the server still serves.
        with _connect(url) as sock:
            sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\r\n")
            assert _read_until_closed(sock)[0].startswith(b"HTTP/1.1 200 ")
    finally:
        selector.close()
        for sock in socks:
            sock.close()
    assert len(closed_after) == 300
    with capsys.disabled():
        print(
            f"\n300 half-sent heads: all answered 408 and closed, the last "
            f"{max(closed_after):.2f} s after they were sent (deadline {DEADLINE} s)"
        )
    assert max(closed_after) < DEADLINE + 5
