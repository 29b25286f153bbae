"""The control routes and the served spec."""

from __future__ import annotations

import httpx
import orjson

from openrouter_stt_mock import MockConfig, MockHandle, create_app, sync_transport
from openrouter_stt_mock.app import MAX_HEADER_BYTES
from openrouter_stt_mock.spec import SPEC_PATH

from .conftest import ENDPOINT, ROOT_URL, auth, body, error_of


def test_openapi_is_served_verbatim(client: httpx.Client) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == SPEC_PATH.read_bytes()
    assert "/audio/transcriptions" in orjson.loads(response.content)["paths"]


def test_reset_restores_the_world(client: httpx.Client, handle: MockHandle) -> None:
    for _ in range(3):
        client.post(ENDPOINT, json=body(), headers=auth("sk-or-mock-limited"))
    client.post(ENDPOINT, json=body(), headers=auth())
    handle.queue(500)
    assert handle.balance("sk-or-mock-ok") < 1000
    response = client.post("/_mock/reset")
    assert response.status_code == 200
    assert handle.balance("sk-or-mock-ok") == 1000
    assert len(handle.journal) == 0
    assert handle.scenarios.pending() == ()
    assert client.post(ENDPOINT, json=body(), headers=auth("sk-or-mock-limited")).status_code == 200


def test_control_routes_can_be_switched_off() -> None:
    app = create_app(MockConfig(control_routes=False))
    with httpx.Client(transport=sync_transport(app), base_url=ROOT_URL) as client:
        assert client.get("/_mock/journal").status_code == 404
        assert client.post("/_mock/reset").status_code == 404
        assert client.get("/openapi.json").status_code == 200


def test_wrong_method_and_path_answer_in_the_error_shape(client: httpx.Client) -> None:
    wrong_method = client.get(ENDPOINT)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    assert "GET" in error_of(wrong_method)["message"]
    unknown = client.post("/api/v1/audio/translations", json=body())
    assert unknown.status_code == 404
    assert "/api/v1/audio/translations" in error_of(unknown)["message"]
    for answer in (wrong_method, unknown):
        assert answer.headers["content-type"] == "application/json"


def test_headers_over_the_limit_get_431_before_any_route(
    client: httpx.Client, handle: MockHandle
) -> None:
    filler = {f"x-filler-{n}": "v" * 1000 for n in range(MAX_HEADER_BYTES // 1000)}
    answer = client.post(ENDPOINT, json=body(), headers={**auth(), **filler})
    assert answer.status_code == 431
    assert "too large" in error_of(answer)["message"]
    assert len(handle.journal) == 0
    # Just under the limit is served.
    fits = dict(list(filler.items())[:-2])
    assert client.post(ENDPOINT, json=body(), headers={**auth(), **fits}).status_code == 200
