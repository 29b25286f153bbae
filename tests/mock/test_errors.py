"""One error type: any status renders the spec's error body, with its metadata and headers."""

from __future__ import annotations

import orjson
import pytest

from openrouter_stt_mock.errors import MockError, bad_request, error_body, error_response
from openrouter_stt_mock.spec import DOCUMENTED_STATUSES
from openrouter_stt_models import ErrorResponse


@pytest.mark.parametrize("status", sorted(DOCUMENTED_STATUSES - {200}))
def test_each_status_renders_the_spec_error_shape(status: int) -> None:
    exc = MockError(status, "something", metadata={"a": 1}, headers={"Retry-After": "3"})
    response = error_response(exc)
    assert response.status_code == status
    assert response.media_type == "application/json"
    parsed = ErrorResponse.model_validate(orjson.loads(bytes(response.body)))
    assert parsed.error.code == status
    assert parsed.error.message == "something"
    assert parsed.error.metadata == {"a": 1}
    assert response.headers["retry-after"] == "3"


def test_bad_request_names_field_problem_and_accepted() -> None:
    exc = bad_request("temperature", "2 is outside 0..1", "a number between 0 and 1")
    assert exc.status == 400
    assert exc.message == "temperature: 2 is outside 0..1; expected a number between 0 and 1"
    assert exc.metadata == {
        "field": "temperature",
        "problem": "2 is outside 0..1",
        "accepted": "a number between 0 and 1",
    }
    assert exc.headers == {}


def test_huge_text_is_clipped() -> None:
    exc = bad_request("x" * 5000, "y" * 5000, "z")
    assert exc.metadata is not None
    assert len(exc.metadata["field"]) < 300
    assert len(MockError(400, "m" * 50_000).message) < 1100


def test_error_body_without_metadata() -> None:
    assert orjson.loads(error_body(404, "nope")) == {
        "error": {"code": 404, "message": "nope", "metadata": None},
        "user_id": None,
    }
    assert repr(MockError(404, "nope")) == "MockError(404, 'nope')"
