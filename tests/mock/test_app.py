"""The factory: routes mounted where the client expects them, one handle per app."""

from __future__ import annotations

from starlette.routing import Route

from openrouter_stt_mock import ENDPOINT_PATH, MockConfig, create_app, get_handle


def _paths(config: MockConfig | None = None) -> set[str]:
    return {route.path for route in create_app(config).routes if isinstance(route, Route)}


def test_routes() -> None:
    assert _paths() == {ENDPOINT_PATH, "/openapi.json", "/_mock/journal", "/_mock/reset"}
    assert _paths(MockConfig(control_routes=False)) == {ENDPOINT_PATH, "/openapi.json"}


def test_each_app_has_its_own_state() -> None:
    first, second = create_app(), create_app()
    assert get_handle(first) is not get_handle(second)
    assert get_handle(first) is get_handle(first)
