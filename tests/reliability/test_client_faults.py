"""Faults on the wire, met by the real client over a real server on 127.0.0.1.

A dropped connection, a truncated body, a response that stalls past the read timeout and a storm
of 503s each raise the documented exception; only retryable failures are retried, never more
than ``max_retries`` times (counted in the mock's journal), never past the policy's total
deadline; and no file or connection is left open, sync or async.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from openrouter_stt import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncOpenRouterSTT,
    OpenRouterSTT,
    RetryPolicy,
    ServiceUnavailableError,
)
from openrouter_stt_mock import DEFAULT_API_KEY, create_app
from openrouter_stt_mock.pytest_plugin import MockServer

from ._support import DATA, MODEL, open_fds, thread_server

AUDIO = DATA / "hello.ogg"
FAST = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05, jitter=0.0)
# Slack for the deadline: the last attempt's own timeout may run up to it, then the error is
# raised; scheduling on a busy CI machine adds a little.
SLACK = 0.75


def transcribe(kind: str, server: MockServer, audio: Any = AUDIO, **settings: Any) -> Any:
    """Call ``transcribe`` once with a fresh sync or async client that owns its connections."""
    settings.setdefault("retry_policy", FAST)
    if kind == "sync":
        with OpenRouterSTT(DEFAULT_API_KEY, base_url=server.base_url, **settings) as client:
            return client.transcribe(audio, model=MODEL)

    async def run() -> Any:
        async with AsyncOpenRouterSTT(
            DEFAULT_API_KEY, base_url=server.base_url, **settings
        ) as client:
            return await client.transcribe(audio, model=MODEL)

    return anyio.run(run)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def served() -> Iterator[MockServer]:
    """One server for the module (the journal and queue are reset between tests)."""
    app = create_app()
    with thread_server(app) as url:
        yield MockServer(app, url)


@pytest.fixture
def server(served: MockServer) -> Iterator[MockServer]:
    served.handle.reset()
    yield served
    served.handle.reset()


def attempts(server: MockServer) -> int:
    return len(server.handle.journal)


@pytest.mark.parametrize("fault", ["reset", "truncated"])
def test_broken_connections_raise_connection_errors_after_every_retry(
    kind: str, server: MockServer, fault: Any
) -> None:
    server.handle.queue(fault=fault, times=3)
    with pytest.raises(APIConnectionError) as caught:
        transcribe(kind, server)
    assert not isinstance(caught.value, APITimeoutError)
    assert attempts(server) == FAST.max_retries + 1
    assert server.handle.scenarios.pending() == ()


@pytest.mark.parametrize("fault", ["reset", "truncated", "stall"])
def test_a_fault_then_success_is_retried_once(kind: str, server: MockServer, fault: Any) -> None:
    server.handle.queue(fault=fault)
    result = transcribe(kind, server, timeout=0.3)
    assert result.text
    assert attempts(server) == 2


def test_a_stall_past_the_read_timeout_raises_a_timeout(kind: str, server: MockServer) -> None:
    server.handle.queue(fault="stall", times=3)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        transcribe(kind, server, timeout=0.2)
    elapsed = time.monotonic() - started
    assert attempts(server) == FAST.max_retries + 1
    # Three attempts of 0.2 s each, and short sleeps: not the server's 30 s stall.
    assert elapsed < 3 * 0.2 + SLACK + 1.0


def test_a_503_storm_raises_service_unavailable_after_max_retries(
    kind: str, server: MockServer
) -> None:
    server.handle.queue(503, headers={"Retry-After": "0.05"}, times=10)
    with pytest.raises(ServiceUnavailableError) as caught:
        transcribe(kind, server, max_retries=4)
    assert caught.value.status_code == 503
    assert attempts(server) == 5
    server.handle.scenarios.clear()


@pytest.mark.parametrize("status", [400, 401, 402, 404, 413])
def test_errors_about_the_request_are_not_retried(
    kind: str, server: MockServer, status: int
) -> None:
    server.handle.queue(status, times=3)
    with pytest.raises(APIStatusError) as caught:
        transcribe(kind, server, max_retries=5)
    assert caught.value.status_code == status
    assert attempts(server) == 1
    server.handle.scenarios.clear()


@pytest.mark.parametrize(
    ("plan", "error"),
    [
        ({"fault": "stall"}, APITimeoutError),
        ({"status": 503, "headers": {"Retry-After": "0.2"}}, ServiceUnavailableError),
        ({"fault": "reset", "latency": 0.15}, APIConnectionError),
    ],
    ids=["stalls", "503-storm", "slow-resets"],
)
def test_never_past_the_total_deadline(
    kind: str, server: MockServer, plan: dict[str, Any], error: type[Exception]
) -> None:
    deadline = 0.8
    policy = RetryPolicy(max_retries=50, initial_delay=0.05, max_delay=0.1, total_timeout=deadline)
    server.handle.queue(times=60, **plan)
    started = time.monotonic()
    with pytest.raises(error):
        transcribe(kind, server, retry_policy=policy, timeout=0.3)
    elapsed = time.monotonic() - started
    made = attempts(server)
    print(f"deadline {deadline} s: {made} attempts, raised after {elapsed:.3f} s")
    assert 2 <= made <= 51
    assert elapsed <= deadline + SLACK, (elapsed, made)


def _settled_fds(baseline: int, seconds: float = 5.0) -> list[str]:
    # The server runs in this process too: its side of each connection closes as it notices.
    deadline = time.monotonic() + seconds
    while True:
        now = open_fds()
        if len(now) <= baseline or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


PLANS: dict[str, Callable[[MockServer], None]] = {
    "success": lambda s: None,
    "reset-then-success": lambda s: s.handle.queue(fault="reset"),
    "stall-then-success": lambda s: s.handle.queue(fault="stall"),
    "resets-to-the-end": lambda s: s.handle.queue(fault="reset", times=3),
    "503-to-the-end": lambda s: s.handle.queue(503, headers={"Retry-After": "0"}, times=3),
}


@pytest.mark.parametrize("plan", list(PLANS))
def test_no_file_or_connection_is_left_open(
    kind: str, server: MockServer, plan: str, tmp_path: Path
) -> None:
    audio = tmp_path / "talk.ogg"
    audio.write_bytes(AUDIO.read_bytes())
    transcribe(kind, server, audio=audio, timeout=0.2)  # first use: imports, thread pools
    baseline = len(open_fds())
    PLANS[plan](server)
    try:
        transcribe(kind, server, audio=audio, timeout=0.2)
    except (APIConnectionError, APIStatusError):
        assert plan.endswith("to-the-end")
    assert str(audio) not in open_fds()  # the client opened the file, and closed it
    after = _settled_fds(baseline)
    assert len(after) <= baseline, sorted(after)


@pytest.fixture
def trickler() -> Iterator[str]:
    """A loopback server whose answer promises 200 bytes and sends one every 0.1 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5.0)
            try:
                received = b""
                while b"\r\n\r\n" not in received:
                    received += conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
                conn.sendall(b"content-length: 200\r\n\r\n")
                for _ in range(200):
                    if stop.wait(0.1):
                        return
                    conn.sendall(b" ")
            except OSError:  # the client gave up, as it should
                return

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5.0)
        listener.close()


def test_a_trickling_answer_cannot_outlast_the_deadline(kind: str, trickler: str) -> None:
    # Every read gets a byte within the read timeout, so only the total deadline can stop it.
    deadline = 0.8
    policy = RetryPolicy(max_retries=3, initial_delay=0.01, total_timeout=deadline)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        transcribe(kind, MockServer(create_app(), trickler), retry_policy=policy, timeout=0.5)
    assert time.monotonic() - started <= deadline + SLACK
