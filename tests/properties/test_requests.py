"""Any valid request succeeds with consistent usage; any request with one field broken is refused,
by the client before sending and by the mock with a 400 naming the field."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt import (
    AsyncOpenRouterSTT,
    InvalidRequestError,
    NotFoundError,
    OpenRouterSTT,
    RawResponse,
)
from openrouter_stt_mock import (
    DEFAULT_API_KEY,
    IN_PROCESS_BASE_URL,
    async_transport,
    create_app,
    sync_transport,
)
from tests.properties.strategies import (
    BROKEN_KINDS,
    Broken,
    ValidRequest,
    broken_requests,
    bundled,
    expected_cost,
    make_wav,
    raw_body,
    unknown_model_ids,
    valid_requests,
)

BASE_URL = IN_PROCESS_BASE_URL
URL = BASE_URL + "/audio/transcriptions"
TOKENS_PER_SECOND = 9


class Mock:
    """One mock app for a whole module, with a sync client and raw HTTP clients wired to it."""

    def __init__(self) -> None:
        self.app = create_app()
        self.http = httpx.Client(transport=sync_transport(self.app), base_url=BASE_URL)
        self.client = OpenRouterSTT(
            api_key=DEFAULT_API_KEY, base_url=BASE_URL, http_client=self.http, max_retries=0
        )

    def call_async(self, audio: Any, **kwargs: Any) -> RawResponse:
        async def run() -> RawResponse:
            async with httpx.AsyncClient(transport=async_transport(self.app)) as http:
                client = AsyncOpenRouterSTT(
                    api_key=DEFAULT_API_KEY, base_url=BASE_URL, http_client=http, max_retries=0
                )
                return await client.with_raw_response.transcribe(audio, **kwargs)

        return anyio.run(run)

    def call(self, kind: str, audio: Any, **kwargs: Any) -> RawResponse:
        if kind == "sync":
            return self.client.with_raw_response.transcribe(audio, **kwargs)
        return self.call_async(audio, **kwargs)


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    served = Mock()
    yield served
    served.http.close()


def _refuses_to_send(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing should be sent, but {request.method} {request.url} was")


@given(request=valid_requests(), kind=st.sampled_from(["sync", "async"]))
def test_any_valid_request_succeeds_with_consistent_usage(
    mock: Mock, request: ValidRequest, kind: str
) -> None:
    raw = mock.call(kind, request.audio.data, **request.kwargs())
    assert raw.status_code == 200
    assert raw.generation_id
    result = raw.parse()
    assert result.text
    usage = result.usage
    assert usage is not None
    assert usage.seconds is not None
    assert usage.cost is not None
    # The billed duration is the audio's real duration, rounded to milliseconds.
    assert abs(usage.seconds - request.audio.seconds) <= request.audio.tolerance + 1e-9
    assert abs(usage.cost - expected_cost(usage.seconds, request.model)) <= 1e-9
    if request.model == "openai/whisper-1":
        assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (None, None, None)
    else:
        assert usage.input_tokens is not None
        assert usage.output_tokens is not None
        assert usage.total_tokens == usage.input_tokens + usage.output_tokens
        assert usage.input_tokens == math.ceil(round(usage.seconds * TOKENS_PER_SECOND, 9))
        assert usage.output_tokens == max(1, len(result.text) // 2)


@given(model=unknown_model_ids)
def test_any_other_model_id_is_not_found(mock: Mock, model: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        mock.client.transcribe(make_wav(800, 8000, 1, 1), model=model)
    assert caught.value.status_code == caught.value.code == 404


def _client_refusal(broken: Broken, kind: str) -> InvalidRequestError:
    transport = httpx.MockTransport(_refuses_to_send)
    if kind == "sync":
        with (
            OpenRouterSTT(
                api_key=DEFAULT_API_KEY,
                base_url=BASE_URL,
                http_client=httpx.Client(transport=transport),
            ) as client,
            pytest.raises(InvalidRequestError) as caught,
        ):
            client.transcribe(broken.audio, **broken.client_kwargs)
        return caught.value

    async def run() -> InvalidRequestError:
        async with httpx.AsyncClient(transport=transport) as http:
            client = AsyncOpenRouterSTT(
                api_key=DEFAULT_API_KEY, base_url=BASE_URL, http_client=http
            )
            with pytest.raises(InvalidRequestError) as caught:
                await client.transcribe(broken.audio, **broken.client_kwargs)
            return caught.value

    return anyio.run(run)


@given(broken=broken_requests(), kind=st.sampled_from(["sync", "async"]))
def test_the_client_refuses_a_broken_field_before_sending(broken: Broken, kind: str) -> None:
    error = _client_refusal(broken, kind)
    assert isinstance(error, ValueError)
    assert error.field == broken.client_field
    assert str(error).startswith(f"{broken.client_field}:")


@given(broken=broken_requests(tuple(k for k in BROKEN_KINDS if k != "empty model")))
def test_the_mock_answers_a_broken_field_with_a_400_naming_it(mock: Mock, broken: Broken) -> None:
    response = mock.http.post(
        URL,
        content=broken.raw,
        headers={"Authorization": f"Bearer {DEFAULT_API_KEY}", "Content-Type": "application/json"},
    )
    body = orjson.loads(response.content)
    assert response.status_code == 400, (broken.what, body)
    error = body["error"]
    assert error["code"] == 400
    named = (error.get("metadata") or {}).get("field")
    assert named == broken.mock_field or broken.mock_field in error["message"], (broken.what, error)


@pytest.mark.parametrize("model", ["", " ", "\t"])
def test_the_mock_answers_a_blank_model_with_a_400_naming_it(mock: Mock, model: str) -> None:
    body = raw_body(
        {
            "model": model,
            "input_audio": {
                "data": base64.b64encode(bundled("wav").data).decode(),
                "format": "wav",
            },
        }
    )
    response = mock.http.post(
        URL,
        content=body,
        headers={"Authorization": f"Bearer {DEFAULT_API_KEY}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["metadata"]["field"] == "model"
