"""Where the mock's time goes per request: its ASGI app called in-process, under cProfile.

No server and no sockets: only the mock's own work for one transcription request (reading the
body, parsing, checks, base64, audio header, usage, journal) is measured. The summary groups the
profile by stage; ``python -m _bench.profile_mock [N]`` prints it with the top functions.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import sys
import time
from typing import Any

from .throughput import mock_body

__all__ = ["profile", "stages"]

#: Stages of the request path, by the functions that do them (cumulative time is read for each).
_STAGES = {
    "read body": ("gateway.py", "_read_body"),
    "parse body": ("reader.py", "_read_json"),
    "authenticate + admit": ("gateway.py", "_authenticate"),
    "validate (pydantic)": ("checks.py", "validate_json"),
    "decode base64": ("measure.py", "b64decode"),
    "audio format + duration": ("measure.py", "measure"),
    "route + serve": ("gateway.py", "_serve"),
    "usage + transcript": ("usage.py", "usage"),
    "journal": ("gateway.py", "_record"),
    "whole endpoint": ("gateway.py", "transcribe"),
}


def _scope(body_size: int) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/audio/transcriptions",
        "raw_path": b"/api/v1/audio/transcriptions",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", b"Bearer sk-or-mock-ok"),
            (b"content-type", b"application/json"),
            (b"content-length", str(body_size).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }


async def _requests(app: Any, body: bytes, count: int) -> float:
    piece = 65536  # as uvicorn hands a body over, a piece at a time
    started = time.perf_counter()
    for _ in range(count):
        pieces = [body[at : at + piece] for at in range(0, len(body), piece)]
        messages = [
            {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
            for i, p in enumerate(pieces)
        ]

        async def receive(messages: list[dict[str, Any]] = messages) -> dict[str, Any]:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
            sent.append(message)

        await app(_scope(len(body)), receive, send)
        assert sent[0]["status"] == 200, sent
    return (time.perf_counter() - started) / count


def stages(stats: pstats.Stats, count: int) -> dict[str, float]:
    """Microseconds per request spent in each stage (cumulative, so stages may nest)."""
    found: dict[str, float] = {}
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (file, _, function), (_, _, _, cumulative, _) in table.items():
        for stage, (module, name) in _STAGES.items():
            if file.endswith(module) and function == name:
                found[stage] = found.get(stage, 0.0) + cumulative / count * 1e6
    return found


def profile(count: int = 500, audio_bytes: int = 100_000) -> dict[str, Any]:
    """Run ``count`` requests unprofiled (µs/request) and profiled (stages, top functions)."""
    from openrouter_stt_mock import MockConfig, create_app

    app = create_app(MockConfig(journal_limit=count))
    body = mock_body(audio_bytes)
    asyncio.run(_requests(app, body, max(1, count // 10)))  # warm-up
    per_request = asyncio.run(_requests(app, body, count))
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(_requests(app, body, count))
    profiler.disable()
    stats = pstats.Stats(profiler)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return {
        "us_per_request": per_request * 1e6,
        "stages_us_profiled": stages(stats, count),
        "top": out.getvalue(),
    }


if __name__ == "__main__":
    result = profile(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
    print(f"{result['us_per_request']:.0f} µs per request, unprofiled")
    for stage, micros in result["stages_us_profiled"].items():
        print(f"  {stage:24s} {micros:8.0f} µs (profiled)")
    print(result["top"])
