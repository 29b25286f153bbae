"""The app factory: routes, state and the outermost wrapper, nothing else.

Every answer the app gives is in OpenRouter's error shape, the router's own included: an unknown
path is a 404, a wrong method a 405 (with ``Allow``), and a request whose headers come to more
than :data:`MAX_HEADER_BYTES` a 431, before any route sees it. Served by a server that runs the
ASGI lifespan (uvicorn does), the app closes its connections to the state store when it stops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import routes
from .config import MockConfig
from .errors import MockError, error_response
from .faults import RAW_SEND
from .handle import MockHandle
from .journal_feed import Traffic

__all__ = ["ENDPOINT_PATH", "MAX_HEADER_BYTES", "create_app"]

#: Where the endpoint is mounted: a client's base URL is the server's URL plus ``/api/v1``.
ENDPOINT_PATH = "/api/v1/audio/transcriptions"
#: The most a request's headers may come to (names, values and their separators), as h11 and
#: Node bound a request head; httptools sets no bound of its own.
MAX_HEADER_BYTES: Final = 16 * 1024


def _to_the_endpoint(scope: Scope) -> bool:
    """Whether a request goes straight to the endpoint: a POST to its path, the app not mounted
    under a prefix (there, and for every other request, Starlette routes as usual)."""
    return (
        scope["method"] == "POST" and scope["path"] == ENDPOINT_PATH and not scope.get("root_path")
    )


class _MockApp(Starlette):
    """Starlette, keeping the server's own ``send`` in the scope so faults can reach the socket,
    refusing a request whose headers are too large before it is routed, and handing the
    endpoint's requests to it directly.

    The endpoint needs neither the router (its path and method are known) nor Starlette's
    exception middleware (the gateway turns every exception into an answer itself). Passing
    them by gains the mock about 6 % of its requests/s (``./scripts/bench --only knobs``).
    """

    def __init__(self, endpoint: ASGIApp, **options: Any) -> None:
        super().__init__(**options)
        self._endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if size > MAX_HEADER_BYTES:
                message = f"Request headers too large: {size} bytes, over {MAX_HEADER_BYTES}"
                answer = error_response(MockError(431, message))
                await answer(scope, receive, send)
                return
            if _to_the_endpoint(scope):
                scope["app"] = self
                scope[RAW_SEND] = send
                await self._endpoint(scope, receive, send)
                return
        scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


async def _routing_error(request: Request, exc: Exception) -> Response:
    """The router's 404 and 405 in the error shape (``Allow`` kept)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"Method {request.method} not allowed on {request.url.path}; use {allowed}"
    elif exc.status_code == 404:
        message = f"Not found: no route for {request.method} {request.url.path}"
    else:
        message = exc.detail
    return error_response(MockError(exc.status_code, message, headers=exc.headers))


async def _mock_error(request: Request, exc: Exception) -> Response:
    """A route's :class:`MockError` (a store that cannot serve, a bad query) in the error shape."""
    assert isinstance(exc, MockError)
    return error_response(exc)


def _closing(handle: MockHandle) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """The app's lifespan: nothing to open at start; the store's connections closed at the end,
    so a server that stops leaves none open on the store."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            handle.close()

    return lifespan


def create_app(config: MockConfig | None = None) -> Starlette:
    """Build the mock app for ``config`` (default settings and world when ``None``).

    >>> from openrouter_stt_mock import get_handle
    >>> app = create_app()
    >>> get_handle(app).world.limits.upstream_timeout_seconds
    2.0
    """
    config = config or MockConfig()
    handle = MockHandle(config)
    traffic = Traffic()
    endpoint = routes.Transcriptions(handle, traffic)
    endpoints = [
        Route(ENDPOINT_PATH, endpoint, methods=["POST"]),
        Route("/openapi.json", routes.openapi, methods=["GET"]),
    ]
    if config.control_routes:
        endpoints += [
            Route("/_mock/journal", routes.journal, methods=["GET"]),
            Route("/_mock/reset", routes.reset, methods=["POST"]),
        ]
    app = _MockApp(
        endpoint,
        routes=endpoints,
        exception_handlers={HTTPException: _routing_error, MockError: _mock_error},
        lifespan=_closing(handle),
    )
    app.state.mock = handle  # read through get_handle(app)
    app.state.traffic = traffic  # the journal's reader gives way to the endpoint's requests
    return app
