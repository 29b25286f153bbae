"""The app factory: routes, state and the outermost wrapper, nothing else."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import routes
from .config import MockConfig
from .faults import RAW_SEND
from .handle import MockHandle

__all__ = ["ENDPOINT_PATH", "create_app"]

#: Where the endpoint is mounted: a client's base URL is the server's URL plus ``/api/v1``.
ENDPOINT_PATH = "/api/v1/audio/transcriptions"


class _MockApp(Starlette):
    """Starlette, keeping the server's own ``send`` in the scope so faults can reach the socket."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


def create_app(config: MockConfig | None = None) -> Starlette:
    """Build the mock app for ``config`` (default settings and world when ``None``).

    >>> from openrouter_stt_mock import get_handle
    >>> app = create_app()
    >>> get_handle(app).world.limits.upstream_timeout_seconds
    2.0
    """
    config = config or MockConfig()
    handle = MockHandle(config)
    endpoints = [
        Route(ENDPOINT_PATH, routes.Transcriptions(handle), methods=["POST"]),
        Route("/openapi.json", routes.openapi, methods=["GET"]),
    ]
    if config.control_routes:
        endpoints += [
            Route("/_mock/journal", routes.journal, methods=["GET"]),
            Route("/_mock/reset", routes.reset, methods=["POST"]),
        ]
    app = _MockApp(routes=endpoints)
    app.state.mock = handle  # read through get_handle(app)
    return app
