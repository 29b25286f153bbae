"""Thin endpoints: each hands its request to the module that knows the answer."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from .gateway import transcribe
from .handle import MockHandle, get_handle
from .journal_feed import JournalQuery, Traffic, feed
from .spec import spec_bytes

__all__ = ["Transcriptions", "journal", "openapi", "reset"]


class Transcriptions:
    """``POST /api/v1/audio/transcriptions``: the endpoint itself, as a plain ASGI app.

    Starlette's request/response wrapper is left out: the gateway turns every exception into an
    answer itself, so the wrapper's exception plumbing would only add work to every request. The
    app's handle is bound when the app is built, not looked up on each request.
    """

    def __init__(self, handle: MockHandle, traffic: Traffic) -> None:
        self._handle = handle
        self._traffic = traffic

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with self._traffic:  # a reader of the journal gives way meanwhile
            answer = await transcribe(Request(scope, receive, send), self._handle)
            await answer(scope, receive, send)


async def openapi(request: Request) -> Response:
    """``GET /openapi.json``: the spec the mock follows."""
    return Response(spec_bytes(), media_type="application/json")


async def journal(request: Request) -> Response:
    """``GET /_mock/journal``: the exchanges the query selects (every one, oldest first, when it
    selects nothing), each with its verdict against the spec, streamed (see :mod:`.journal_feed`).
    """
    traffic: Traffic = request.app.state.traffic
    query = JournalQuery.from_params(request.query_params)
    # Read before answering: a store that is down is a 503 (the app's MockError handler), not a
    # 200 cut short.
    entries = feed(get_handle(request.app).journal, query, traffic)
    return StreamingResponse(entries, media_type="application/json")


async def reset(request: Request) -> Response:
    """``POST /_mock/reset``: restore credit, rate windows, the queue and the journal (a store
    that cannot serve now is a 503 in the error shape, as on the endpoint)."""
    get_handle(request.app).reset()
    return Response(orjson.dumps({"reset": True}), media_type="application/json")
