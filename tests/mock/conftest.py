"""Helpers for the mock's tests: request bodies from the bundled samples, and in-process clients.

The tests go through the real app with httpx and the mock's own in-process transport (Starlette's
``TestClient`` warns about httpx in this Starlette version, and warnings are errors here).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from openrouter_stt_mock import (
    DEFAULT_API_KEY,
    IN_PROCESS_BASE_URL,
    MockConfig,
    MockHandle,
    create_app,
    get_handle,
    sync_transport,
)

DATA = Path(__file__).resolve().parents[1] / "data"
ENDPOINT = "/api/v1/audio/transcriptions"
#: The in-process mock's root: the endpoint, the spec and the control routes are paths under it.
ROOT_URL = IN_PROCESS_BASE_URL.removesuffix("/api/v1")
FORMATS = ("wav", "mp3", "flac", "m4a", "ogg", "webm", "aac")


def sample(fmt: str = "wav") -> bytes:
    """The bundled 9.2 s sample in ``fmt``."""
    return (DATA / f"hello.{fmt}").read_bytes()


def body(
    fmt: str = "wav",
    model: str = "openai/whisper-large-v3",
    audio: bytes | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A request body for ``audio`` (default: the bundled sample in ``fmt``)."""
    data = base64.b64encode(sample(fmt) if audio is None else audio).decode()
    return {"model": model, "input_audio": {"data": data, "format": fmt}, **extra}


def auth(key: str = DEFAULT_API_KEY) -> dict[str, str]:
    """The Authorization header for ``key``."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def app() -> Starlette:
    """A fresh mock app with the default world."""
    return create_app()


@pytest.fixture
def handle(app: Starlette) -> MockHandle:
    """The scenario handle of ``app``."""
    return get_handle(app)


def http_client(app: Starlette) -> httpx.Client:
    """An httpx client served by ``app`` in process (close it, or use it in ``with``)."""
    return httpx.Client(transport=sync_transport(app), base_url=ROOT_URL)


@pytest.fixture
def client(app: Starlette) -> Iterator[httpx.Client]:
    """An httpx client for ``app``."""
    with http_client(app) as test_client:
        yield test_client


def make_client(config: MockConfig) -> tuple[httpx.Client, MockHandle]:
    """A client (to be closed by the caller) and the handle of an app built from ``config``."""
    app = create_app(config)
    return http_client(app), get_handle(app)


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error response, checked against the shared shape."""
    payload = response.json()
    assert set(payload) <= {"error", "user_id"}
    assert payload["error"]["code"] == response.status_code
    assert isinstance(payload["error"]["message"], str)
    error: dict[str, Any] = payload["error"]
    return error
