"""Each error status becomes its own exception, carrying what the service said."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

import openrouter_stt
from openrouter_stt import (
    APIResponseValidationError,
    APIStatusError,
    BadGatewayError,
    BadRequestError,
    OpenRouterSTTError,
    ProviderOverloadedError,
)
from openrouter_stt_models import ErrorData
from tests._errors_by_status import ERRORS_BY_STATUS

from .conftest import ClientAdapter

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


@pytest.mark.parametrize("status", [403, 408, 409, 418, 422, 501, 504, 599])
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


def test_message_without_a_reason_phrase(
    stt: ClientAdapter, router: respx.MockRouter, wav: Path
) -> None:
    router.post("/audio/transcriptions").respond(
        529, json={"error": {"code": 529, "message": "Provider returned error"}}
    )
    with pytest.raises(ProviderOverloadedError) as caught:
        stt.transcribe(wav, max_retries=0)
    assert str(caught.value) == "529: Provider returned error"
