"""What openai-python users take for granted: ``with_options``/``copy``, per-call ``extra_body``
and ``extra_query``, and logging switched on by ``OPENROUTER_LOG``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import anyio
import httpx
import pytest
import respx

from openrouter_stt import AsyncOpenRouterSTT, InvalidRequestError, OpenRouterSTT, RetryPolicy

from .conftest import API_KEY, BASE_URL, MODEL, OK_BODY, ClientAdapter, sent


@pytest.fixture
def wav(data_dir: Path) -> Path:
    return data_dir / "hello.wav"


def test_with_options_replaces_what_is_given_and_keeps_the_rest(
    router: respx.MockRouter, wav: Path
) -> None:
    route = router.post("/audio/transcriptions").respond(200, json=OK_BODY)
    other = router.post("https://elsewhere.test/v1/audio/transcriptions").respond(200, json=OK_BODY)
    client = OpenRouterSTT(API_KEY, base_url=BASE_URL, app_title="App", max_retries=5)
    copy = client.with_options(
        timeout=3.0, max_retries=0, default_headers={"X-Extra": "1"}, api_key="sk-other"
    )
    assert type(copy) is OpenRouterSTT
    assert copy.timeout == httpx.Timeout(3.0)
    assert copy.retry_policy.max_retries == 0
    assert client.retry_policy.max_retries == 5
    assert client.timeout != copy.timeout
    copy.transcribe(wav, model=MODEL)
    headers = route.calls.last.request.headers
    assert (headers["authorization"], headers["x-extra"]) == ("Bearer sk-other", "1")
    assert headers["x-openrouter-title"] == "App"  # kept from the original
    client.transcribe(wav, model=MODEL)
    headers = route.calls.last.request.headers
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert "x-extra" not in headers
    client.copy(base_url="https://elsewhere.test/v1").transcribe(wav, model=MODEL)
    assert other.call_count == 1
    client.close()


def test_a_copy_shares_the_connection_pool_and_never_closes_it() -> None:
    http = httpx.Client()
    client = OpenRouterSTT(API_KEY)
    copy = client.copy(retry_policy=RetryPolicy(max_retries=1))
    assert copy._client is client._client
    copy.close()
    assert not client._client.is_closed
    client.close()
    assert client._client.is_closed
    mine = OpenRouterSTT(API_KEY).copy(http_client=http)
    mine.close()
    assert not http.is_closed
    http.close()


def test_a_copy_checks_what_it_is_given() -> None:
    client = OpenRouterSTT(API_KEY)
    with pytest.raises(InvalidRequestError, match="base_url"):
        client.with_options(base_url="openrouter.ai/api/v1")
    with pytest.raises(InvalidRequestError, match=r"needs an httpx\.Client"):
        client.with_options(http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    client.close()


def test_the_async_client_copies_alike() -> None:
    async def run() -> None:
        async with AsyncOpenRouterSTT(API_KEY) as client:
            copy = client.with_options(max_retries=7)
            assert type(copy) is AsyncOpenRouterSTT
            assert copy.retry_policy.max_retries == 7
            assert copy._client is client._client
            await copy.aclose()
            assert not client._client.is_closed

    anyio.run(run)


def test_extra_body_adds_and_replaces_fields_in_both_forms(
    stt_each_form: ClientAdapter, route: respx.Route, wav: Path
) -> None:
    stt_each_form.transcribe(
        wav, language="en", extra_body={"prompt": "Names: Scribe", "language": "fr", "n": 2}
    )
    got = sent(route.calls.last.request)
    expected_n = 2 if got.form == "json" else "2"  # a form's part is text; JSON keeps the type
    assert got.fields == {
        "model": MODEL,
        "language": "fr",
        "prompt": "Names: Scribe",
        "n": expected_n,
    }
    assert got.audio == wav.read_bytes()


def test_extra_query_is_added_to_the_url(stt: ClientAdapter, route: respx.Route, wav: Path) -> None:
    stt.transcribe(wav, extra_query={"debug": "1"})
    assert route.calls.last.request.url.params["debug"] == "1"


LOG_PROBE = """
import logging, httpx
from openrouter_stt import OpenRouterSTT
def answer(request):
    return httpx.Response(200, json={"text": "hi"}, headers={"X-Generation-Id": "gen-9"})
http = httpx.Client(transport=httpx.MockTransport(answer))
with OpenRouterSTT("sk-secret", http_client=http) as c:
    c.transcribe(b"RIFF\\0\\0\\0\\0WAVE", model="m")
"""


@pytest.mark.parametrize(("value", "lines"), [("debug", 2), ("INFO", 0), ("", 0), ("loud", 0)])
def test_openrouter_log_turns_the_logger_on(value: str, lines: int) -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOG_PROBE],
        capture_output=True,
        text=True,
        check=True,
        env={"OPENROUTER_LOG": value, "PATH": ""},
    )
    logged = [line for line in result.stderr.splitlines() if "openrouter_stt" in line]
    assert len(logged) == lines, result.stderr
    if lines:
        assert "DEBUG] Sending POST https://openrouter.ai/api/v1/audio/transcriptions" in logged[0]
        assert "Received 200" in logged[1]
        assert "gen-9" in logged[1]
    assert "sk-secret" not in result.stderr


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "openrouter_stt", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("openrouter-stt ")
