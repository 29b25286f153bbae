"""Per-call overhead: ``transcribe`` of a small file over a transport that answers at once.

Every contender posts to the same in-process ``httpx.MockTransport``, which reads the request
body (so a streamed body is produced, as a real transport would send it) and returns one
prebuilt 200. The baseline is raw httpx posting the same body, already built, and decoding the
JSON answer; the official SDK's ``stt.create_transcription`` runs beside it.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from .results import Figure
from .sink import RESPONSE_BODY

__all__ = ["run"]

BASE_URL = "http://bench.invalid/api/v1"
URL = BASE_URL + "/audio/transcriptions"
MODEL = "openai/whisper-large-v3"


def _handler(request: httpx.Request) -> httpx.Response:
    request.read()
    return httpx.Response(
        200,
        headers={"content-type": "application/json", "x-generation-id": "gen-bench"},
        content=RESPONSE_BODY,
    )


async def _ahandler(request: httpx.Request) -> httpx.Response:
    await request.aread()
    return httpx.Response(
        200,
        headers={"content-type": "application/json", "x-generation-id": "gen-bench"},
        content=RESPONSE_BODY,
    )


def _body(audio: bytes) -> bytes:
    data = base64.b64encode(audio).decode("ascii")
    return b'{"input_audio":{"data":"%s","format":"wav"},"model":"%s"}' % (
        data.encode(),
        MODEL.encode(),
    )


_HEADERS = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}


def _best_per_call(
    contenders: dict[str, Callable[[], object]], calls: int, rounds: int
) -> dict[str, float]:
    """Best seconds per call of each contender; rounds take turns, so drift hits all alike."""
    for call in contenders.values():
        for _ in range(max(1, calls // 10)):
            call()  # warm-up: imports, caches, first connections
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, call in contenders.items():
            started = time.perf_counter()
            for _ in range(calls):
                call()
            best[name] = min(best[name], (time.perf_counter() - started) / calls)
    return best


async def _abest_per_call(
    contenders: dict[str, Callable[[], Awaitable[object]]], calls: int, rounds: int
) -> dict[str, float]:
    for call in contenders.values():
        for _ in range(max(1, calls // 10)):
            await call()
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, call in contenders.items():
            started = time.perf_counter()
            for _ in range(calls):
                await call()
            best[name] = min(best[name], (time.perf_counter() - started) / calls)
    return best


def _sync(path: Path, calls: int, rounds: int) -> tuple[float, float, float]:
    from openrouter import OpenRouter

    from openrouter_stt import OpenRouterSTT

    body = _body(path.read_bytes())
    transport = httpx.MockTransport(_handler)
    with (
        httpx.Client(transport=transport) as raw_client,
        httpx.Client(transport=transport) as ours_client,
        httpx.Client(transport=transport) as sdk_client,
    ):
        ours = OpenRouterSTT(api_key="sk-bench", base_url=BASE_URL, http_client=ours_client)
        sdk = OpenRouter(api_key="sk-bench", server_url=BASE_URL, client=sdk_client)

        def raw() -> object:
            return raw_client.post(URL, content=body, headers=_HEADERS).json()

        def our_call() -> object:
            return ours.transcribe(path, model=MODEL)

        def sdk_call() -> object:
            # The SDK takes base64 only: encoding the file is part of calling it.
            return sdk.stt.create_transcription(
                input_audio={"data": base64.b64encode(path.read_bytes()).decode(), "format": "wav"},
                model=MODEL,
                retries=None,
            )

        best = _best_per_call({"ours": our_call, "raw": raw}, calls, rounds)
        # The SDK is far slower: a tenth of the calls measure it well enough.
        sdk_best = _best_per_call({"sdk": sdk_call}, max(1, calls // 10), rounds)
        return best["ours"], best["raw"], sdk_best["sdk"]


async def _async(path: Path, calls: int, rounds: int) -> tuple[float, float, float]:
    from openrouter import OpenRouter

    from openrouter_stt import AsyncOpenRouterSTT

    audio = path.read_bytes()  # noqa: ASYNC240 - setting up, before anything is timed
    body = _body(audio)
    transport = httpx.MockTransport(_ahandler)
    async with (
        httpx.AsyncClient(transport=transport) as raw_client,
        httpx.AsyncClient(transport=transport) as ours_client,
        httpx.AsyncClient(transport=transport) as sdk_client,
    ):
        ours = AsyncOpenRouterSTT(api_key="sk-bench", base_url=BASE_URL, http_client=ours_client)
        sdk = OpenRouter(api_key="sk-bench", server_url=BASE_URL, async_client=sdk_client)

        async def raw() -> object:
            return (await raw_client.post(URL, content=body, headers=_HEADERS)).json()

        async def our_call() -> object:
            return await ours.transcribe(path, model=MODEL)

        async def sdk_call() -> object:
            # As in the sync twin, the SDK's caller reads and encodes the file on every call.
            data = base64.b64encode(path.read_bytes()).decode()  # noqa: ASYNC240
            return await sdk.stt.create_transcription_async(
                input_audio={"data": data, "format": "wav"},
                model=MODEL,
                retries=None,
            )

        best = await _abest_per_call({"ours": our_call, "raw": raw}, calls, rounds)
        sdk_best = await _abest_per_call({"sdk": sdk_call}, max(1, calls // 10), rounds)
        return best["ours"], best["raw"], sdk_best["sdk"]


def run(path: Path, calls: int = 2000, rounds: int = 5) -> list[Figure]:
    """Microseconds per call, sync and async, ours beside raw httpx and the SDK."""
    figures: list[Figure] = []
    size = path.stat().st_size
    for mode, (ours, raw, sdk) in (
        ("sync", _sync(path, calls, rounds)),
        ("async", asyncio.run(_async(path, calls, rounds))),
    ):
        figures.append(
            Figure(
                section="per-call overhead",
                name=f"{mode} transcribe",
                unit="µs/call",
                ours=ours * 1e6,
                baseline=raw * 1e6,
                baseline_name="raw httpx",
                bar=1.25,
                notes={"file_bytes": size, "calls": calls, "rounds": rounds},
            )
        )
        figures.append(
            Figure(
                section="per-call overhead",
                name=f"{mode} SDK",
                unit="µs/call",
                ours=sdk * 1e6,
                baseline=raw * 1e6,
                baseline_name="raw httpx",
                notes={"what": "the official openrouter SDK, beside the same baseline"},
                ours_name="official openrouter SDK",
            )
        )
    return figures
