"""The client against the ``openrouter_mock`` fixture's planned outcomes: statuses the client
retries, 408 included now that the contract documents it, and the 2026-10-27 errors."""

from __future__ import annotations

import pytest

from openrouter_stt import ForbiddenError, GatewayTimeoutError, RequestTimeoutError
from openrouter_stt_mock import MockFixture


@pytest.mark.parametrize("status", [408, 504])
def test_a_queued_status_is_retried(openrouter_mock: MockFixture, status: int) -> None:
    openrouter_mock.queue(status)
    client = openrouter_mock.client(max_retries=1)
    result = client.transcribe(openrouter_mock.sample("wav"), model="openai/whisper-large-v3")
    assert result.text
    assert [entry.response.status for entry in openrouter_mock.journal] == [status, 200]


@pytest.mark.parametrize(
    ("status", "error"),
    [(408, RequestTimeoutError), (504, GatewayTimeoutError), (403, ForbiddenError)],
)
def test_a_queued_status_raises_its_class(
    openrouter_mock: MockFixture, status: int, error: type[Exception]
) -> None:
    # 403 is the request's own fault, never retried; the others are tried three times.
    attempts = 1 if status == 403 else 3
    openrouter_mock.queue(status, times=attempts)
    client = openrouter_mock.client(max_retries=2)
    with pytest.raises(error):
        client.transcribe(openrouter_mock.sample("wav"), model="openai/whisper-large-v3")
    assert [entry.response.status for entry in openrouter_mock.journal] == [status] * attempts
