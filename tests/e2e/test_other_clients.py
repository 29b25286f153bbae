"""The same server spoken to without the Python client: a hand-written HTTP/1.1 request over a
raw socket, and ``curl`` when it is installed."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from openrouter_stt_mock import DEFAULT_API_KEY
from tests.e2e.conftest import Server

DATA = Path(__file__).resolve().parents[1] / "data"
PATH = "/api/v1/audio/transcriptions"
SOCKET_SECONDS = 10.0
MAX_RESPONSE_BYTES = 1 << 20


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def request_body(model: str = "openai/whisper-large-v3", fmt: str = "ogg") -> bytes:
    audio = (DATA / f"hello.{fmt}").read_bytes()
    document = {
        "model": model,
        "input_audio": {"data": base64.b64encode(audio).decode(), "format": fmt},
    }
    return json.dumps(document).encode()


def parse_reply(raw: bytes) -> Reply:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    version, status, _ = status_line.split(" ", 2)
    assert version in ("HTTP/1.1", "HTTP/1.0"), status_line
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        assert len(body) == int(headers["content-length"]), "body shorter than Content-Length"
    return Reply(int(status), headers, body)


def over_socket(server: Server, body: bytes, headers: dict[str, str]) -> Reply:
    """POST ``body`` with a request written by hand, then read until the server closes."""
    lines = [
        f"POST {PATH} HTTP/1.1",
        f"Host: {server.host}:{server.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    received = bytearray()
    with socket.create_connection((server.host, server.port), timeout=SOCKET_SECONDS) as conn:
        conn.sendall(request)
        while len(received) < MAX_RESPONSE_BYTES:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
    return parse_reply(bytes(received))


def test_a_transcription_over_a_raw_socket(server: Server, sample_transcript: str) -> None:
    reply = over_socket(server, request_body(), {"Authorization": f"Bearer {DEFAULT_API_KEY}"})
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.headers["x-generation-id"].startswith("gen-")
    assert reply.json() == {
        "text": sample_transcript,
        "usage": {
            "cost": 0.000508,
            "input_tokens": 83,
            "output_tokens": 30,
            "seconds": 9.2,
            "total_tokens": 113,
        },
    }


def test_no_key_over_a_raw_socket_is_a_401(server: Server) -> None:
    reply = over_socket(server, request_body(), {})
    assert reply.status == 401
    assert reply.json() == {
        "error": {"code": 401, "message": "Missing Authentication header", "metadata": None},
        "user_id": None,
    }


def test_a_forced_429_over_a_raw_socket_has_its_headers(server: Server) -> None:
    reply = over_socket(
        server, request_body(), {"Authorization": f"Bearer {DEFAULT_API_KEY}", "Prefer": "code=429"}
    )
    assert reply.status == 429
    for name in ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert reply.headers[name].isdigit(), name
    assert reply.json()["error"]["code"] == 429  # type: ignore[index]


def test_a_declared_body_over_the_limit_is_a_413_before_it_is_sent(server: Server) -> None:
    lines = [
        f"POST {PATH} HTTP/1.1",
        f"Host: {server.host}:{server.port}",
        "Content-Type: application/json",
        f"Authorization: Bearer {DEFAULT_API_KEY}",
        "Content-Length: 999999999",
        "Connection: close",
    ]
    received = bytearray()
    with socket.create_connection((server.host, server.port), timeout=SOCKET_SECONDS) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        conn.shutdown(socket.SHUT_WR)
        while len(received) < MAX_RESPONSE_BYTES:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
    reply = parse_reply(bytes(received))
    assert reply.status == 413
    assert reply.json()["error"]["code"] == 413  # type: ignore[index]


CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def run_curl(server: Server, tmp_path: Path, body: bytes, *headers: str) -> Reply:
    assert CURL is not None
    payload = tmp_path / "body.json"
    payload.write_bytes(body)
    args = [CURL, "--silent", "--show-error", "--include", "--max-time", "10", "--http1.1"]
    for header in ("Content-Type: application/json", *headers):
        args += ["--header", header]
    args += ["--data-binary", f"@{payload}", server.url + PATH]
    done = subprocess.run(args, capture_output=True, timeout=20, check=True)
    return parse_reply(done.stdout)


@needs_curl
def test_a_transcription_with_curl(server: Server, tmp_path: Path, sample_transcript: str) -> None:
    reply = run_curl(
        server,
        tmp_path,
        request_body("openai/whisper-1", "mp3"),
        f"Authorization: Bearer {DEFAULT_API_KEY}",
    )
    assert reply.status == 200, reply.body
    assert reply.headers["x-generation-id"].startswith("gen-")
    document = reply.json()
    assert document["text"] == sample_transcript  # type: ignore[index]
    assert set(document["usage"]) == {"seconds", "cost"}  # type: ignore[index]


@needs_curl
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ((), 401),
        ((f"Authorization: Bearer {DEFAULT_API_KEY}", "Prefer: code=503"), 503),
        (("Authorization: Bearer sk-or-mock-broke",), 402),
    ],
)
def test_errors_with_curl(
    server: Server, tmp_path: Path, headers: tuple[str, ...], status: int
) -> None:
    reply = run_curl(server, tmp_path, request_body(), *headers)
    assert reply.status == status
    assert reply.json()["error"]["code"] == status  # type: ignore[index]
    if status == 503:
        assert reply.headers["retry-after"].isdigit()
