"""Soak the mock server: mixed good and bad traffic for a bounded time, then a summary.

Starts ``openrouter-stt mock`` (the default world) in a child process on a free 127.0.0.1 port,
runs ``--workers`` concurrent clients until ``--seconds`` pass or ``--max-requests`` are sent,
samples the server's memory all along, and prints requests served, answers by status, latency
percentiles and the server's peak memory. Every kind of request knows the statuses it may get;
the exit status is 1 when any answer is unexpected (a 5xx above all), a request gets no answer,
or the server crashes or logs a traceback; 0 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _mockproc import rss_bytes, start, stop

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
ENDPOINT = "/api/v1/audio/transcriptions"
FORMATS = ("wav", "mp3", "flac", "m4a", "ogg", "webm", "aac")
MODEL = "openai/whisper-large-v3"


@dataclass(frozen=True)
class Kind:
    """One kind of request: its share of the traffic, how to build it, what it may get."""

    name: str
    weight: int
    build: Callable[[random.Random], tuple[str, bytes]]  # (API key, body)
    expected: frozenset[int]


def _audio(fmt: str) -> bytes:
    return (DATA / f"hello.{fmt}").read_bytes()


def _body(model: str = MODEL, fmt: str = "ogg", audio: bytes | None = None, **extra: Any) -> bytes:
    data = base64.b64encode(_audio(fmt) if audio is None else audio).decode()
    return json.dumps(
        {"model": model, "input_audio": {"data": data, "format": fmt}, **extra}
    ).encode()


def _kinds() -> list[Kind]:
    good = {fmt: _body(fmt=fmt) for fmt in FORMATS}
    ok = "sk-or-mock-ok"

    def fixed(key: str, body: bytes) -> Callable[[random.Random], tuple[str, bytes]]:
        return lambda rng: (key, body)

    def cut(rng: random.Random) -> tuple[str, bytes]:
        fmt = rng.choice(FORMATS)
        whole = _audio(fmt)
        return ok, _body(fmt=fmt, audio=whole[: rng.randrange(1, len(whole))])

    def noise(rng: random.Random) -> tuple[str, bytes]:
        return ok, _body(fmt=rng.choice(FORMATS), audio=rng.randbytes(rng.randrange(1, 4096)))

    def garbage(rng: random.Random) -> tuple[str, bytes]:
        return ok, rng.randbytes(rng.randrange(0, 2048))

    def wrong_type(rng: random.Random) -> tuple[str, bytes]:
        document = json.loads(good["ogg"])
        name = rng.choice(["model", "language", "temperature", "input_audio", "provider"])
        document[name] = rng.choice([None, 1, 2.5, True, [], {"x": 1}, "é" * 3])
        document.setdefault("model", MODEL)
        return ok, json.dumps(document).encode()

    def any_model(rng: random.Random) -> tuple[str, bytes]:
        name = rng.choice(["mock/provider-down", "mock/no-provider", "mock/overloaded"])
        return ok, _body(model=name)

    valid = frozenset({200})
    return [
        Kind("good", 30, lambda rng: (ok, good[rng.choice(FORMATS)]), valid),
        Kind("good+options", 5, fixed(ok, _body(language="en", temperature=0.2)), valid),
        Kind("malformed JSON", 5, garbage, frozenset({400})),
        Kind("wrong type", 5, wrong_type, frozenset({200, 400, 404})),
        Kind(
            "bad base64",
            5,
            fixed(ok, b'{"model":"m","input_audio":{"data":"@@@","format":"ogg"}}'),
            frozenset({400}),
        ),
        Kind("noise as audio", 5, noise, frozenset({400})),
        Kind("cut audio", 5, cut, frozenset({200, 400})),
        Kind("huge field", 1, fixed(ok, _body(model="m" * 1_000_000)), frozenset({404})),
        Kind("unknown model", 3, fixed(ok, _body(model="nobody/nothing")), frozenset({404})),
        Kind("unknown key", 3, fixed("sk-or-nobody", good["ogg"]), frozenset({401})),
        Kind("disabled key", 2, fixed("sk-or-mock-disabled", good["ogg"]), frozenset({401})),
        Kind("no credit", 3, fixed("sk-or-mock-broke", good["ogg"]), frozenset({402})),
        Kind("rate limited", 3, fixed("sk-or-mock-limited", good["ogg"]), frozenset({200, 429})),
        # The world's failing providers: these 5xx are the answers they exist to give.
        Kind("failing provider", 3, any_model, frozenset({502, 503, 529})),
    ]


@dataclass
class Tally:
    """What the workers saw."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0


async def _worker(
    client: httpx.AsyncClient, kinds: list[Kind], tally: Tally, end: float, cap: int, seed: int
) -> None:
    rng = random.Random(seed)
    weights = [kind.weight for kind in kinds]
    while time.monotonic() < end and tally.sent < cap:
        tally.sent += 1
        kind = rng.choices(kinds, weights)[0]
        key, body = kind.build(rng)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            answer = await client.post(ENDPOINT, content=body, headers=headers)
        except httpx.TransportError as exc:
            tally.transport_errors[f"{kind.name}: {type(exc).__name__}"] += 1
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[answer.status_code] += 1
        if answer.status_code not in kind.expected:
            tally.unexpected[f"{kind.name}: {answer.status_code}"] += 1


async def _traffic(url: str, seconds: float, cap: int, workers: int) -> Tally:
    tally = Tally()
    kinds = _kinds()
    limits = httpx.Limits(max_connections=workers)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
        end = time.monotonic() + seconds
        await asyncio.gather(
            *(_worker(client, kinds, tally, end, cap, seed) for seed in range(workers))
        )
    return tally


class _MemorySampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.1) -> None:
        super().__init__(name="soak-memory", daemon=True)
        self.pid, self.every = pid, every
        self.first = self.peak = rss_bytes(pid)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.every):
            try:
                self.peak = max(self.peak, rss_bytes(self.pid))
            except ProcessLookupError:
                return


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/soak", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send (default 60)")
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="stop after this many (default 200000)"
    )
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.max_requests <= 0 or args.workers <= 0:
        parser.error("--seconds, --max-requests and --workers must be positive")

    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        log = Path(tmp) / "server.stderr"
        try:
            server, url = start([], log, lifetime=args.seconds + 60.0)
        except RuntimeError as exc:
            raise SystemExit(f"soak: {exc}") from None
        sampler = _MemorySampler(server.pid)
        sampler.start()
        started = time.monotonic()
        try:
            tally = asyncio.run(_traffic(url, args.seconds, args.max_requests, args.workers))
            elapsed = time.monotonic() - started
            alive = server.poll() is None
            good_after = (
                alive
                and httpx.post(
                    url + ENDPOINT,
                    content=_body(),
                    headers={"Authorization": "Bearer sk-or-mock-ok"},
                    timeout=10.0,
                ).status_code
                == 200
            )
        finally:
            sampler.stop.set()
            sampler.join()
            stop(server)
        stderr = log.read_text(errors="replace")

    ordered = sorted(tally.latencies)
    served = sum(tally.statuses.values())
    unexpected_5xx = sum(
        count for name, count in tally.unexpected.items() if name.rsplit(" ", 1)[1].startswith("5")
    )
    summary = {
        "seconds": round(elapsed, 2),
        "workers": args.workers,
        "requests_sent": tally.sent,
        "requests_served": served,
        "requests_per_second": round(served / elapsed, 1) if elapsed else 0.0,
        "statuses": {str(code): count for code, count in sorted(tally.statuses.items())},
        "errors_by_status": {
            str(code): count for code, count in sorted(tally.statuses.items()) if code >= 400
        },
        "unexpected": dict(tally.unexpected),
        "unexpected_5xx": unexpected_5xx,
        "no_answer": dict(tally.transport_errors),
        "latency_ms": {
            "p50": round(_percentile(ordered, 0.50) * 1000, 2),
            "p99": round(_percentile(ordered, 0.99) * 1000, 2),
            "max": round(ordered[-1] * 1000, 2) if ordered else 0.0,
        },
        "server_rss_mib": {
            "start": round(sampler.first / 2**20, 1),
            "peak": round(sampler.peak / 2**20, 1),
        },
        "server_alive": alive,
        "good_request_after": good_after,
        "server_tracebacks": stderr.count("Traceback"),
    }
    failed = bool(
        tally.unexpected
        or tally.transport_errors
        or not alive
        or not good_after
        or summary["server_tracebacks"]
    )
    summary["ok"] = not failed
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print(summary)
        if stderr.strip() and failed:
            print("server stderr (last lines):", *stderr.splitlines()[-20:], sep="\n  ")
    return 1 if failed else 0


def _print(summary: dict[str, Any]) -> None:
    latency, memory = summary["latency_ms"], summary["server_rss_mib"]
    print(
        f"{summary['requests_served']} requests served in {summary['seconds']} s by "
        f"{summary['workers']} workers ({summary['requests_per_second']}/s)"
    )
    print("answers by status:", ", ".join(f"{k}: {v}" for k, v in summary["statuses"].items()))
    print(f"latency: p50 {latency['p50']} ms, p99 {latency['p99']} ms, max {latency['max']} ms")
    print(f"server memory: {memory['start']} MiB at start, {memory['peak']} MiB at peak")
    for label, key in (("unexpected answers", "unexpected"), ("no answer", "no_answer")):
        if summary[key]:
            print(f"{label}:", ", ".join(f"{k} x{v}" for k, v in summary[key].items()))
    if not summary["server_alive"]:
        print("the server died")
    print("OK" if summary["ok"] else "FAILED")


if __name__ == "__main__":
    sys.exit(main())
