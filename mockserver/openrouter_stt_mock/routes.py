"""Thin endpoints: each hands its request to the module that knows the answer."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .gateway import transcribe
from .handle import MockHandle
from .spec import spec_bytes

__all__ = ["journal", "openapi", "reset", "transcriptions"]


def _handle(request: Request) -> MockHandle:
    handle: MockHandle = request.app.state.mock
    return handle


class _Transcriptions:
    """``POST /api/v1/audio/transcriptions``: the endpoint itself, as a plain ASGI app.

    Starlette's request/response wrapper is left out: the gateway turns every exception into an
    answer itself, so the wrapper's exception plumbing would only add work to every request.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        answer = await transcribe(request, _handle(request))
        await answer(scope, receive, send)


transcriptions = _Transcriptions()


async def openapi(request: Request) -> Response:
    """``GET /openapi.json``: the spec the mock follows."""
    return Response(spec_bytes(), media_type="application/json")


async def journal(request: Request) -> Response:
    """``GET /_mock/journal``: every exchange, with its verdict against the spec."""
    return Response(orjson.dumps(_handle(request).journal.to_list()), media_type="application/json")


async def reset(request: Request) -> Response:
    """``POST /_mock/reset``: restore credit, rate windows, the queue and the journal."""
    _handle(request).reset()
    return Response(orjson.dumps({"reset": True}), media_type="application/json")
