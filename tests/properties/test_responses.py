"""Any answer the spec allows is read by the client as the spec means it: a 200 body as the same
transcription, an error body of any documented status as that status's exception."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import openrouter_stt as stt
from openrouter_stt._exceptions import status_error_class
from tests.contract._contract import OURS, Contract
from tests.properties.strategies import spec_error_bodies, spec_success_bodies

ERROR_STATUSES = (400, 401, 402, 404, 413, 429, 500, 502, 503, 524, 529)
CONTRACT = Contract(OURS)


def _client(status: int, document: Any, headers: dict[str, str]) -> stt.OpenRouterSTT:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=document, headers=headers)

    return stt.OpenRouterSTT(
        api_key="sk-or-v1-test",
        base_url="https://openrouter.ai/api/v1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
    )


@given(document=spec_success_bodies)
def test_any_success_body_the_spec_allows_is_read_as_is(document: dict[str, Any]) -> None:
    client = _client(200, document, {"X-Generation-Id": "gen-property"})
    raw = client.with_raw_response.transcribe(b"RIFF\x24\x00\x00\x00WAVEfmt ", model="m")
    exchange = raw.http_response
    assert CONTRACT.response_errors(exchange.request, b"{}", exchange) == []
    parsed = raw.parse()
    assert parsed.model_dump(exclude_unset=True) == json.loads(exchange.content)
    assert raw.generation_id == "gen-property"


@given(document=spec_error_bodies, status=st.sampled_from(ERROR_STATUSES))
def test_any_error_body_the_spec_allows_raises_its_statuss_error(
    document: dict[str, Any], status: int
) -> None:
    document = {**document, "error": {**document["error"], "code": status}}
    client = _client(status, document, {"Retry-After": "0"} if status in (429, 503) else {})
    with pytest.raises(stt.APIStatusError) as caught:
        client.transcribe(b"RIFF\x24\x00\x00\x00WAVEfmt ", model="m")
    error = caught.value
    assert type(error) is status_error_class(status)
    assert CONTRACT.response_errors(error.request, b"{}", error.response) == []
    assert (error.status_code, error.code) == (status, status)
    assert error.message == document["error"]["message"]
    assert error.metadata == document["error"].get("metadata")
    assert error.body == document
