"""The state shared over real processes on loopback: two mock processes and one with
``--workers 2`` on one Valkey server, exact under concurrent requests spread over all of them; a
worker killed mid-request; the store stopped and started under a running mock.

Every server binds 127.0.0.1 and is stopped by its pid; every wait is bounded.
"""

from __future__ import annotations

import base64
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from openrouter_stt_mock import MockConfig, World
from openrouter_stt_mock.store import world_digest

from ..mock.conftest import sample
from ._valkey import ValkeyProcess
from .conftest import OpenMock

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from _mockproc import start, stop

ENDPOINT = "/api/v1/audio/transcriptions"
COST = Decimal("0.000508")  # the wav sample at 0.0000552 USD a second
N = 8
LEASE = 4.0
SLOW = 2.5  # seconds the slow model takes: the reservation is held meanwhile


def world_toml(requests: int) -> str:
    return f"""
[limits]
upstream_timeout_seconds = 3.0

[keys."sk-exact"]
credit_usd = "{COST * requests}"

[keys."sk-limited"]
credit_usd = "1000"
rate_limit = {{ requests = {requests}, window_seconds = 600.0 }}

[keys."sk-once"]
credit_usd = "{COST}"

[[models."openai/whisper-large-v3".providers]]
name = "OpenAI"
price_per_second = "0.0000552"

[[models."mock/slow".providers]]
name = "Slow"
price_per_second = "0.0000552"
latency_seconds = {SLOW}
"""


def request_body(model: str = "openai/whisper-large-v3") -> dict[str, object]:
    data = base64.b64encode(sample("wav")).decode()
    return {"model": model, "input_audio": {"data": data, "format": "wav"}}


@dataclass
class Fleet:
    """Mock processes sharing one store: ``urls[i]`` is served by ``processes[i]``."""

    processes: list[subprocess.Popen[bytes]]
    urls: list[str]
    world_file: Path
    config: MockConfig

    def post(self, url: str, key: str, model: str = "openai/whisper-large-v3") -> int:
        answer = httpx.post(
            url + ENDPOINT,
            json=request_body(model),
            headers={"Authorization": f"Bearer {key}"},
            timeout=10.0,
        )
        return answer.status_code

    def spread(self, key: str, count: int) -> Counter[int]:
        """``count`` requests at once, spread over every process; their statuses."""
        gate = threading.Barrier(count, timeout=10)

        def one(index: int) -> int:
            gate.wait()
            return self.post(self.urls[index % len(self.urls)], key)

        with ThreadPoolExecutor(count) as pool:
            return Counter(pool.map(one, range(count)))


def start_mocks(tmp: Path, args: list[str], worker_counts: list[int]) -> Fleet:
    processes, urls = [], []
    try:
        for index, workers in enumerate(worker_counts):
            extra = ["--workers", str(workers)] if workers > 1 else []
            process, url = start([*args, *extra], tmp / f"mock-{index}.log", lifetime=120)
            processes.append(process)
            urls.append(url)
    except BaseException:
        for process in processes:
            stop(process)
        raise
    return Fleet(processes, urls, tmp / "world.toml", MockConfig())


@pytest.fixture(scope="module")
def fleet(valkey: ValkeyProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """Two single-worker mocks and one with two workers, on one store and namespace."""
    tmp = tmp_path_factory.mktemp("fleet")
    world_file = tmp / "world.toml"
    world_file.write_text(world_toml(N))
    namespace = f"fleet-{time.monotonic_ns()}"
    args = ["--world", str(world_file), "--state", valkey.url, "--state-namespace", namespace]
    args += ["--state-lease", str(LEASE)]
    fleet = start_mocks(tmp, args, [1, 1, 2])
    fleet.config = MockConfig(state=valkey.url, state_namespace=namespace, world_file=world_file)
    yield fleet
    for process in fleet.processes:
        stop(process)


def test_credit_for_n_requests_serves_exactly_n_of_3n(fleet: Fleet, open_mock: OpenMock):
    statuses = fleet.spread("sk-exact", 3 * N)
    assert statuses == Counter({200: N, 402: 2 * N})
    _, handle = open_mock(fleet.config)
    assert handle.balance("sk-exact") == 0
    exact = [e for e in handle.journal if "sk-exact" not in str(e.request.headers)]
    assert len(exact) >= 3 * N  # every process journaled on the store


def test_a_rate_limit_of_n_admits_exactly_n_of_3n(fleet: Fleet):
    statuses = fleet.spread("sk-limited", 3 * N)
    assert statuses == Counter({200: N, 429: 2 * N})


def _raw_post(url: str, key: str, model: str) -> socket.socket:
    """Send a request over a raw socket and leave it open (its answer is not read)."""
    host, port = url.removeprefix("http://").split(":")
    payload = json.dumps(request_body(model)).encode()
    head = (
        f"POST {ENDPOINT} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(head.encode() + payload)
    return sock


def _worker_serving(parent: int, client_port: int) -> int:
    """The pid of the worker of ``parent`` holding the connection from ``client_port``."""
    for worker in psutil.Process(parent).children():
        for connection in worker.net_connections(kind="tcp"):
            if connection.raddr and connection.raddr.port == client_port:
                return worker.pid
    raise AssertionError("no worker holds the connection")


def test_a_worker_killed_mid_request_releases_its_reservation(fleet: Fleet, valkey: ValkeyProcess):
    digest = world_digest(World.from_toml(fleet.world_file))
    leases = f"{fleet.config.state_namespace}:{{{digest}}}:leases"
    two_workers = fleet.processes[2]
    with redis.Redis.from_url(valkey.url) as direct:
        sock = _raw_post(fleet.urls[2], "sk-once", "mock/slow")
        try:
            deadline = time.monotonic() + 5
            while direct.zcard(leases) == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            reserved = time.monotonic()
            assert direct.zcard(leases) == 1
            victim = _worker_serving(two_workers.pid, sock.getsockname()[1])
            psutil.Process(victim).send_signal(signal.SIGKILL)
            assert sock.recv(1) == b""  # the request died with its worker, unanswered
        finally:
            sock.close()
        # The credit stays held until the lease runs out, then serves one request, once.
        assert fleet.post(fleet.urls[0], "sk-once") == 402
        status = 402
        while status == 402 and time.monotonic() < reserved + LEASE + 3:
            time.sleep(0.25)
            status = fleet.post(fleet.urls[0], "sk-once")
        assert status == 200
        assert time.monotonic() - reserved <= LEASE + 1.5
        assert direct.zcard(leases) == 0
    assert fleet.post(fleet.urls[1], "sk-once") == 402  # charged once: the credit is spent
    deadline = time.monotonic() + 5  # the dead worker is replaced
    while len(psutil.Process(two_workers.pid).children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(psutil.Process(two_workers.pid).children()) == 2


def test_the_store_stopped_and_started_under_two_workers(own_valkey: ValkeyProcess, tmp_path: Path):
    (tmp_path / "world.toml").write_text(world_toml(1000))
    args = ["--world", str(tmp_path / "world.toml"), "--state", own_valkey.url]
    args += ["--state-timeout", "0.5"]
    fleet = start_mocks(tmp_path, args, [2])
    try:
        url = fleet.urls[0]
        assert fleet.post(url, "sk-exact") == 200
        own_valkey.stop()
        for _ in range(4):
            started = time.monotonic()
            answer = httpx.post(
                url + ENDPOINT,
                json=request_body(),
                headers={"Authorization": "Bearer sk-exact"},
                timeout=5.0,
            )
            assert time.monotonic() - started < 1.5
            assert answer.status_code == 503
            assert answer.headers["retry-after"] == "1"
            assert answer.json()["error"]["code"] == 503
        own_valkey.start()
        statuses = []
        deadline = time.monotonic() + 6
        while statuses[-1:] != [200] and time.monotonic() < deadline:
            time.sleep(0.2)
            statuses.append(fleet.post(url, "sk-exact"))
        assert statuses[-1] == 200
        assert set(statuses) <= {200, 503}
    finally:
        stop(fleet.processes[0])


@pytest.mark.slow
def test_credit_exact_over_many_more_requests(
    valkey: ValkeyProcess, tmp_path: Path, open_mock: OpenMock
):
    many = 40
    (tmp_path / "world.toml").write_text(world_toml(many))
    namespace = f"many-{time.monotonic_ns()}"
    args = ["--world", str(tmp_path / "world.toml"), "--state", valkey.url]
    args += ["--state-namespace", namespace]
    fleet = start_mocks(tmp_path, args, [1, 1, 2])
    try:
        assert fleet.spread("sk-exact", 3 * many) == Counter({200: many, 402: 2 * many})
        assert fleet.spread("sk-limited", 3 * many) == Counter({200: many, 429: 2 * many})
        config = MockConfig(
            state=valkey.url, state_namespace=namespace, world_file=tmp_path / "world.toml"
        )
        assert open_mock(config)[1].balance("sk-exact") == 0
    finally:
        for process in fleet.processes:
            stop(process)
