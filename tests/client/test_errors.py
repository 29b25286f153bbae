"""Each error status becomes its own exception, carrying what the service said."""

from __future__ import annotations

import pickle
from pathlib import Path

import httpx
import pytest
import respx

import openrouter_stt
from openrouter_stt import (
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    BadGatewayError,
    BadRequestError,
    EdgeTimeoutError,
    ForbiddenError,
    GatewayTimeoutError,
    InvalidRequestError,
    OpenRouterSTTError,
    ProviderOverloadedError,
)
from openrouter_stt_models import ErrorData
from tests._errors_by_status import ERRORS_BY_STATUS

from .conftest import VERBOSE_BODY, ClientAdapter

STATUS_CLASSES = list(ERRORS_BY_STATUS.items())


@pytest.fixture
def wav(data_dir: Path) -> Path:
    return data_dir / "hello.wav"


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_each_status_raises_its_class(
    stt: ClientAdapter,
    router: respx.MockRouter,
    wav: Path,
    status: int,
    cls: type[APIStatusError],
) -> None:
    metadata = {"provider_name": "OpenAI", "raw": "upstream reset"}
    router.post("/audio/transcriptions").respond(
        status,
        json={"error": {"code": status, "message": f"went wrong {status}", "metadata": metadata}},
        headers={"X-Generation-Id": f"gen-{status}"},
    )
    with pytest.raises(cls) as caught:
        stt.transcribe(wav, max_retries=0)
    error = caught.value
    assert type(error) is cls
    assert isinstance(error, APIStatusError)
    assert isinstance(error, OpenRouterSTTError)
    assert error.status_code == status
    assert error.code == status
    assert error.message == f"went wrong {status}"
    assert error.metadata == metadata
    assert error.error == ErrorData(code=status, message=f"went wrong {status}", metadata=metadata)
    assert error.generation_id == f"gen-{status}"
    assert error.response.status_code == status
    assert error.request.url == error.response.request.url
    assert f"went wrong {status}" in str(error)
    assert str(status) in str(error)


@pytest.mark.parametrize("status", [409, 418, 422, 501, 505, 599])
def test_other_statuses_raise_the_base_status_error(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, status: int
) -> None:
    router.post("/audio/transcriptions").respond(
        status, json={"error": {"code": status, "message": "nope"}}
    )
    with pytest.raises(APIStatusError) as caught:
        stt.transcribe(wav, max_retries=0)
    assert type(caught.value) is APIStatusError
    assert caught.value.status_code == status
    assert caught.value.message == "nope"
    assert caught.value.metadata is None
    assert caught.value.generation_id is None


def test_zod_error_body_is_kept_raw(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    body = {
        "success": False,
        "error": {"name": "ZodError", "issues": [{"path": ["model"], "message": "Required"}]},
    }
    router.post("/audio/transcriptions").respond(400, json=body)
    with pytest.raises(BadRequestError) as caught:
        stt.transcribe(wav)
    error = caught.value
    assert error.body == body
    assert error.error is None
    assert error.code is None
    assert error.metadata is None
    assert error.message == "ZodError"


@pytest.mark.parametrize(
    ("content", "expected_message"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "<html><body>502 Bad Gateway</body></html>"),
        (b"upstream   connect error\n", "upstream connect error"),
        (b"", "Bad Gateway"),
    ],
)
def test_non_json_body_is_kept_as_text(
    stt: ClientAdapter,
    router: respx.MockRouter,
    wav: Path,
    content: bytes,
    expected_message: str,
) -> None:
    router.post("/audio/transcriptions").respond(502, content=content)
    with pytest.raises(BadGatewayError) as caught:
        stt.transcribe(wav, max_retries=0)
    assert caught.value.body == content.decode()
    assert caught.value.message == expected_message
    assert caught.value.error is None


def test_long_text_body_is_shortened_in_the_message(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    router.post("/audio/transcriptions").respond(400, content=b"x" * 5000)
    with pytest.raises(BadRequestError) as caught:
        stt.transcribe(wav)
    assert len(caught.value.message) <= 300
    assert caught.value.body == "x" * 5000


@pytest.mark.parametrize(
    "body",
    [
        {"error": "plain string"},
        {"message": "top-level message"},
        {"error": {"code": "not-an-int", "message": "odd code"}},
        [1, 2, 3],
        "just a string",
    ],
)
def test_non_standard_json_bodies_never_crash(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, body: object
) -> None:
    router.post("/audio/transcriptions").respond(400, json=body)
    with pytest.raises(BadRequestError) as caught:
        stt.transcribe(wav)
    assert caught.value.body == body
    assert caught.value.error is None
    assert caught.value.message


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"transcript": "wrong field"}),
        httpx.Response(200, json={"text": 42}),
        httpx.Response(200, content=b"not json"),
    ],
)
def test_invalid_success_body_raises_validation_error(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, response: httpx.Response
) -> None:
    router.post("/audio/transcriptions").mock(return_value=response)
    with pytest.raises(APIResponseValidationError) as caught:
        stt.transcribe(wav)
    assert caught.value.status_code == 200
    assert caught.value.body == (response.json() if response.content != b"not json" else "not json")


def test_raw_response_parse_raises_validation_error(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    router.post("/audio/transcriptions").respond(200, json={"usage": {}})
    raw = stt.raw(wav)
    with pytest.raises(APIResponseValidationError):
        raw.parse()


def test_exception_classes_show_the_public_module() -> None:
    for _, cls in STATUS_CLASSES:
        assert cls.__module__ == "openrouter_stt"
        assert getattr(openrouter_stt, cls.__name__) is cls


def test_tree_is_drawn_in_the_module_docstring() -> None:
    from openrouter_stt import _exceptions

    doc = _exceptions.__doc__ or ""
    for name in _exceptions.__all__:
        if name[0].isupper():
            assert name in doc


@pytest.mark.parametrize(
    ("status", "cls", "phrase"),
    [
        (524, EdgeTimeoutError, "A Timeout Occurred"),
        (529, ProviderOverloadedError, "Provider Overloaded"),
        (504, GatewayTimeoutError, "Gateway Timeout"),
        (403, ForbiddenError, "Forbidden"),
    ],
)
def test_every_documented_status_has_a_reason_phrase(
    stt: ClientAdapter,
    router: respx.MockRouter,
    wav: Path,
    status: int,
    cls: type[APIStatusError],
    phrase: str,
) -> None:
    # httpx knows no phrase for Cloudflare's 524 and 529; the message still says what they are.
    router.post("/audio/transcriptions").respond(
        status, json={"error": {"code": status, "message": "Provider returned error"}}
    )
    with pytest.raises(cls) as caught:
        stt.transcribe(wav, max_retries=0)
    assert str(caught.value) == f"{status} {phrase}: Provider returned error"


def test_an_undocumented_status_without_a_phrase_shows_the_number(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    router.post("/audio/transcriptions").respond(599, json={"error": {"code": 599, "message": "x"}})
    with pytest.raises(APIStatusError) as caught:
        stt.transcribe(wav, max_retries=0)
    assert str(caught.value) == "599: x"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"transcript": "wrong field"}, "text: Field required"),
        ({"text": 42}, "text: Input should be a valid string"),
        ({"text": "hi", "usage": {"cost": "free"}}, "usage.cost: Input should be a valid number"),
    ],
)
def test_an_invalid_success_body_names_the_field(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, body: object, where: str
) -> None:
    router.post("/audio/transcriptions").respond(200, json=body)
    with pytest.raises(APIResponseValidationError) as caught:
        stt.transcribe(wav)
    assert f"not a valid transcription: {where}" in str(caught.value)


def test_an_invalid_verbose_body_names_the_nested_field_and_counts_the_rest(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    body = {**VERBOSE_BODY, "segments": [{"id": 0, "start": 0.0, "text": "x"}], "duration": "?"}
    router.post("/audio/transcriptions").respond(200, json=body)
    with pytest.raises(APIResponseValidationError) as caught:
        stt.transcribe(wav, response_format="verbose_json")
    message = str(caught.value)
    assert "not a valid verbose transcription: duration: " in message
    assert message.endswith("(and 1 more problem)")


def _round_trip(error: BaseException) -> BaseException:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert again.args == error.args
    return again


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_status_errors_pickle_with_their_attributes(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path, status: int, cls: type[APIStatusError]
) -> None:
    metadata = {"provider_name": "OpenAI"}
    router.post("/audio/transcriptions").respond(
        status,
        json={"error": {"code": status, "message": "m", "metadata": metadata}},
        headers={"X-Generation-Id": "gen-1"},
    )
    with pytest.raises(cls) as caught:
        stt.transcribe(wav, max_retries=0)
    again = _round_trip(caught.value)
    assert isinstance(again, cls)
    assert (again.status_code, again.code, again.message, again.metadata) == (
        status,
        status,
        "m",
        metadata,
    )
    assert again.error == caught.value.error
    assert again.generation_id == "gen-1"
    assert again.body == caught.value.body
    assert again.response.status_code == status
    assert again.request.url == caught.value.request.url


def test_other_errors_pickle_with_their_attributes(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    invalid = _round_trip(InvalidRequestError("language: no", field="language"))
    assert isinstance(invalid, InvalidRequestError)
    assert invalid.field == "language"
    request = httpx.Request("POST", "https://openrouter.test/api/v1/audio/transcriptions")
    timeout = _round_trip(APITimeoutError("slow", request=request))
    assert isinstance(timeout, APITimeoutError)
    assert timeout.request.url == request.url
    router.post("/audio/transcriptions").respond(200, json={"text": 1})
    with pytest.raises(APIResponseValidationError) as caught:
        stt.transcribe(wav)
    validation = _round_trip(caught.value)
    assert isinstance(validation, APIResponseValidationError)
    assert (validation.status_code, validation.body) == (200, {"text": 1})
