"""In-process transports: sync bodies streamed, faults raised as the httpx errors of a network."""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from openrouter_stt_mock import (
    Limits,
    MockConfig,
    MockHandle,
    World,
    async_transport,
    create_app,
    get_handle,
    sync_transport,
)

from .conftest import ENDPOINT, ROOT_URL, auth, body, sample


def _chunks() -> Iterator[bytes]:
    data = base64.b64encode(sample("wav")).decode()
    yield b'{"model": "openai/whisper-large-v3", "input_audio": {"format": "wav", "data": "'
    for start in range(0, len(data), 10_000):
        yield data[start : start + 10_000].encode()
    yield b'"}}'


def test_sync_transport_streams_a_sync_body(client: httpx.Client) -> None:
    response = client.post(ENDPOINT, content=_chunks(), headers=auth())
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["seconds"] == 9.2


@pytest.mark.anyio
async def test_async_transport() -> None:
    app = create_app()
    async with httpx.AsyncClient(transport=async_transport(app), base_url=ROOT_URL) as client:
        response = await client.post(ENDPOINT, json=body(), headers=auth())
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("fault", "message"),
    [("reset", "without sending a response"), ("truncated", "complete message body")],
)
def test_sync_faults(client: httpx.Client, handle: MockHandle, fault: str, message: str) -> None:
    handle.queue(fault=fault)  # type: ignore[arg-type]
    with pytest.raises(httpx.RemoteProtocolError, match=message) as caught:
        client.post(ENDPOINT, json=body(), headers=auth())
    assert caught.value.request.url.path == ENDPOINT
    assert handle.journal.last.response.fault == fault
    assert client.post(ENDPOINT, json=body(), headers=auth()).status_code == 200


def test_sync_stall_honours_the_read_timeout(client: httpx.Client, handle: MockHandle) -> None:
    handle.queue(fault="stall")
    with pytest.raises(httpx.ReadTimeout):
        client.post(ENDPOINT, json=body(), headers=auth(), timeout=httpx.Timeout(5, read=0.1))
    assert client.post(ENDPOINT, json=body(), headers=auth()).status_code == 200


def test_stall_ends_at_its_bound_without_a_timeout() -> None:
    app = create_app(MockConfig(stall_seconds=0.05))
    get_handle(app).queue(fault="stall")
    transport = sync_transport(app)
    with (
        httpx.Client(transport=transport, base_url=ROOT_URL, timeout=None) as client,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.post(ENDPOINT, json=body(), headers=auth())


def test_slow_provider_beyond_the_read_timeout_is_a_read_timeout(client: httpx.Client) -> None:
    request = body("wav", "mock/slow-provider")
    with pytest.raises(httpx.ReadTimeout):
        client.post(ENDPOINT, json=request, headers=auth(), timeout=httpx.Timeout(5, read=0.05))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("reset", httpx.RemoteProtocolError),
        ("truncated", httpx.RemoteProtocolError),
        ("stall", httpx.ReadTimeout),
    ],
)
async def test_async_faults(fault: str, error: type[Exception]) -> None:
    app = create_app()
    get_handle(app).queue(fault=fault)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=async_transport(app), base_url=ROOT_URL, timeout=httpx.Timeout(5, read=0.1)
    ) as client:
        with pytest.raises(error):
            await client.post(ENDPOINT, json=body(), headers=auth())
        assert (await client.post(ENDPOINT, json=body(), headers=auth())).status_code == 200


def test_413_for_an_honest_big_body_and_a_declared_length() -> None:
    world = dataclasses.replace(World.default(), limits=Limits(max_body_bytes=1000))
    app = create_app(MockConfig(world=world))
    with httpx.Client(transport=sync_transport(app), base_url=ROOT_URL) as client:
        streamed = client.post(ENDPOINT, content=iter([b"x" * 600] * 3), headers=auth())
        assert streamed.status_code == 413
        declared = client.post(
            ENDPOINT, content=b"{}", headers={**auth(), "Content-Length": str(10**12)}
        )
    assert declared.status_code == 413
    assert str(10**12) in declared.json()["error"]["message"]
    assert get_handle(app).journal.last.request.body_size == 10**12


def test_413_for_the_default_limit(client: httpx.Client) -> None:
    big = b'{"model": "x", "pad": "' + b"a" * (32 * 1024 * 1024) + b'"}'
    response = client.post(ENDPOINT, content=big, headers=auth())
    assert response.status_code == 413
    assert json.loads(response.content)["error"]["metadata"]["limit_bytes"] == 32 * 1024 * 1024


def _loop_threads() -> int:
    return sum(t.name == "openrouter-stt-mock-loop" for t in threading.enumerate())


def test_transport_closes_its_loop_thread() -> None:
    before = _loop_threads()
    transport = sync_transport(create_app())
    with httpx.Client(transport=transport, base_url=ROOT_URL) as client:
        assert client.get("/openapi.json").status_code == 200
        assert _loop_threads() == before + 1
    assert _loop_threads() == before
    transport.close()  # closing twice is harmless


def test_an_unclosed_client_does_not_hold_the_program_open() -> None:
    code = (
        "import httpx; from openrouter_stt_mock import create_app, sync_transport; "
        "c = httpx.Client(transport=sync_transport(create_app()), base_url='http://m'); "
        "print(c.get('/openapi.json').status_code)"
    )
    result = subprocess.run(  # the test's own interpreter, a fixed command
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "200"
