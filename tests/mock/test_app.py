"""The factory: routes mounted where the client expects them, one handle per app, and the
endpoint answering alike whether a request goes to it straight or through the router."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from openrouter_stt_mock import ENDPOINT_PATH, MockConfig, create_app, get_handle, sync_transport
from openrouter_stt_mock import app as app_module
from openrouter_stt_mock.scenarios import Outcome

from .conftest import ROOT_URL, auth, body, sample


def _paths(config: MockConfig | None = None) -> set[str]:
    return {route.path for route in create_app(config).routes if isinstance(route, Route)}


def test_routes() -> None:
    assert _paths() == {ENDPOINT_PATH, "/openapi.json", "/_mock/journal", "/_mock/reset"}
    assert _paths(MockConfig(control_routes=False)) == {ENDPOINT_PATH, "/openapi.json"}


def test_each_app_has_its_own_state() -> None:
    first, second = create_app(), create_app()
    assert get_handle(first) is not get_handle(second)
    assert get_handle(first) is get_handle(first)


def _served(app: Starlette, prefix: str = "") -> list[tuple[Any, ...]]:
    """What a client sees of a run of requests to ``app`` (mounted under ``prefix`` when one is
    given), and what the journal makes of them, with the generation ids (random) left out."""
    seen: list[tuple[Any, ...]] = []
    served = Starlette(routes=[Mount(prefix, app)]) if prefix else app
    get_handle(app).scenarios.add([Outcome(fault="reset")])
    url = prefix + ENDPOINT_PATH
    requests: list[dict[str, Any]] = [
        {"method": "POST", "url": url, "json": body(), "headers": auth()},  # the planned reset
        {"method": "POST", "url": url, "json": body(), "headers": auth()},
        {
            "method": "POST",
            "url": url,
            "files": {"file": ("a.wav", sample())},
            "data": {"model": "openai/whisper-large-v3"},
            # A fixed boundary: httpx draws one at random otherwise.
            "headers": {**auth(), "Content-Type": "multipart/form-data; boundary=alike"},
        },
        {"method": "POST", "url": url, "content": b"{", "headers": auth()},
        {"method": "POST", "url": url, "json": body()},
        {"method": "POST", "url": url, "json": body(), "headers": {**auth(), "Prefer": "code=503"}},
        {"method": "GET", "url": url},
        {"method": "POST", "url": url + "/x", "json": body(), "headers": auth()},
    ]
    with httpx.Client(transport=sync_transport(served), base_url=ROOT_URL) as client:
        for request in requests:
            try:
                answer = client.request(**request)
            except httpx.HTTPError as exc:
                seen.append((type(exc).__name__, str(exc)))
                continue
            headers = {k: v for k, v in answer.headers.items() if k != "x-generation-id"}
            seen.append((answer.status_code, headers, answer.content))
    for entry in get_handle(app).journal:
        record = entry.to_dict()
        record["response"]["headers"].pop("x-generation-id", None)
        seen.append((record["request"], record["response"], record["verdict"]))
    return seen


def test_the_endpoint_answers_alike_straight_or_through_the_router(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Which way each request went: the six POSTs to the endpoint straight, the rest routed.
    ways: list[bool] = []
    decide = app_module._to_the_endpoint

    def deciding(scope: Any) -> bool:
        ways.append(decide(scope))
        return ways[-1]

    monkeypatch.setattr(app_module, "_to_the_endpoint", deciding)
    straight = _served(create_app())
    assert ways == [True] * 6 + [False] * 2
    ways.clear()
    through_a_prefix = _served(create_app(), "/gateway")
    assert ways == [False] * 8
    monkeypatch.setattr(app_module, "_to_the_endpoint", lambda scope: False)
    routed = _served(create_app())
    assert straight == routed
    assert [answer[0] for answer in straight[:8]] == [
        "RemoteProtocolError",
        200,
        200,
        400,
        401,
        503,
        405,
        404,
    ]
    # Mounted under a prefix, the app is routed as usual and answers the same.
    assert through_a_prefix[1:6] == straight[1:6]
