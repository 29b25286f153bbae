"""Reading a full journal over a real socket holds nobody up, and a flood of fat headers does not
grow the server past the journal's bounds.

Figures: ``pytest tests/reliability/test_journal_load.py -m slow -s`` prints them (the endpoint's
p50 and p99 with and without a reader of 10,000 entries, the read's time, the server's memory).
"""

from __future__ import annotations

import io
import json
import statistics
import threading
import time
import wave
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ._support import ENDPOINT, ServerProcess, rss_bytes, server_process

pytestmark = pytest.mark.slow

KEY = "sk-or-mock-ok"
ENTRIES = 10_000


def _tiny_wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\1" * 800)  # 0.1 s
    return out.getvalue()


def _body() -> dict[str, object]:
    import base64

    data = base64.b64encode(_tiny_wav()).decode()
    return {"model": "openai/whisper-large-v3", "input_audio": {"data": data, "format": "wav"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with server_process(tmp_path_factory.mktemp("journal-load"), lifetime=240.0) as running:
        yield running


def _fill(server: ServerProcess, count: int, headers: dict[str, str] | None = None) -> None:
    """Send ``count`` requests from four threads; one in ten has no key (a 401)."""
    document = _body()

    def send(share: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30.0) as client:
            for number in range(share):
                key = {} if number % 10 == 9 else {"Authorization": f"Bearer {KEY}"}
                client.post(ENDPOINT, json=document, headers={**key, **(headers or {})})

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, [count // 4] * 4))


def _latencies(
    client: httpx.Client, document: dict[str, object], until: threading.Event
) -> list[float]:
    found: list[float] = []
    while not until.is_set() and len(found) < 20_000:
        start = time.perf_counter()
        answer = client.post(ENDPOINT, json=document, headers={"Authorization": f"Bearer {KEY}"})
        found.append(time.perf_counter() - start)
        assert answer.status_code == 200
    return found


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def test_a_full_read_of_10000_entries_does_not_slow_the_endpoint(server: ServerProcess) -> None:
    _fill(server, ENTRIES)
    document = _body()
    with httpx.Client(base_url=server.url, timeout=30.0) as client:
        for _ in range(200):  # warm up
            client.post(ENDPOINT, json=document, headers={"Authorization": f"Bearer {KEY}"})
        alone = threading.Event()
        timer = threading.Timer(3.0, alone.set)
        timer.start()
        baseline = _latencies(client, document, alone)

        rss_before = rss_bytes(server.pid)
        read_done = threading.Event()
        read: dict[str, float] = {}

        def reader() -> None:
            start = time.perf_counter()
            with httpx.stream("GET", server.url + "/_mock/journal", timeout=60.0) as answer:
                pieces = list(answer.iter_raw())
            seconds = time.perf_counter() - start
            listed = len(json.loads(b"".join(pieces)))
            read.update(seconds=seconds, size=sum(map(len, pieces)), entries=listed)
            read_done.set()

        peak = [rss_before]

        def sample() -> None:
            while not read_done.wait(0.05):
                peak.append(rss_bytes(server.pid))

        threads = [threading.Thread(target=reader), threading.Thread(target=sample)]
        for thread in threads:
            thread.start()
        during = _latencies(client, document, read_done)
        for thread in threads:
            thread.join(60.0)

    listed = read["entries"]
    print(
        f"\nendpoint alone: p50 {_p(baseline, 50):.2f} ms, p99 {_p(baseline, 99):.2f} ms "
        f"({len(baseline)} requests)\n"
        f"during a full read of {listed:.0f} entries: p50 {_p(during, 50):.2f} ms, "
        f"p99 {_p(during, 99):.2f} ms ({len(during)} requests)\n"
        f"the read: {read['seconds']:.2f} s, {read['size'] / 1e6:.1f} MB; server memory "
        f"{rss_before / 2**20:.0f} MiB before, {max(peak) / 2**20:.0f} MiB at most during"
    )
    assert listed == ENTRIES
    assert len(during) >= 50
    # Measurably slower would be a stalled loop: the whole read held the endpoint 220 ms once.
    assert _p(during, 99) < _p(baseline, 99) + 5.0


def test_fat_headers_stay_within_the_journals_bounds(tmp_path: Path) -> None:
    # 14 KiB of headers a request (under the 431 limit): kept whole, 10,000 entries would hold
    # 140 MB of them; cut to 8 KiB each, the journal stops at its 64 MiB.
    fat = {f"X-Fat-{n}": "f" * 1000 for n in range(14)}
    with server_process(tmp_path, lifetime=120.0) as fresh:
        _fill(fresh, 400)  # warm up
        rss_before = rss_bytes(fresh.pid)
        _fill(fresh, ENTRIES, fat)
        grown = rss_bytes(fresh.pid) - rss_before
        entries = httpx.get(fresh.url + "/_mock/journal?order=newest", timeout=60.0).json()
    print(
        f"\n{ENTRIES} requests with 14 KiB of headers: the server grew {grown / 2**20:.0f} MiB, "
        f"the journal keeps {len(entries)} entries"
    )
    assert "left out" in entries[0]["cut"][0]
    assert len(entries) < ENTRIES  # the bytes ran out before the count did
    assert grown < 100 * 2**20
