"""Fixtures of the client tests: a strict respx router, and one adapter that runs the same test
body through the sync and the async client, with a fake clock so retries never really sleep."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
import respx

from openrouter_stt import AsyncOpenRouterSTT, Clock, OpenRouterSTT, RawResponse, STTResponse

API_KEY = "sk-or-v1-test-0123456789abcdef"
BASE_URL = "https://openrouter.test/api/v1"
URL = BASE_URL + "/audio/transcriptions"
MODEL = "openai/whisper-large-v3"
OK_BODY = {"text": "hello", "usage": {"cost": 0.000508, "seconds": 9.2}}


class FakeClock(Clock):
    """A clock that only moves when the client sleeps (or a test says so), and no jitter."""

    #: The Unix time when the monotonic clock reads 0.
    EPOCH = 1_700_000_000.0

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.EPOCH + self.now

    def jitter(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class ClientAdapter:
    """Calls ``transcribe`` on a sync or an async client with the same, synchronous, spelling."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.clock = FakeClock()

    def make(self, **kwargs: Any) -> OpenRouterSTT | AsyncOpenRouterSTT:
        """A client of this adapter's kind with the fake clock and no jitter."""
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("base_url", BASE_URL)
        kwargs.setdefault("clock", self.clock)
        if self.kind == "sync":
            return OpenRouterSTT(**kwargs)
        return AsyncOpenRouterSTT(**kwargs)

    def call(self, method: str, audio: Any, client_kwargs: dict[str, Any], **kwargs: Any) -> Any:
        kwargs.setdefault("model", MODEL)
        client = self.make(**client_kwargs)
        if isinstance(client, OpenRouterSTT):
            with client:
                target = client.with_raw_response if method == "raw" else client
                return target.transcribe(audio, **kwargs)

        async def run() -> Any:
            assert isinstance(client, AsyncOpenRouterSTT)
            async with client:
                target = client.with_raw_response if method == "raw" else client
                return await target.transcribe(audio, **kwargs)

        return anyio.run(run)

    def transcribe(
        self, audio: Any, *, client_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> STTResponse:
        result = self.call("parsed", audio, client_kwargs or {}, **kwargs)
        assert isinstance(result, STTResponse)
        return result

    def raw(
        self, audio: Any, *, client_kwargs: dict[str, Any] | None = None, **kwargs: Any
    ) -> RawResponse:
        result = self.call("raw", audio, client_kwargs or {}, **kwargs)
        assert isinstance(result, RawResponse)
        return result


@pytest.fixture(params=["sync", "async"])
def stt(request: pytest.FixtureRequest) -> ClientAdapter:
    """The same test, once with :class:`OpenRouterSTT` and once with the async client."""
    return ClientAdapter(request.param)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    """respx at its strictest: every request must match a route, and every route be called."""
    with respx.mock(base_url=BASE_URL, assert_all_called=True, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def route(router: respx.MockRouter) -> respx.Route:
    """The transcription route, answering 200 with a transcript unless a test says otherwise."""
    return router.post("/audio/transcriptions").respond(
        200, json=OK_BODY, headers={"X-Generation-Id": "gen-ok"}
    )


@pytest.fixture
def no_route(router: respx.MockRouter) -> Iterator[respx.MockRouter]:
    """A router with no route at all: the test fails if anything is sent."""
    yield router
    assert router.calls.call_count == 0


def sent_json(request: httpx.Request) -> dict[str, Any]:
    """The JSON body a request carried."""
    body = json.loads(request.content)
    assert isinstance(body, dict)
    return body


def sent_audio(request: httpx.Request) -> bytes:
    """The audio bytes a request carried, decoded from base64."""
    return base64.b64decode(sent_json(request)["input_audio"]["data"], validate=True)
