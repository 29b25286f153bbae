"""schemathesis against the mock in process, driven by the spec the mock serves at /openapi.json.

Only the documented operation is exercised (the control routes are not in the spec). Cases are
schemathesis' own, valid and invalid; a share of them get real audio, a served model and valid
optional fields, so that 200s are judged too, and a share force a documented status with
``Prefer``. Every response must conform to the spec in status, body, content type and headers,
carry ``error.code`` equal to its status, and be no 5xx unless one was forced.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from openrouter_stt_mock import DEFAULT_API_KEY, create_app
from tests.contract._exchanges import DOCUMENTED
from tests.properties.strategies import ValidRequest, valid_requests

CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}

# What to do with a generated case: send it as generated, make it one the mock accepts, or
# force a documented status.
shaping = st.one_of(
    st.just(("as generated", None)),
    valid_requests(small=True).map(lambda r: ("made valid", r)),
    st.sampled_from(DOCUMENTED).map(lambda s: ("forced", s)),
)


def _make_valid(body: Any, request: ValidRequest) -> dict[str, Any]:
    """The generated body, with what it takes to succeed put in (other members kept)."""
    document = dict(body) if isinstance(body, dict) else {}
    # Generated members the request made valid does not set (it may set some just below).
    for name in (
        *("language", "temperature", "provider", "response_format", "timestamp_granularities"),
        *("diarize", "keyterms", "session_id", "trace", "user"),
        # A generated multipart body's parts have no place in a JSON one.
        *("file", "source_url", "prompt", "timestamp_granularities[]", "keyterms[]"),
    ):
        document.pop(name, None)
    document["model"] = request.model
    document["input_audio"] = {
        "data": base64.b64encode(request.audio.data).decode(),
        "format": request.audio.format,
    }
    for name, value in (
        ("language", request.language),
        ("temperature", request.temperature),
        ("provider", {"options": request.provider_options} if request.provider_options else None),
    ):
        if value is not None:
            document[name] = value
    return document


@pytest.fixture(scope="module")
def operation() -> Any:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    return schema["/audio/transcriptions"]["POST"]


def fuzz(operation: Any, examples: int) -> Counter[tuple[str, str, int]]:
    """Run ``examples`` cases; return how many of each (shaping, media type, status) there were.

    Generated multipart cases are sent as generated (schemathesis names the file part ``file``
    with the spec's ``audio/*``, which names no format, so the mock's answer is its 400 for that
    part, judged like any other); the cases made valid are JSON.
    """
    seen: Counter[tuple[str, str, int]] = Counter()
    cases = st.one_of(
        operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    )

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=cases, shape=shaping)
    def run(case: Any, shape: tuple[str, Any]) -> None:
        how, detail = shape
        headers = dict(AUTH)
        checks: list[Callable[..., Any]] = [*CONFORMANCE]
        if how != "as generated":
            # A fresh case with the generated body: a negative case may have been generated to
            # go without its key, and schemathesis would then leave out any key given to it.
            body = _make_valid(case.body, detail) if how == "made valid" else case.body
            case = operation.Case(body=body, media_type="application/json")
        if how == "forced":
            headers["Prefer"] = f"code={detail}"
        else:
            checks.append(not_a_server_error)
        response = case.call(headers=headers)
        media = (case.media_type or "").partition(";")[0]
        seen[how, media, response.status_code] += 1
        case.validate_response(response, checks=checks)
        if how == "made valid":
            assert response.status_code == 200, response.text
        if how == "forced":
            assert response.status_code == detail
        if response.status_code >= 400:
            assert json.loads(response.content)["error"]["code"] == response.status_code

    run()
    return seen


def test_the_mock_conforms_to_its_spec_under_schemathesis(operation: Any) -> None:
    seen = fuzz(operation, 200)
    statuses = {status for _, _, status in seen}
    # The run did judge successes, refusals and forced answers, of both forms of body.
    assert 200 in statuses
    assert 400 in statuses
    assert any(how == "forced" and status >= 500 for how, _, status in seen)
    assert {media for how, media, _ in seen if how == "as generated"} >= {
        "application/json",
        "multipart/form-data",
    }


@pytest.mark.slow
def test_the_mock_conforms_to_its_spec_under_a_long_schemathesis_run(operation: Any) -> None:
    seen = fuzz(operation, 4000)
    assert {status for _, _, status in seen} >= {200, 400}
