"""The 2026-10-27 fields, for any valid values the spec allows: sent alike in both forms (read
back by json and python-multipart), and answered 200 by the mock's mock/diarizer for the real
samples, with a speaker on every word when diarized; a session id over the spec's limit never
leaves the client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt import InvalidRequestError, OpenRouterSTT
from openrouter_stt_mock import (
    DEFAULT_API_KEY,
    IN_PROCESS_BASE_URL,
    SAMPLE_TEXT,
    create_app,
    sync_transport,
)
from tests._forms import parse_form
from tests.properties.strategies import bundled, long_session_ids, new_fields

FORMS = st.sampled_from(["json", "multipart"])


def _wire(fields: dict[str, Any]) -> dict[str, Any]:
    """What the request body should hold for ``transcribe``'s arguments ``fields``."""
    wire = {k: v for k, v in fields.items() if not k.startswith("provider_")}
    if not wire.get("keyterms", True):
        del wire["keyterms"]
    provider = {
        key: fields[f"provider_{key}"]
        for key in ("zdr", "data_collection")
        if f"provider_{key}" in fields
    }
    return {**wire, **({"provider": provider} if provider else {})}


def _read(request: httpx.Request) -> dict[str, Any]:
    """The non-audio fields of a sent request, in either form, as the JSON body names them."""
    if request.headers["content-type"] == "application/json":
        body: dict[str, Any] = json.loads(request.content)
        del body["input_audio"], body["model"]
        body.pop("response_format", None)
        return body
    read: dict[str, Any] = {}
    for part in parse_form(request.content, request.headers["content-type"]):
        if part.filename is not None or part.name in ("model", "response_format"):
            continue
        text = part.data.decode()
        if part.name == "keyterms[]":
            read.setdefault("keyterms", []).append(text)
        elif part.name in ("provider", "trace", "diarize"):
            read[part.name] = json.loads(text)
        else:
            read[part.name] = text
    return read


@given(fields=new_fields(), form=FORMS)
def test_every_field_is_sent_alike_in_both_forms(fields: dict[str, Any], form: str) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json={"text": "hi"})

    verbose = {"response_format": "verbose_json"} if fields.get("diarize") else {}
    http = httpx.Client(transport=httpx.MockTransport(answer))
    with OpenRouterSTT("k", http_client=http) as client:
        client.with_raw_response.transcribe(
            bundled("wav").data, model="m", upload=form, **verbose, **fields
        )  # type: ignore[arg-type]
    http.close()
    (request,) = seen
    assert _read(request) == _wire(fields)


class Mock:
    def __init__(self) -> None:
        self.http = httpx.Client(transport=sync_transport(create_app()))
        self.client = OpenRouterSTT(
            DEFAULT_API_KEY, base_url=IN_PROCESS_BASE_URL, http_client=self.http, max_retries=0
        )


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    served = Mock()
    yield served
    served.http.close()


@given(
    fields=new_fields(),
    form=FORMS,
    fmt=st.sampled_from(["wav", "mp3", "ogg"]),
)
def test_the_diarizer_answers_any_valid_fields(
    mock: Mock, fields: dict[str, Any], form: str, fmt: str
) -> None:
    result = mock.client.transcribe(
        bundled(fmt).data,
        model="mock/diarizer",
        response_format="verbose_json",
        upload=form,  # type: ignore[arg-type]
        **fields,
    )
    assert result.text == SAMPLE_TEXT
    if fields.get("diarize"):
        assert result.words
        assert all(word.speaker_label for word in result.words)


@pytest.mark.parametrize("form", ["json", "multipart"])
def test_a_keyterm_with_a_backslash(mock: Mock, form: str) -> None:
    result = mock.client.transcribe(
        bundled("wav").data,
        model="mock/diarizer",
        keyterms=["C:\\temp\\"],
        upload=form,  # type: ignore[arg-type]
    )
    assert result.text == SAMPLE_TEXT


@given(session_id=long_session_ids, form=FORMS)
def test_a_long_session_id_never_leaves_the_client(session_id: str, form: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise AssertionError("sent")

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with (
        OpenRouterSTT("k", http_client=http) as client,
        pytest.raises(InvalidRequestError) as caught,
    ):
        client.transcribe(bundled("wav").data, model="m", session_id=session_id, upload=form)  # type: ignore[arg-type]
    http.close()
    assert caught.value.field == "session_id"
    assert f"{len(session_id)} characters, over the 256 allowed" in str(caught.value)
