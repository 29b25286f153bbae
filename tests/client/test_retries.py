"""Retries through the clients: what is retried, how often, how long the client waits."""

from __future__ import annotations

import email.utils
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import respx

from openrouter_stt import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    RateLimitError,
    RetryPolicy,
    ServiceUnavailableError,
)

from .conftest import API_KEY, OK_BODY, ClientAdapter, FakeClock, sent_audio

RETRYABLE = [408, 429, 500, 502, 503, 524, 529]
NOT_RETRYABLE = [400, 401, 402, 404, 413, 422]


@pytest.fixture
def wav(data_dir: Path) -> Path:
    return data_dir / "hello.wav"


def failing(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": status, "message": "try later"}}, headers=headers
    )


@pytest.mark.parametrize("status", RETRYABLE)
def test_retryable_status_is_retried_then_succeeds(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, status: int
) -> None:
    route = router.post("/audio/transcriptions")
    route.side_effect = [failing(status), failing(status), httpx.Response(200, json=OK_BODY)]
    assert stt.transcribe(wav).text == "hello"
    assert route.call_count == 3
    assert stt.clock.sleeps == [0.5, 1.0]
    # Every attempt sends the whole audio again.
    assert {sent_audio(call.request) for call in route.calls} == {wav.read_bytes()}


@pytest.mark.parametrize("status", RETRYABLE)
def test_retries_stop_after_max_retries(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, status: int
) -> None:
    route = router.post("/audio/transcriptions").mock(return_value=failing(status))
    with pytest.raises(APIStatusError) as caught:
        stt.transcribe(wav)
    assert caught.value.status_code == status
    assert route.call_count == 3
    assert len(stt.clock.sleeps) == 2


@pytest.mark.parametrize("status", NOT_RETRYABLE)
def test_other_statuses_are_not_retried(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, status: int
) -> None:
    route = router.post("/audio/transcriptions").mock(return_value=failing(status))
    with pytest.raises(APIStatusError):
        stt.transcribe(wav)
    assert route.call_count == 1
    assert stt.clock.sleeps == []


@pytest.mark.parametrize(
    ("exc", "raised"),
    [
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.RemoteProtocolError("peer closed"), APIConnectionError),
        (httpx.ReadError("reset"), APIConnectionError),
        (httpx.ConnectTimeout("slow connect"), APITimeoutError),
        (httpx.ReadTimeout("slow answer"), APITimeoutError),
        (httpx.WriteTimeout("slow upload"), APITimeoutError),
        (httpx.PoolTimeout("pool full"), APITimeoutError),
    ],
)
def test_connection_errors_are_retried_then_raised_chained(
    stt: ClientAdapter,
    router: respx.MockRouter,
    wav: Path,
    exc: httpx.TransportError,
    raised: type[APIConnectionError],
) -> None:
    route = router.post("/audio/transcriptions").mock(side_effect=exc)
    with pytest.raises(raised) as caught:
        stt.transcribe(wav)
    assert type(caught.value) is raised
    assert caught.value.__cause__ is exc
    assert caught.value.request.url.path == "/api/v1/audio/transcriptions"
    assert route.call_count == 3


def test_connection_error_then_success(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    route = router.post("/audio/transcriptions")
    route.side_effect = [httpx.ConnectError("down"), httpx.Response(200, json=OK_BODY)]
    assert stt.transcribe(wav).text == "hello"
    assert route.call_count == 2


@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_max_retries_per_call(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, max_retries: int
) -> None:
    route = router.post("/audio/transcriptions").mock(return_value=failing(500))
    with pytest.raises(APIStatusError):
        stt.transcribe(wav, max_retries=max_retries)
    assert route.call_count == max_retries + 1


def test_max_retries_on_the_client(stt: ClientAdapter, router: respx.MockRouter, wav: Path) -> None:
    route = router.post("/audio/transcriptions").mock(return_value=failing(503))
    with pytest.raises(ServiceUnavailableError):
        stt.transcribe(wav, client_kwargs={"max_retries": 0})
    assert route.call_count == 1


def test_retry_policy_on_the_client(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    route = router.post("/audio/transcriptions").mock(return_value=failing(503))
    policy = RetryPolicy(max_retries=3, initial_delay=1.0, max_delay=3.0)
    with pytest.raises(ServiceUnavailableError):
        stt.transcribe(wav, client_kwargs={"retry_policy": policy})
    assert route.call_count == 4
    assert stt.clock.sleeps == [1.0, 2.0, 3.0]


def test_retry_after_is_honoured(stt: ClientAdapter, router: respx.MockRouter, wav: Path) -> None:
    route = router.post("/audio/transcriptions")
    route.side_effect = [failing(429, **{"Retry-After": "7"}), httpx.Response(200, json=OK_BODY)]
    stt.transcribe(wav)
    assert stt.clock.sleeps == [7.0]


def test_retry_after_ms_is_honoured(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    route = router.post("/audio/transcriptions")
    route.side_effect = [
        failing(503, **{"retry-after-ms": "1500", "Retry-After": "9"}),
        httpx.Response(200, json=OK_BODY),
    ]
    stt.transcribe(wav)
    assert stt.clock.sleeps == [1.5]


def test_retry_after_is_capped(stt: ClientAdapter, router: respx.MockRouter, wav: Path) -> None:
    route = router.post("/audio/transcriptions")
    route.side_effect = [failing(429, **{"Retry-After": "3600"}), httpx.Response(200, json=OK_BODY)]
    stt.transcribe(wav)
    assert stt.clock.sleeps == [60.0]


def test_retry_after_on_a_non_retryable_status_is_ignored(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    route = router.post("/audio/transcriptions").mock(
        return_value=failing(400, **{"Retry-After": "1"})
    )
    with pytest.raises(APIStatusError):
        stt.transcribe(wav)
    assert route.call_count == 1


def test_no_sleep_past_the_total_deadline(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    route = router.post("/audio/transcriptions").mock(
        return_value=failing(429, **{"Retry-After": "30"})
    )
    policy = RetryPolicy(max_retries=5, total_timeout=50.0)
    with pytest.raises(RateLimitError):
        stt.transcribe(wav, client_kwargs={"retry_policy": policy})
    # 30 s fits in 50 s; a second 30 s would end past it, so the 429 is raised instead.
    assert stt.clock.sleeps == [30.0]
    assert route.call_count == 2


def test_attempt_timeouts_shrink_to_the_time_left(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    route = router.post("/audio/transcriptions")
    route.side_effect = [failing(503, **{"Retry-After": "8"}), httpx.Response(200, json=OK_BODY)]
    policy = RetryPolicy(total_timeout=20.0)
    stt.transcribe(
        wav, client_kwargs={"retry_policy": policy, "timeout": httpx.Timeout(15.0, connect=2.0)}
    )
    first, second = (call.request.extensions["timeout"] for call in route.calls)
    assert first == {"connect": 2.0, "read": 15.0, "write": 15.0, "pool": 15.0}
    assert second == {"connect": 2.0, "read": 12.0, "write": 12.0, "pool": 12.0}


def test_per_call_timeout_overrides_the_client(
    stt: ClientAdapter, route: respx.Route, wav: Path
) -> None:
    stt.transcribe(wav, timeout=3.0)
    assert route.calls.last.request.extensions["timeout"] == {
        "connect": 3.0,
        "read": 3.0,
        "write": 3.0,
        "pool": 3.0,
    }


def test_default_timeout_is_sent(stt: ClientAdapter, route: respx.Route, wav: Path) -> None:
    stt.transcribe(wav)
    assert route.calls.last.request.extensions["timeout"] == {
        "connect": 5.0,
        "read": 120.0,
        "write": 120.0,
        "pool": 10.0,
    }


def test_retries_are_logged_at_info_and_each_exchange_at_debug(
    stt: ClientAdapter,
    router: respx.MockRouter,
    wav: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    route = router.post("/audio/transcriptions")
    route.side_effect = [
        failing(502),
        httpx.Response(200, json=OK_BODY, headers={"X-Generation-Id": "gen-1"}),
    ]
    with caplog.at_level(logging.DEBUG, logger="openrouter_stt"):
        stt.transcribe(wav, upload="json")
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "openrouter_stt"]
    url = "https://openrouter.test/api/v1/audio/transcriptions"
    size = len(route.calls.last.request.content)
    assert records == [
        ("DEBUG", f"Sending POST {url} (application/json, {size} bytes)"),
        ("INFO", f"Retrying POST {url} in 0.50 s (retry 1 of 2) after status 502"),
        ("DEBUG", f"Sending POST {url} (application/json, {size} bytes)"),
        ("DEBUG", f"Received 200 from POST {url} (generation gen-1)"),
    ]
    assert API_KEY not in caplog.text


def test_retry_after_as_an_http_date_is_read_against_the_clock(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    when = email.utils.formatdate(stt.clock.time() + 12, usegmt=True)
    route = router.post("/audio/transcriptions")
    route.side_effect = [failing(503, **{"Retry-After": when}), httpx.Response(200, json=OK_BODY)]
    stt.transcribe(wav)
    assert stt.clock.sleeps == [12.0]


class Trickle(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An answer whose every piece arrives in time for the read timeout, each 30 s after the
    last on the client's clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def __iter__(self) -> Iterator[bytes]:
        for piece in (b'{"text":', b' "hel', b'lo", "usage"', b': {"cost": 0, "seconds": 1}}'):
            self.clock.now += 30
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self:
            yield piece


@pytest.mark.parametrize(("total", "raised"), [(100.0, True), (130.0, False)])
def test_an_answer_read_past_the_total_timeout_times_out(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, total: float, raised: bool
) -> None:
    route = router.post("/audio/transcriptions")
    route.side_effect = lambda request: httpx.Response(200, stream=Trickle(stt.clock))
    policy = RetryPolicy(max_retries=0, total_timeout=total)
    if raised:
        with pytest.raises(APITimeoutError) as caught:
            stt.transcribe(wav, client_kwargs={"retry_policy": policy})
        assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
        assert "total timeout ran out" in str(caught.value.__cause__)
    else:
        assert stt.transcribe(wav, client_kwargs={"retry_policy": policy}).text == "hello"
    assert route.call_count == 1
