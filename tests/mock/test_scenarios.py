"""Forced answers: ``Prefer: code=NNN`` and outcomes queued from Python."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest

from openrouter_stt_mock import MockHandle, Outcome
from openrouter_stt_mock.errors import MockError
from openrouter_stt_mock.scenarios import forced_response_parts, parse_prefer
from openrouter_stt_mock.spec import DOCUMENTED_STATUSES, SPEC_PATH

from .conftest import ENDPOINT, auth, body, error_of

ERRORS = sorted(DOCUMENTED_STATUSES - {200})


def test_documented_statuses() -> None:
    assert sorted(DOCUMENTED_STATUSES) == [
        200,
        400,
        401,
        402,
        403,
        404,
        408,
        413,
        429,
        500,
        502,
        503,
        504,
        524,
        529,
    ]


@pytest.mark.parametrize("status", ERRORS)
def test_prefer_forces_each_error(client: httpx.Client, handle: MockHandle, status: int) -> None:
    response = client.post(ENDPOINT, json=body(), headers={**auth(), "Prefer": f"code={status}"})
    assert response.status_code == status
    error = error_of(response)
    assert error["metadata"]["forced_by"] == "Prefer"
    if status in (429, 503):
        assert int(response.headers["retry-after"]) >= 0
    if status == 429:
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
            response.headers
        )
    if status == 502:
        assert {"provider_name", "raw"} <= set(error["metadata"])
    verdict = handle.journal.last.verdict
    assert verdict.response_valid, verdict.errors
    assert handle.balance("sk-or-mock-ok") == 1000


def test_prefer_forces_200_without_charging(client: httpx.Client, handle: MockHandle) -> None:
    response = client.post(ENDPOINT, content=b"whatever", headers={"Prefer": "code=200"})
    assert response.status_code == 200
    assert response.json()["usage"]["total_tokens"] == 113
    assert response.headers["x-generation-id"]
    assert handle.journal.last.verdict.response_valid


@pytest.mark.parametrize("value", ["code=418", "code=abc", "code=", "dynamic=true, code=201"])
def test_prefer_undocumented_code_is_a_400_naming_prefer(client: httpx.Client, value: str) -> None:
    response = client.post(ENDPOINT, json=body(), headers={**auth(), "Prefer": value})
    assert response.status_code == 400
    assert error_of(response)["metadata"]["field"] == "Prefer"


def test_prefer_without_code_is_ignored(client: httpx.Client) -> None:
    response = client.post(ENDPOINT, json=body(), headers={**auth(), "Prefer": "dynamic=true"})
    assert response.status_code == 200


def test_parse_prefer_forms() -> None:
    assert parse_prefer(None) is None
    assert parse_prefer("code=404") == 404
    assert parse_prefer('example=x; code="503"') == 503
    with pytest.raises(MockError) as caught:
        parse_prefer("code=299")
    assert caught.value.status == 400


def test_queued_statuses_are_used_in_order(client: httpx.Client, handle: MockHandle) -> None:
    handle.queue(503, times=2)
    handle.queue(429)
    statuses = [client.post(ENDPOINT, json=body(), headers=auth()).status_code for _ in range(4)]
    assert statuses == [503, 503, 429, 200]
    assert handle.scenarios.pending() == ()


def test_queued_latency_then_real_handling(client: httpx.Client, handle: MockHandle) -> None:
    handle.queue(latency=0.1)
    start = time.monotonic()
    response = client.post(ENDPOINT, json=body(), headers=auth())
    assert time.monotonic() - start >= 0.1
    assert response.status_code == 200
    assert handle.balance("sk-or-mock-ok") < 1000


def test_queued_malformed_body_and_headers(client: httpx.Client, handle: MockHandle) -> None:
    handle.queue(200, body=b'{"text": ', headers={"X-Extra": "1"})
    response = client.post(ENDPOINT, json=body(), headers=auth())
    assert response.status_code == 200
    assert response.content == b'{"text": '
    assert response.headers["x-extra"] == "1"
    assert not handle.journal.last.verdict.response_valid


def test_queue_and_reset(client: httpx.Client, handle: MockHandle) -> None:
    handle.queue(500)
    handle.queue(502)
    assert len(handle.scenarios.pending()) == 2
    handle.reset()
    assert client.post(ENDPOINT, json=body(), headers=auth()).status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [{"status": 418}, {"status": 201}, {"fault": "explode"}, {"latency": -1.0}],
)
def test_outcome_refuses_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        Outcome(**kwargs)  # type: ignore[arg-type]


def _example(status: int) -> Any:
    """The spec's example for ``status``, read from the document without the mock's help."""
    document = orjson.loads(SPEC_PATH.read_bytes())
    response = document["paths"]["/audio/transcriptions"]["post"]["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["example"]


@pytest.mark.parametrize("status", sorted(DOCUMENTED_STATUSES))
def test_forced_bodies_are_the_spec_examples(status: int) -> None:
    content, headers = forced_response_parts(status, "queue", now=1_700_000_000.0)
    example, answered = _example(status), orjson.loads(content)
    if status == 200:
        assert answered == example
        assert headers["X-Generation-Id"].startswith("gen-forced-")
        return
    assert answered["error"]["code"] == example["error"]["code"] == status
    assert answered["error"]["message"] == example["error"]["message"]
    assert answered["error"]["metadata"] == {
        **example["error"].get("metadata", {}),
        "forced_by": "queue",
    }
    if status == 429:
        assert headers == {
            "Retry-After": "1",
            "X-RateLimit-Limit": "0",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(1_700_000_001 * 1000),
        }
    elif status == 503:
        assert headers == {"Retry-After": "1"}
    else:
        assert headers == {}
