"""The hand-written fragment is a valid OpenAPI 3.1 document, and generated/ carries it verbatim."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

import openrouter_stt_models

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi" / "openrouter-stt.yaml"
DOCUMENTED = [
    *("200", "400", "401", "402", "403", "404", "408", "413"),
    *("429", "500", "502", "503", "504", "524", "529"),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def test_fragment_is_valid_openapi_31(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_validator_rejects_a_broken_fragment(spec: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(spec))
    broken["paths"]["/audio/transcriptions"]["post"]["responses"]["200"]["content"] = "nope"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_documented_status_is_described(spec: dict[str, Any]) -> None:
    responses = spec["paths"]["/audio/transcriptions"]["post"]["responses"]
    assert sorted(responses) == sorted(DOCUMENTED)
    for status in DOCUMENTED[1:]:
        ref = responses[status]["$ref"].rsplit("/", 1)[-1]
        response = spec["components"]["responses"][ref]
        media = response["content"]["application/json"]
        assert media["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
        assert media["example"]["error"]["code"] == int(status)


def test_rate_limit_and_generation_headers(spec: dict[str, Any]) -> None:
    responses = spec["components"]["responses"]
    assert set(responses["TooManyRequests"]["headers"]) == {
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    }
    assert "Retry-After" in responses["ServiceUnavailable"]["headers"]
    ok = spec["paths"]["/audio/transcriptions"]["post"]["responses"]["200"]
    assert "X-Generation-Id" in ok["headers"]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "API key as bearer token in the Authorization header.",
    }


def test_generated_package_ships_the_spec(spec: dict[str, Any]) -> None:
    shipped = Path(openrouter_stt_models.__file__).with_name("openapi.json")
    assert json.loads(shipped.read_text(encoding="utf-8")) == spec
