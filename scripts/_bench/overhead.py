"""Per-call overhead: ``transcribe`` of a small file over a transport that answers at once.

Every contender posts to the same in-process ``httpx.MockTransport``, which reads the request
body (so a streamed body is produced, as a real transport would send it) and returns one
prebuilt 200. The baseline is the same call written by hand with raw httpx: read the file,
base64 it into the JSON body, post, decode the JSON answer. Beside it run raw httpx posting a
body built once before timing (the transport's floor, no call can go under it) and the
official SDK's ``stt.create_transcription``.
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
    return b'{"input_audio":{"data":"%s","format":"wav"},"model":"%s"}' % (
        base64.b64encode(audio),
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


def _sync(path: Path, calls: int, rounds: int) -> dict[str, float]:
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

        def by_hand() -> object:
            content = _body(path.read_bytes())
            return raw_client.post(URL, content=content, headers=_HEADERS).json()

        def prebuilt() -> object:
            return raw_client.post(URL, content=body, headers=_HEADERS).json()

        def our_call() -> object:
            # The same body as the calls beside it: base64 JSON, whatever the default form.
            return ours.transcribe(path, model=MODEL, upload="json")

        def sdk_call() -> object:
            # The SDK takes base64 only: encoding the file is part of calling it.
            return sdk.stt.create_transcription(
                input_audio={"data": base64.b64encode(path.read_bytes()).decode(), "format": "wav"},
                model=MODEL,
                retries=None,
            )

        best = _best_per_call(
            {"ours": our_call, "by hand": by_hand, "prebuilt": prebuilt}, calls, rounds
        )
        # The SDK is far slower: a tenth of the calls measure it well enough.
        best |= _best_per_call({"sdk": sdk_call}, max(1, calls // 10), rounds)
        return best


async def _async(path: Path, calls: int, rounds: int) -> dict[str, float]:
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

        async def by_hand() -> object:
            content = _body(path.read_bytes())  # noqa: ASYNC240 - as a hand-written call would
            return (await raw_client.post(URL, content=content, headers=_HEADERS)).json()

        async def prebuilt() -> object:
            return (await raw_client.post(URL, content=body, headers=_HEADERS)).json()

        async def our_call() -> object:
            return await ours.transcribe(path, model=MODEL, upload="json")

        async def sdk_call() -> object:
            # As in the sync twin, the SDK's caller reads and encodes the file on every call.
            data = base64.b64encode(path.read_bytes()).decode()  # noqa: ASYNC240
            return await sdk.stt.create_transcription_async(
                input_audio={"data": data, "format": "wav"},
                model=MODEL,
                retries=None,
            )

        best = await _abest_per_call(
            {"ours": our_call, "by hand": by_hand, "prebuilt": prebuilt}, calls, rounds
        )
        best |= await _abest_per_call({"sdk": sdk_call}, max(1, calls // 10), rounds)
        return best


def run(path: Path, calls: int = 2000, rounds: int = 5) -> list[Figure]:
    """Microseconds per call, sync and async: ours beside the same call written with raw
    httpx, then the transport's floor and the SDK beside that same baseline."""
    figures: list[Figure] = []
    notes = {"file_bytes": path.stat().st_size, "calls": calls, "rounds": rounds}
    for mode, best in (
        ("sync", _sync(path, calls, rounds)),
        ("async", asyncio.run(_async(path, calls, rounds))),
    ):
        baseline = best["by hand"] * 1e6
        figures.append(
            Figure(
                section="per-call overhead",
                name=f"{mode} transcribe",
                unit="µs/call",
                ours=best["ours"] * 1e6,
                baseline=baseline,
                baseline_name="raw httpx by hand",
                bar=1.1,
                notes=notes
                | {"what": "read the file, base64 it into the JSON body, post, decode the JSON"},
            )
        )
        for key, label, name, what in (
            ("prebuilt", "prebuilt", "raw httpx, body prebuilt", "body built before timing"),
            ("sdk", "SDK", "official openrouter SDK", "stt.create_transcription, no retries"),
        ):
            figures.append(
                Figure(
                    section="per-call overhead",
                    name=f"{mode} {label}",
                    unit="µs/call",
                    ours=best[key] * 1e6,
                    baseline=baseline,
                    baseline_name="raw httpx by hand",
                    notes={"what": what},
                    ours_name=name,
                )
            )
    return figures
