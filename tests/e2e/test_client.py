"""The real client, sync and async, against ``openrouter-stt mock`` running as its own process.

Each documented status comes for its real reason where that is cheap, and forced with ``Prefer``
(through ``extra_headers``) for every status; each must raise the right exception with the
body's code, message and metadata, after the retries its status allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import openrouter_stt as stt
from openrouter_stt._retry import RETRYABLE_STATUS_CODES
from openrouter_stt_mock import DEFAULT_API_KEY
from tests._errors_by_status import ERRORS_BY_STATUS
from tests.e2e.conftest import Server

DATA = Path(__file__).resolve().parents[1] / "data"
#: Retries without waiting: whatever Retry-After says, the wait is capped at 10 ms.
FAST_RETRIES = stt.RetryPolicy(
    max_retries=2, initial_delay=0.001, max_delay=0.01, max_retry_after=0.01, total_timeout=30.0
)


def sample(fmt: str) -> bytes:
    return (DATA / f"hello.{fmt}").read_bytes()


@dataclass(frozen=True)
class Call:
    """One ``transcribe`` call; ``before`` successful calls with the same key come first."""

    name: str
    status: int
    audio: str = "ogg"  # the smallest bundled sample: 18 KiB, under the server's 64 KiB limit
    model: str = "openai/whisper-large-v3"
    api_key: str = DEFAULT_API_KEY
    prefer: int | None = None
    before: int = 0

    def __str__(self) -> str:
        return self.name


REAL = (
    Call("400 format the provider does not take", 400, audio="aac", model="openai/whisper-1"),
    Call("401 unknown key", 401, api_key="sk-or-mock-nobody"),
    Call("402 no credit", 402, api_key="sk-or-mock-broke"),
    Call("404 unknown model", 404, model="nobody/no-model"),
    Call("413 body over the limit", 413, audio="wav"),
    Call("429 third request in the window", 429, api_key="sk-or-mock-limited", before=2),
    Call("502 provider down", 502, model="mock/provider-down"),
    Call("503 no provider", 503, model="mock/no-provider"),
    Call("524 slow provider", 524, model="mock/slow-provider"),
    Call("529 overloaded", 529, model="mock/overloaded"),
)
FORCED = tuple(Call(f"{s} forced", s, prefer=s) for s in sorted(ERRORS_BY_STATUS))


class Counted:
    """Counts the requests an HTTP client sends."""

    def __init__(self) -> None:
        self.sent = 0

    def __call__(self, request: httpx.Request) -> None:
        self.sent += 1

    async def acall(self, request: httpx.Request) -> None:
        self.sent += 1


def call(server: Server, kind: str, spec: Call) -> tuple[Any, int]:
    """Run ``spec`` with a client of ``kind``; return its result or error, and requests sent.

    The server speaks plain HTTP, so the HTTP clients skip loading CA certificates
    (``verify=False``), which would cost more than the exchange itself.
    """
    counted = Counted()
    extra = {"Prefer": f"code={spec.prefer}"} if spec.prefer else None
    audio = sample(spec.audio)
    if kind == "sync":
        with (
            httpx.Client(verify=False, event_hooks={"request": [counted]}) as http,
            stt.OpenRouterSTT(
                api_key=spec.api_key,
                base_url=server.base_url,
                retry_policy=FAST_RETRIES,
                http_client=http,
            ) as client,
        ):
            for _ in range(spec.before):
                client.transcribe(audio, model=spec.model)
            counted.sent = 0
            try:
                return client.with_raw_response.transcribe(
                    audio, model=spec.model, extra_headers=extra
                ), counted.sent
            except stt.OpenRouterSTTError as exc:
                return exc, counted.sent

    async def run() -> tuple[Any, int]:
        async with (
            httpx.AsyncClient(verify=False, event_hooks={"request": [counted.acall]}) as http,
            stt.AsyncOpenRouterSTT(
                api_key=spec.api_key,
                base_url=server.base_url,
                retry_policy=FAST_RETRIES,
                http_client=http,
            ) as client,
        ):
            for _ in range(spec.before):
                await client.transcribe(audio, model=spec.model)
            counted.sent = 0
            try:
                raw = await client.with_raw_response.transcribe(
                    audio, model=spec.model, extra_headers=extra
                )
                return raw, counted.sent
            except stt.OpenRouterSTTError as exc:
                return exc, counted.sent

    return anyio.run(run)


KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


@KINDS
@pytest.mark.parametrize(
    ("model", "fmt"), [("openai/whisper-large-v3", "ogg"), ("openai/whisper-1", "mp3")]
)
def test_a_transcription_over_a_real_socket(
    server: Server, kind: str, model: str, fmt: str, sample_transcript: str
) -> None:
    spec = Call(f"200 {model}", 200, audio=fmt, model=model)
    raw, sent = call(server, kind, spec)
    assert sent == 1
    assert isinstance(raw, stt.RawResponse), raw
    assert raw.status_code == 200
    assert raw.generation_id
    assert raw.generation_id.startswith("gen-")
    result = raw.parse()
    assert result.text == sample_transcript
    assert result.usage is not None
    assert result.usage.cost is not None
    assert result.usage.cost > 0
    assert result.usage.seconds == pytest.approx(9.2, abs=0.1)
    if model == "openai/whisper-1":
        assert result.usage.total_tokens is None
    else:
        assert result.usage.total_tokens == 113


@KINDS
def test_a_forced_200_carries_the_generation_id(server: Server, kind: str) -> None:
    raw, sent = call(server, kind, Call("200 forced", 200, prefer=200))
    assert isinstance(raw, stt.RawResponse), raw
    assert sent == 1
    assert raw.generation_id
    assert raw.generation_id.startswith("gen-forced-")
    assert raw.parse().usage == stt.STTUsage(
        cost=0.000508, input_tokens=83, output_tokens=30, seconds=9.2, total_tokens=113
    )


@KINDS
@pytest.mark.parametrize("spec", REAL + FORCED, ids=str)
def test_each_status_raises_its_error_after_the_retries_it_allows(
    server: Server, kind: str, spec: Call
) -> None:
    error, sent = call(server, kind, spec)
    assert isinstance(error, ERRORS_BY_STATUS[spec.status]), error
    assert error.status_code == error.code == spec.status
    body = error.response.json()
    assert error.message == body["error"]["message"]
    assert error.metadata == body["error"]["metadata"]
    assert error.body == body
    assert error.generation_id is None
    assert error.request.url.host == server.host
    expected = FAST_RETRIES.max_retries + 1 if spec.status in RETRYABLE_STATUS_CODES else 1
    assert sent == expected
    if spec.status == 502:
        assert {"provider_name", "raw"} <= set(error.metadata or {})
    if spec.status in (429, 503):
        assert error.response.headers["retry-after"].isdigit()


def test_the_server_journal_saw_every_attempt(server: Server) -> None:
    error, sent = call(server, "sync", Call("503", 503, model="mock/no-provider"))
    assert isinstance(error, stt.ServiceUnavailableError)
    journal = httpx.get(server.url + "/_mock/journal", timeout=5.0, verify=False).json()
    assert len(journal) == sent == 3
