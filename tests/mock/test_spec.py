"""The spec checker: requests and responses judged against the shipped document."""

from __future__ import annotations

import pytest

from openrouter_stt_mock.spec import DOCUMENTED_STATUSES, SpecChecker, spec_bytes

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def checker() -> SpecChecker:
    return SpecChecker()


def test_spec_bytes_is_the_shipped_document() -> None:
    assert spec_bytes().startswith(b"{")
    assert 413 in DOCUMENTED_STATUSES


def test_good_request(checker: SpecChecker) -> None:
    request = {"model": "m", "input_audio": {"data": "", "format": "wav"}}
    assert checker.check_request({"authorization": "Bearer k"}, request, None) == []


def test_bad_request_lists_each_problem(checker: SpecChecker) -> None:
    errors = checker.check_request({}, {"input_audio": {"format": 1}, "temperature": "x"}, None)
    joined = "\n".join(errors)
    for word in ("Authorization", "model", "input_audio.format", "temperature"):
        assert word in joined
    # input_audio is inline or by URL: the problem shown is that of the member it is closest to.
    typed = checker.check_request({}, {"input_audio": {"data": "", "format": 1}}, None)
    assert "input_audio.format: 1 is not of type 'string'" in typed
    by_url = checker.check_request({}, {"input_audio": {"url": 5}}, None)
    assert "input_audio.url: 5 is not of type 'string'" in by_url


def test_unparsable_request(checker: SpecChecker) -> None:
    assert "(body): nope" in checker.check_request({"authorization": "Bearer k"}, None, "nope")


def test_ok_response_needs_generation_id(checker: SpecChecker) -> None:
    body = b'{"text": "hi", "usage": {"cost": 0.1}}'
    assert checker.check_response(200, JSON, body) == [
        "header X-Generation-Id: required but missing"
    ]
    assert checker.check_response(200, {**JSON, "x-generation-id": "g"}, body) == []


def test_error_response_checks(checker: SpecChecker) -> None:
    body = b'{"error": {"code": 503, "message": "m"}}'
    assert checker.check_response(503, {**JSON, "retry-after": "1"}, body) == []
    errors = checker.check_response(503, {**JSON, "retry-after": "soon"}, body)
    assert errors == ["header Retry-After: 'soon' is not an integer"]
    mismatch = checker.check_response(429, JSON, body)
    assert any("differs from the HTTP status" in e for e in mismatch)
    assert checker.check_response(
        429, {**JSON, "x-ratelimit-limit": "-1"}, body.replace(b"503", b"429")
    ) == ["header X-RateLimit-Limit: -1 is below the minimum"]


def test_response_shape_problems(checker: SpecChecker) -> None:
    assert checker.check_response(418, JSON, b"{}") == [
        "status 418 is not documented for this operation"
    ]
    assert any("not JSON" in e for e in checker.check_response(400, JSON, b"<html>"))
    assert any(
        "content-type" in e
        for e in checker.check_response(
            400, {"content-type": "text/plain"}, b'{"error": {"code": 400, "message": "m"}}'
        )
    )
    assert any("code" in e for e in checker.check_response(400, JSON, b'{"error": {}}'))
