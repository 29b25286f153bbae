"""Bad input over a real socket: bodies over the limit (with honest, inflated and deflated
``Content-Length``), chunked floods, slow and half-sent bodies. The server answers each one in
the error shape or not at all, never with a 5xx, keeps serving meanwhile and afterwards, and its
memory stays bounded while it refuses oversized bodies.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ._support import (
    ENDPOINT,
    ServerProcess,
    auth,
    check_error_shape,
    chunked,
    raw_exchange,
    request_body,
    request_head,
    rss_bytes,
    server_process,
    world_toml,
)

LIMIT = 256 * 1024
GOOD = json.dumps(request_body("ogg")).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    world = world_toml({"k": {"credit": Decimal(1000)}}, max_body_bytes=LIMIT)
    with server_process(tmp_path_factory.mktemp("input"), world=world) as running:
        yield running


def _good_request_succeeds(server: ServerProcess) -> None:
    answer = httpx.post(server.url + ENDPOINT, content=GOOD, headers=auth("k"), timeout=10.0)
    assert answer.status_code == 200, answer.text


def _journal_statuses(server: ServerProcess) -> Counter[int | None]:
    journal = httpx.get(server.url + "/_mock/journal", timeout=30.0).json()
    return Counter(entry["response"]["status"] for entry in journal)


def test_oversized_bodies_get_413_whatever_their_length_says(server: ServerProcess) -> None:
    big = b"x" * (LIMIT + 1)
    cases = {
        "honest length": (request_head(len(big)), [big]),
        "no length, chunked": (request_head(None), chunked([big[:LIMIT], big[LIMIT:]])),
        "length over the limit, little sent": (request_head(10 * LIMIT), [b"x" * 100]),
        "length of a terabyte": (request_head(10**12), [b"{"]),
    }
    for name, (head, parts) in cases.items():
        answer = raw_exchange(server.url, head, parts)
        assert answer is not None, name
        assert answer.status == 413, (name, answer)
        check_error_shape(413, json.loads(answer.body))
    _good_request_succeeds(server)


def test_a_length_smaller_than_the_body_reads_only_that_much(server: ServerProcess) -> None:
    # The server reads the declared bytes: a cut JSON document, named as the body's fault.
    answer = raw_exchange(server.url, request_head(20, key="k"), [GOOD])
    assert answer is not None
    assert answer.status == 400
    error = check_error_shape(400, json.loads(answer.body))
    assert error["metadata"]["field"] == "(body)"
    _good_request_succeeds(server)


def test_a_slow_body_is_served(server: ServerProcess) -> None:
    parts = [GOOD[i : i + len(GOOD) // 10 + 1] for i in range(0, len(GOOD), len(GOOD) // 10 + 1)]
    answer = raw_exchange(server.url, request_head(len(GOOD), key="k"), parts, pause=0.02)
    assert answer is not None
    assert answer.status == 200


def test_half_sent_bodies_closed_early_leave_no_5xx(server: ServerProcess) -> None:
    before = _journal_statuses(server)
    for cut in (0, 1, 100, len(GOOD) // 2, len(GOOD) - 1):
        assert (
            raw_exchange(
                server.url, request_head(len(GOOD), key="k"), [GOOD[:cut]], close_early=True
            )
            is None
        )
    # Chunked bodies cut inside a chunk, and before the last chunk.
    raw_exchange(
        server.url, request_head(None, key="k"), [b"400\r\n" + GOOD[:10]], close_early=True
    )
    raw_exchange(server.url, request_head(None, key="k"), chunked([GOOD])[:1], close_early=True)
    _good_request_succeeds(server)
    time.sleep(0.2)  # the disconnects are recorded as the server notices them
    after = _journal_statuses(server) - before
    # Every early close reached the app, and was put down to the client.
    assert after == {400: 7, 200: 1}
    assert "Traceback" not in server.stderr()


def test_stalled_bodies_do_not_block_other_clients(server: ServerProcess) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    stalled: list[socket.socket] = []
    try:
        for _ in range(20):
            sock = socket.create_connection((host, int(port)), timeout=5.0)
            sock.sendall(request_head(len(GOOD), key="k") + GOOD[:1000])
            stalled.append(sock)
        # Twenty requests wait for bodies that do not come; others are served all the same.
        started = time.monotonic()
        for _ in range(5):
            _good_request_succeeds(server)
        assert time.monotonic() - started < 10.0
    finally:
        for sock in stalled:
            sock.close()
    _good_request_succeeds(server)


def test_garbage_on_the_wire_is_refused_and_the_server_lives(server: ServerProcess) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    for garbage in (
        b"\x00" * 64,
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST " + b"a" * 70_000 + b"\r\n\r\n",
    ):
        with socket.create_connection((host, int(port)), timeout=5.0) as sock:
            try:
                sock.sendall(garbage)
                sock.recv(4096)
            except OSError:
                pass
    _good_request_succeeds(server)
    assert server.process.poll() is None


def _flood(url: str, count: int, size: int) -> Counter[int | None]:
    statuses: Counter[int | None] = Counter()
    lock = threading.Lock()
    big = b"x" * size

    def one(number: int) -> None:
        if number % 3 == 0:
            answer = raw_exchange(url, request_head(len(big)), [big])
        elif number % 3 == 1:
            answer = raw_exchange(
                url,
                request_head(None),
                chunked([big[i : i + 65536] for i in range(0, size, 65536)]),
            )
        else:
            answer = raw_exchange(url, request_head(size), [big[:1024]])
        with lock:
            statuses[answer.status if answer else None] += 1

    for start in range(0, count, 4):  # four connections at a time
        threads = [
            threading.Thread(target=one, args=(n,)) for n in range(start, min(start + 4, count))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    return statuses


@pytest.mark.parametrize(
    ("count", "size"),
    [
        pytest.param(60, 4 * LIMIT, id="60x1MiB"),
        pytest.param(600, 16 * LIMIT, id="600x4MiB", marks=pytest.mark.slow),
    ],
)
def test_memory_stays_bounded_while_refusing_oversized_bodies(
    tmp_path: Path, count: int, size: int
) -> None:
    world = world_toml({"k": {"credit": Decimal(1000)}}, max_body_bytes=LIMIT)
    with server_process(tmp_path, world=world) as fresh:
        _flood(fresh.url, 6, size)  # warm up: first allocations, imports on first use
        before = rss_bytes(fresh.pid)
        statuses = _flood(fresh.url, count, size)
        after = rss_bytes(fresh.pid)
        _good_request_succeeds(fresh)
        assert "Traceback" not in fresh.stderr()
    assert statuses == {413: count}
    growth = after - before
    print(f"server RSS {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB after {count} refusals")
    assert growth < 64 * 2**20
