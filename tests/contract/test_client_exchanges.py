"""The real client (sync and async) against the in-process mock: every exchange it makes, request
bytes and response as they crossed the transport, judged against the OpenAPI documents."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import pytest

import openrouter_stt as stt
from openrouter_stt_mock import DEFAULT_API_KEY, MockConfig, World, create_app, sync_transport
from tests._errors_by_status import ERRORS_BY_STATUS
from tests.contract._contract import Contract
from tests.contract._exchanges import (
    BASE_URL,
    DOCUMENTED,
    Exchange,
    Recorder,
    async_recorder,
    audio,
    check_body,
    check_headers,
    expected_upstream_differences,
    short_wav,
    small_world,
    split_errors,
)


@dataclass(frozen=True)
class Call:
    """One ``transcribe`` call and the status it must end with."""

    name: str
    status: int
    audio: bytes = field(default_factory=short_wav, repr=False)
    model: str = "openai/whisper-large-v3"
    api_key: str = DEFAULT_API_KEY
    extra_headers: dict[str, str] | None = None
    world: Any = World.default
    before: int = 0  # successful calls made first with the same key

    def __str__(self) -> str:
        return self.name


REAL = (
    Call("200 whisper-large-v3", 200, audio("wav")),
    Call("200 whisper-1", 200, audio("ogg"), model="openai/whisper-1"),
    Call("400 format the provider does not take", 400, audio("aac"), model="openai/whisper-1"),
    Call("401 unknown key", 401, api_key="sk-or-mock-nobody"),
    Call("401 disabled key", 401, api_key="sk-or-mock-disabled"),
    Call("402 no credit", 402, api_key="sk-or-mock-broke"),
    Call("404 unknown model", 404, model="nobody/no-model"),
    Call("413 body over the limit", 413, audio("wav"), world=small_world),
    Call("429 rate limited", 429, api_key="sk-or-mock-limited", before=2),
    Call("502 provider down", 502, model="mock/provider-down"),
    Call("503 no provider", 503, model="mock/no-provider"),
    Call("524 slow provider", 524, model="mock/slow-provider", world=small_world),
    Call("529 overloaded", 529, model="mock/overloaded"),
)
FORCED = tuple(Call(f"{s} forced", s, extra_headers={"Prefer": f"code={s}"}) for s in DOCUMENTED)


def _run(
    call: Call, kind: str, upload: str = "auto"
) -> tuple[list[Exchange], stt.RawResponse | stt.APIStatusError]:
    app = create_app(MockConfig(world=call.world()))
    kwargs: dict[str, Any] = {
        "model": call.model,
        "extra_headers": call.extra_headers,
        "upload": upload,
    }
    if kind == "sync":
        recorder = Recorder(sync_transport(app))
        with stt.OpenRouterSTT(
            api_key=call.api_key,
            base_url=BASE_URL,
            max_retries=0,
            http_client=httpx.Client(transport=recorder),
        ) as client:
            try:
                for _ in range(call.before):
                    client.transcribe(call.audio, model=call.model, upload=upload)
                return recorder.exchanges, client.with_raw_response.transcribe(call.audio, **kwargs)
            except stt.APIStatusError as exc:
                return recorder.exchanges, exc
            finally:
                client._client.close()

    async def run() -> tuple[list[Exchange], stt.RawResponse | stt.APIStatusError]:
        recorder = async_recorder(app)
        async with httpx.AsyncClient(transport=recorder) as http:
            client = stt.AsyncOpenRouterSTT(
                api_key=call.api_key, base_url=BASE_URL, max_retries=0, http_client=http
            )
            try:
                for _ in range(call.before):
                    await client.transcribe(call.audio, model=call.model, upload=upload)
                raw = await client.with_raw_response.transcribe(call.audio, **kwargs)
                return recorder.exchanges, raw
            except stt.APIStatusError as exc:
                return recorder.exchanges, exc

    return anyio.run(run)


@pytest.mark.parametrize("upload", ["json", "multipart"])
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("call", REAL + FORCED, ids=str)
def test_every_exchange_of_the_client_fits_the_spec(
    call: Call, kind: str, upload: str, ours: Contract, upstream: Contract
) -> None:
    exchanges, outcome = _run(call, kind, upload)
    assert len(exchanges) == call.before + 1
    # Upstream's first document has no multipart form.
    form_known = upload == "json" or upstream.edition >= "2026-08-22"
    for exchange in exchanges:
        # What the client sent is the spec's request, byte for byte as it crossed the wire.
        assert ours.request_errors(exchange.request, exchange.sent) == []
        assert (upstream.request_errors(exchange.request, exchange.sent) == []) == form_known
        assert int(exchange.request.headers["content-length"]) == len(exchange.sent)
        assert ours.response_errors(exchange.request, exchange.sent, exchange.response) == []
    last = exchanges[-1]
    check_headers(last)
    document = check_body(last)
    assert split_errors(upstream.response_errors(last.request, last.sent, last.response)) == (
        expected_upstream_differences(call.status, document, upstream.edition)
    )
    if call.status == 200:
        assert isinstance(outcome, stt.RawResponse)
        assert outcome.generation_id == last.response.headers["x-generation-id"]
        parsed = outcome.parse()
        assert parsed.model_dump(exclude_none=True) == document
        return
    assert isinstance(outcome, ERRORS_BY_STATUS[call.status])
    assert outcome.status_code == outcome.code == call.status
    assert outcome.message == document["error"]["message"]
    assert outcome.metadata == document["error"].get("metadata")
    assert outcome.body == document
    assert outcome.generation_id is None


@pytest.mark.parametrize("status", [429, 500, 502, 503, 524, 529])
def test_every_attempt_of_a_retried_call_fits_the_spec(status: int, ours: Contract) -> None:
    app = create_app()
    recorder = Recorder(sync_transport(app))
    policy = stt.RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0, max_retry_after=0.0)
    with stt.OpenRouterSTT(
        api_key=DEFAULT_API_KEY,
        base_url=BASE_URL,
        retry_policy=policy,
        http_client=httpx.Client(transport=recorder),
    ) as client:
        with pytest.raises(ERRORS_BY_STATUS[status]):
            client.transcribe(
                short_wav(), model="openai/whisper-1", extra_headers={"Prefer": f"code={status}"}
            )
        client._client.close()
    assert len(recorder.exchanges) == 3
    bodies = {exchange.sent for exchange in recorder.exchanges}
    assert len(bodies) == 1  # every attempt sends the very same bytes
    for exchange in recorder.exchanges:
        assert ours.request_errors(exchange.request, exchange.sent) == []
        assert ours.response_errors(exchange.request, exchange.sent, exchange.response) == []
        assert json.loads(exchange.response.content)["error"]["code"] == status
