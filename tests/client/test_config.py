"""Client construction: environment fallbacks, HTTP clients, context managers, and keeping the
API key out of reprs, error messages and logs."""

from __future__ import annotations

import inspect
import logging
import time
from pathlib import Path

import anyio
import httpx
import pytest
import respx

from openrouter_stt import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    APIStatusError,
    AsyncOpenRouterSTT,
    AsyncTranscriptionsWithRawResponse,
    Clock,
    InvalidRequestError,
    NotGiven,
    OpenRouterSTT,
    OpenRouterSTTError,
    RawResponse,
    TranscriptionsWithRawResponse,
)

from .conftest import API_KEY, BASE_URL, ClientAdapter


@pytest.fixture
def wav(data_dir: Path) -> Path:
    return data_dir / "hello.wav"


def test_key_and_base_url_from_the_environment(
    stt: ClientAdapter, route: respx.Route, wav: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-from-env")
    monkeypatch.setenv("OPENROUTER_BASE_URL", BASE_URL + "/")
    stt.transcribe(wav, client_kwargs={"api_key": None, "base_url": None})
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-or-from-env"


def test_arguments_win_over_the_environment(
    stt: ClientAdapter, route: respx.Route, wav: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-from-env")
    monkeypatch.setenv("OPENROUTER_BASE_URL", "https://elsewhere.test/api/v1")
    stt.transcribe(wav)
    assert route.calls.last.request.headers["authorization"] == f"Bearer {API_KEY}"


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENROUTER_BASE_URL", raising=False)
    with OpenRouterSTT(API_KEY) as client:
        assert client.base_url == DEFAULT_BASE_URL == "https://openrouter.ai/api/v1"
        assert client.timeout == DEFAULT_TIMEOUT


def test_default_timeout_is_an_httpx_timeout() -> None:
    assert isinstance(DEFAULT_TIMEOUT, httpx.Timeout)
    assert (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read) == (5.0, 120.0)
    assert (DEFAULT_TIMEOUT.write, DEFAULT_TIMEOUT.pool) == (120.0, 10.0)


def test_not_given_is_a_falsy_singleton_distinct_from_none() -> None:
    assert NotGiven() is NOT_GIVEN
    assert NOT_GIVEN is not None
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"


def test_timeout_none_means_no_timeout_per_attempt() -> None:
    with OpenRouterSTT(API_KEY, timeout=None) as client:
        assert client.timeout == httpx.Timeout(None)


def test_own_sync_http_client_is_used_and_left_open(route: respx.Route, wav: Path) -> None:
    http_client = httpx.Client(headers={"X-From-Http-Client": "yes"})
    with OpenRouterSTT(API_KEY, base_url=BASE_URL, http_client=http_client) as client:
        client.transcribe(wav, model="m")
    assert not http_client.is_closed
    headers = route.calls.last.request.headers
    assert headers["x-from-http-client"] == "yes"
    assert headers["user-agent"].startswith("openrouter-stt/")
    http_client.close()


def test_own_async_http_client_is_used_and_left_open(route: respx.Route, wav: Path) -> None:
    async def main() -> httpx.AsyncClient:
        http_client = httpx.AsyncClient(headers={"X-From-Http-Client": "yes"})
        async with AsyncOpenRouterSTT(
            API_KEY, base_url=BASE_URL, http_client=http_client
        ) as client:
            await client.transcribe(wav, model="m")
        assert not http_client.is_closed
        await http_client.aclose()
        return http_client

    anyio.run(main)
    assert route.calls.last.request.headers["x-from-http-client"] == "yes"


@pytest.mark.parametrize("cls", [OpenRouterSTT, AsyncOpenRouterSTT])
@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("openrouter.ai/api/v1", "no http:// or https:// scheme"),
        ("localhost:8080/api/v1", "no http:// or https:// scheme"),
        ("ftp://openrouter.ai/api/v1", "no http:// or https:// scheme"),
        ("https://", "no host"),
    ],
)
def test_a_base_url_that_is_not_an_http_url_is_refused_when_built(
    cls: type[OpenRouterSTT] | type[AsyncOpenRouterSTT], base_url: str, problem: str
) -> None:
    # Accepted, it would fail every attempt as a connection error, retries included.
    with pytest.raises(InvalidRequestError, match=problem) as caught:
        cls(API_KEY, base_url=base_url)
    assert caught.value.field == "base_url"
    assert str(caught.value).startswith(f"base_url: {base_url!r}")
    assert "https://openrouter.ai/api/v1" in str(caught.value)  # what is accepted


def test_a_base_url_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "127.0.0.1:8080/api/v1")
    with pytest.raises(InvalidRequestError, match="from OPENROUTER_BASE_URL") as caught:
        OpenRouterSTT(API_KEY)
    assert caught.value.field == "base_url"


def test_http_and_https_base_urls_are_accepted() -> None:
    for url in ("http://127.0.0.1:8080/api/v1/", "HTTPS://openrouter.ai/api/v1"):
        with OpenRouterSTT(API_KEY, base_url=url) as client:
            assert client.base_url == url.rstrip("/")


def test_an_http_client_of_the_other_kind_is_refused_when_built() -> None:
    with httpx.Client() as sync_http, pytest.raises(InvalidRequestError) as caught:
        AsyncOpenRouterSTT(API_KEY, http_client=sync_http)  # type: ignore[arg-type]
    assert caught.value.field == "http_client"
    assert str(caught.value) == (
        "http_client: AsyncOpenRouterSTT needs an httpx.AsyncClient, got httpx.Client"
    )

    async def main() -> None:
        async with httpx.AsyncClient() as async_http:
            with pytest.raises(InvalidRequestError, match=r"needs an httpx\.Client,") as caught:
                OpenRouterSTT(API_KEY, http_client=async_http)  # type: ignore[arg-type]
            assert caught.value.field == "http_client"

    anyio.run(main)


def test_created_http_clients_are_closed() -> None:
    with OpenRouterSTT(API_KEY) as client:
        pass
    assert client._client.is_closed

    async def main() -> AsyncOpenRouterSTT:
        async with AsyncOpenRouterSTT(API_KEY) as client:
            pass
        return client

    assert anyio.run(main)._client.is_closed


def test_repr_shows_no_key() -> None:
    for cls in (OpenRouterSTT, AsyncOpenRouterSTT):
        client = cls(API_KEY, base_url=BASE_URL, http_client=None)
        text = repr(client)
        assert text == f"{cls.__name__}(base_url='{BASE_URL}')"
        assert API_KEY not in text
        assert "sk-or" not in text


@pytest.mark.parametrize(
    "outcome",
    [
        httpx.Response(401, json={"error": {"code": 401, "message": "No auth credentials found"}}),
        httpx.Response(500, text="boom"),
        httpx.Response(200, json={"nope": 1}),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ],
)
def test_key_never_in_errors_or_logs(
    stt: ClientAdapter,
    router: respx.MockRouter,
    wav: Path,
    caplog: pytest.LogCaptureFixture,
    outcome: httpx.Response | Exception,
) -> None:
    router.post("/audio/transcriptions").mock(side_effect=[outcome] * 3)
    with caplog.at_level(logging.DEBUG), pytest.raises(OpenRouterSTTError) as caught:
        stt.transcribe(wav)
    error = caught.value
    for text in (str(error), repr(error), str(error.args), caplog.text):
        assert API_KEY not in text
    if isinstance(error, APIStatusError):
        assert API_KEY not in str(error.body)


def test_with_raw_response_on_success_only(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    router.post("/audio/transcriptions").respond(404, json={"error": {"code": 404, "message": "x"}})
    with pytest.raises(APIStatusError):
        stt.raw(wav)


def test_with_raw_response_takes_exactly_the_parameters_of_transcribe() -> None:
    for cls, raw_cls in (
        (OpenRouterSTT, TranscriptionsWithRawResponse),
        (AsyncOpenRouterSTT, AsyncTranscriptionsWithRawResponse),
    ):
        client = cls(API_KEY, base_url=BASE_URL)
        raw = client.with_raw_response
        assert isinstance(raw, raw_cls)
        declared = inspect.signature(client.transcribe).parameters
        assert inspect.signature(raw.transcribe).parameters == declared
        assert list(declared)[:2] == ["audio", "model"]
        assert inspect.iscoroutinefunction(raw.transcribe) is (cls is AsyncOpenRouterSTT)


def test_raw_response_is_the_read_httpx_response(
    stt: ClientAdapter, route: respx.Route, wav: Path
) -> None:
    raw = stt.raw(wav)
    assert isinstance(raw, RawResponse)
    assert raw.http_response.is_closed
    assert raw.http_response.elapsed.total_seconds() >= 0
    assert raw.http_response.request.url == route.calls.last.request.url


def test_a_raw_call_leaves_later_calls_parsed(
    stt: ClientAdapter, route: respx.Route, wav: Path
) -> None:
    assert isinstance(stt.raw(wav), RawResponse)
    assert stt.transcribe(wav).text == "hello"


def test_the_default_clock_is_real_time_and_chance() -> None:
    clock = Clock()
    before = clock.monotonic()
    clock.sleep(0.01)
    assert clock.monotonic() - before >= 0.01
    anyio.run(clock.asleep, 0)
    assert abs(clock.time() - time.time()) < 5
    draws = {clock.jitter() for _ in range(50)}
    assert len(draws) > 1
    assert all(0 <= d < 1 for d in draws)
