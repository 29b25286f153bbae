"""Each error class renders the spec's error body with its own status."""

from __future__ import annotations

import orjson
import pytest

from openrouter_stt_mock import errors
from openrouter_stt_models import ErrorResponse

CLASSES = [
    (errors.BadRequestError, 400),
    (errors.UnauthorizedError, 401),
    (errors.PaymentRequiredError, 402),
    (errors.ModelNotFoundError, 404),
    (errors.PayloadTooLargeError, 413),
    (errors.RateLimitedError, 429),
    (errors.InternalServerError, 500),
    (errors.BadGatewayError, 502),
    (errors.ServiceUnavailableError, 503),
    (errors.EdgeTimeoutError, 524),
    (errors.ProviderOverloadedError, 529),
]


@pytest.mark.parametrize(("cls", "status"), CLASSES)
def test_each_class_renders_its_status(cls: type[errors.MockError], status: int) -> None:
    if cls is errors.BadRequestError:
        exc: errors.MockError = errors.BadRequestError("model", "missing", "a string")
    elif cls is errors.InternalServerError:
        exc = errors.InternalServerError()
    else:
        exc = cls("something", metadata={"a": 1}, headers={"Retry-After": "3"})
    response = errors.error_response(exc)
    assert response.status_code == status
    assert response.media_type == "application/json"
    parsed = ErrorResponse.model_validate(orjson.loads(bytes(response.body)))
    assert parsed.error.code == status
    if cls not in (errors.BadRequestError, errors.InternalServerError):
        assert response.headers["retry-after"] == "3"
        assert parsed.error.metadata == {"a": 1}


def test_bad_request_names_field_problem_and_accepted() -> None:
    exc = errors.BadRequestError("temperature", "2 is outside 0..1", "a number between 0 and 1")
    assert exc.message == "temperature: 2 is outside 0..1; expected a number between 0 and 1"
    assert exc.metadata == {
        "field": "temperature",
        "problem": "2 is outside 0..1",
        "accepted": "a number between 0 and 1",
    }


def test_internal_error_is_masked() -> None:
    assert errors.InternalServerError().message == "Internal Server Error"


def test_error_body_without_metadata() -> None:
    assert orjson.loads(errors.error_body(404, "nope")) == {
        "error": {"code": 404, "message": "nope", "metadata": None},
        "user_id": None,
    }
