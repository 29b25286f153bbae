"""Helpers of the reliability tests: a mock server in its own process, worlds as files, raw
HTTP over sockets, and readings of memory and open files.

Every server started here binds 127.0.0.1, and stops by itself when the test process goes away
or after a bounded lifetime, whichever comes first.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
# One way to run the mock in a child process, shared with scripts/soak; rss_bytes is re-exported.
from _mockproc import rss_bytes as rss_bytes
from _mockproc import start, stop

from openrouter_stt_mock import IN_PROCESS_BASE_URL

DATA = Path(__file__).resolve().parents[1] / "data"
ENDPOINT = "/api/v1/audio/transcriptions"
#: The in-process mock's root: the endpoint and the control routes are paths under it.
ROOT_URL = IN_PROCESS_BASE_URL.removesuffix("/api/v1")
FORMATS = ("wav", "mp3", "flac", "m4a", "ogg", "webm", "aac")
MODEL = "openai/whisper-large-v3"
#: The price per second of audio in the worlds written here.
PRICE = Decimal("0.0001")


def sample(fmt: str = "ogg") -> bytes:
    """A bundled 9.2 s sample."""
    return (DATA / f"hello.{fmt}").read_bytes()


def request_body(fmt: str = "ogg", *, audio: bytes | None = None, **extra: Any) -> dict[str, Any]:
    """A good request body for the bundled sample (or ``audio``) in ``fmt``."""
    data = base64.b64encode(sample(fmt) if audio is None else audio).decode()
    return {"model": MODEL, "input_audio": {"data": data, "format": fmt}, **extra}


def auth(key: str) -> dict[str, str]:
    """The ``Authorization`` header for ``key``."""
    return {"Authorization": f"Bearer {key}"}


def check_error_shape(status: int, payload: Any) -> dict[str, Any]:
    """Assert ``payload`` is the spec's error body for ``status``; return its ``error``."""
    assert isinstance(payload, dict), payload
    assert set(payload) <= {"error", "user_id"}, payload
    error = payload["error"]
    assert isinstance(error, dict), payload
    assert error["code"] == status, payload
    assert isinstance(error["message"], str), payload
    assert error["message"], payload
    return error


def world_toml(
    keys: Mapping[str, Mapping[str, Any]],
    *,
    max_body_bytes: int | None = None,
    latency: float = 0.0,
) -> str:
    """A world file: ``keys`` maps a key to ``credit`` (Decimal) and optional ``rate`` (requests,
    window seconds); one model, :data:`MODEL`, at :data:`PRICE` per second."""
    lines = []
    if max_body_bytes is not None:
        lines += ["[limits]", f"max_body_bytes = {max_body_bytes}", ""]
    for name, spec in keys.items():
        lines.append(f'[keys."{name}"]')
        lines.append(f'credit_usd = "{spec["credit"]}"')
        if spec.get("rate") is not None:
            requests, window = spec["rate"]
            lines.append(f"rate_limit = {{ requests = {requests}, window_seconds = {window} }}")
        lines.append("")
    lines += [
        f'[[models."{MODEL}".providers]]',
        'name = "OpenAI"',
        f'price_per_second = "{PRICE}"',
        f"latency_seconds = {latency}",
        "",
    ]
    return "\n".join(lines)


@dataclass
class ServerProcess:
    """A mock served by ``openrouter-stt mock`` in a child process."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    @property
    def base_url(self) -> str:
        """The client's base URL."""
        return self.url + "/api/v1"

    def stderr(self) -> str:
        """What the server wrote to stderr so far."""
        return self.log.read_text(errors="replace")


@contextmanager
def server_process(
    tmp: Path, *args: str, world: str | None = None, lifetime: float = 300.0
) -> Iterator[ServerProcess]:
    """Start the mock in a child process on a free loopback port; stop it afterwards."""
    extra = list(args)
    if world is not None:
        world_file = tmp / "world.toml"
        world_file.write_text(world)
        extra += ["--world", str(world_file)]
    log = tmp / "server.stderr"
    process, url = start(extra, log, lifetime=lifetime)
    try:
        yield ServerProcess(process, url, log)
    finally:
        stop(process)


def open_fds() -> list[str]:
    """What each open file descriptor of this process points at."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{name}"))
        except OSError:  # the descriptor listdir itself used, closed since
            continue
    return found


@dataclass
class RawAnswer:
    """An HTTP response read off a socket."""

    status: int
    headers: dict[str, str]
    body: bytes


def parse_answer(data: bytes) -> RawAnswer | None:
    """The first HTTP response in ``data``, or ``None`` when there is none (a dropped link)."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", len(rest)))
    return RawAnswer(int(status_line.split()[1]), headers, rest[:length])


def raw_exchange(
    url: str,
    head: bytes,
    body_parts: list[bytes],
    *,
    pause: float = 0.0,
    close_early: bool = False,
    timeout: float = 10.0,
) -> RawAnswer | None:
    """Send ``head`` then ``body_parts`` (``pause`` seconds apart) on a fresh connection, and
    read the answer; with ``close_early`` the socket closes once the parts are sent."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        try:
            sock.sendall(head)
            for part in body_parts:
                if pause:
                    time.sleep(pause)
                sock.sendall(part)
        except OSError:  # the server answered and closed before the body was all sent
            pass
        if close_early:
            return None
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:
            pass
    return parse_answer(b"".join(chunks))


def request_head(
    content_length: int | None, *, key: str = "k", extra: Mapping[str, str] | None = None
) -> bytes:
    """The request line and headers of a POST to the endpoint (chunked when no length)."""
    lines = [
        f"POST {ENDPOINT} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {key}",
        "Content-Type: application/json",
        "Connection: close",
    ]
    lines.append(
        "Transfer-Encoding: chunked"
        if content_length is None
        else f"Content-Length: {content_length}"
    )
    lines += [f"{name}: {value}" for name, value in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(parts: list[bytes]) -> list[bytes]:
    """``parts`` framed as HTTP/1.1 chunks, with the closing chunk."""
    return [f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in parts] + [b"0\r\n\r\n"]


def sample_cost(fmt: str = "ogg") -> Decimal:
    """What one request with the bundled sample in ``fmt`` costs in the worlds written here."""
    from openrouter_stt_mock.audio import audio_duration
    from openrouter_stt_mock.measure import Audio
    from openrouter_stt_mock.usage import Bill
    from openrouter_stt_mock.world import ProviderSpec

    raw = sample(fmt)
    audio = Audio(fmt, len(raw), "", audio_duration(raw, fmt))  # type: ignore[arg-type]
    return Bill(audio).cost(ProviderSpec("OpenAI", PRICE))


@contextmanager
def thread_server(app: Any, **config: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free 127.0.0.1 port; yield its URL.

    ``config`` adds to or overrides uvicorn's settings (e.g. ``log_level``, ``access_log``)."""
    import threading

    import uvicorn

    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "log_level": "warning",
        "lifespan": "off",
        "timeout_graceful_shutdown": 1,
        **config,
    }
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    thread = threading.Thread(target=server.run, name="reliability-mock", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10.0
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            raise RuntimeError("the mock server did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10.0)
