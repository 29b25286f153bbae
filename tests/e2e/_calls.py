"""The real client's calls to the mock process, shared by the end-to-end tests: ``transcribe`` with
a sync or async client, the server's journal, and the parametrisations over both."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

import openrouter_stt as stt
from openrouter_stt_mock import DEFAULT_API_KEY
from tests.e2e.conftest import Server

#: Retries without waiting.
FAST_RETRIES = stt.RetryPolicy(
    max_retries=2, initial_delay=0.001, max_delay=0.01, max_retry_after=0.01, total_timeout=30.0
)
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
FORMS = pytest.mark.parametrize("form", ["json", "multipart"])


def transcribe(
    server: Server, kind: str, audio: Any, api_key: str = DEFAULT_API_KEY, **kwargs: Any
) -> Any:
    """``transcribe`` with a client of ``kind`` (sync or async) pointed at ``server``; the
    ``model`` must be among ``kwargs``."""
    options: dict[str, Any] = {"base_url": server.base_url, "retry_policy": FAST_RETRIES}
    if kind == "sync":
        with stt.OpenRouterSTT(api_key, **options) as client:
            return client.transcribe(audio, **kwargs)

    async def run() -> Any:
        async with stt.AsyncOpenRouterSTT(api_key, **options) as client:
            return await client.transcribe(audio, **kwargs)

    return anyio.run(run)


def journal(server: Server) -> list[dict[str, Any]]:
    """Every entry of the server's journal, oldest first."""
    entries: list[dict[str, Any]] = httpx.get(server.url + "/_mock/journal", timeout=5.0).json()
    return entries
