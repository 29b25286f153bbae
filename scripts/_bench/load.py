"""A bounded HTTP/1.1 load generator: ``python -m _bench.load PORT BODY CONNECTIONS SECONDS MAX
[PATH [CONTENT_TYPE]]``.

``CONNECTIONS`` keep-alive connections, each sending the same prebuilt POST to ``PATH`` (default
the endpoint's; ``BODY`` is a file holding the body, JSON unless ``CONTENT_TYPE`` says otherwise)
and reading its answer, whether sized
by Content-Length or chunked (WireMock's default), until ``SECONDS`` pass or ``MAX`` requests are
done, after a short warm-up. Plain asyncio streams keep the generator's own cost low; it runs in
a process of its own and prints one JSON line: requests, seconds, req/s, p50, p99, statuses.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

__all__ = ["request_bytes", "run"]

PATH = "/api/v1/audio/transcriptions"
KEY = "sk-or-mock-ok"
_WARM_UP_SECONDS = 0.5


def request_bytes(
    body: bytes, port: int, path: str = PATH, content_type: str = "application/json"
) -> bytes:
    """The whole request, head and body, as sent on every turn."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def _read_body(reader: asyncio.StreamReader, head: bytes) -> None:
    """Read the body the head announces: Content-Length bytes, or chunks up to the last one."""
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            # No trailers are expected: the empty line ends the message.
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return
        await reader.readexactly(size + 2)  # the chunk and its CRLF


async def _worker(
    port: int,
    request: bytes,
    stop_at: float,
    measure_from: float,
    budget: list[int],
    latencies: list[float],
    statuses: Counter[int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while budget[0] > 0 and time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            await _read_body(reader, head)
            if started >= measure_from:
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                budget[0] -= 1
    finally:
        writer.close()


async def run(
    port: int,
    body: bytes,
    connections: int,
    seconds: float,
    max_requests: int,
    path: str = PATH,
    content_type: str = "application/json",
) -> dict[str, object]:
    """Load the server on ``port`` at ``path``; return what was measured."""
    request = request_bytes(body, port, path, content_type)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    budget = [max_requests]
    now = time.perf_counter()
    measure_from = now + _WARM_UP_SECONDS
    stop_at = measure_from + seconds
    await asyncio.gather(
        *(
            _worker(port, request, stop_at, measure_from, budget, latencies, statuses)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - measure_from
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count,
        "seconds": elapsed,
        "rps": count / elapsed if elapsed > 0 else 0.0,
        "p50_ms": latencies[count // 2] * 1000 if count else 0.0,
        "p99_ms": latencies[min(count - 1, int(count * 0.99))] * 1000 if count else 0.0,
        "statuses": {str(k): v for k, v in statuses.items()},
        "generator": "python-asyncio",
    }


if __name__ == "__main__":
    port_text, body_file, connections_text, seconds_text, max_text = sys.argv[1:6]
    result = asyncio.run(
        run(
            int(port_text),
            Path(body_file).read_bytes(),
            int(connections_text),
            float(seconds_text),
            int(max_text),
            sys.argv[6] if len(sys.argv) > 6 else PATH,
            sys.argv[7] if len(sys.argv) > 7 else "application/json",
        )
    )
    print(json.dumps(result))
