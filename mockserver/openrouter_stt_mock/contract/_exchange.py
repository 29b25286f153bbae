"""What the recorder and the replay both do to a request: read it whole and describe it."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from ..faults import RAW_SEND, ConnectionFault
from ._cassette import KeyRoles, describe_request

__all__ = ["abort", "answer_lifespan", "read_request"]


async def answer_lifespan(scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer the server's lifespan messages when ``scope`` is the lifespan's (the app holds
    nothing to start or stop); whether it was."""
    if scope["type"] != "lifespan":
        return False
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})
    return True


async def read_request(
    scope: Scope, receive: Receive, roles: KeyRoles, *, keep_audio: bool
) -> tuple[bytes, dict[str, Any], dict[str, Any]]:
    """The request's body, how a cassette keeps the request, and its ``match``."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    form: list[tuple[str, str | tuple[str, str, bytes]]] | None = None
    if headers.get("content-type", "").lower().startswith("multipart/form-data"):
        form = await _form(scope, body)
    request, match = describe_request(
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        form=form,
        roles=roles,
        keep_audio=keep_audio,
    )
    return body, request, match


async def _form(scope: Scope, body: bytes) -> list[tuple[str, str | tuple[str, str, bytes]]] | None:
    """The multipart form in ``body`` (Starlette's parser); ``None`` when it does not parse."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    parts: list[tuple[str, str | tuple[str, str, bytes]]] = []
    try:
        async with Request(scope, replay).form(max_part_size=64 * 1024 * 1024) as form:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    parts.append((name, (value.filename or "", value.content_type or "", data)))
                else:
                    parts.append((name, value))
    except Exception:  # a malformed form is the upstream's to judge; the cassette keeps its account
        return None
    return parts


async def abort(scope: Scope, send: Send, *, answered: bool = True) -> None:
    """Break the caller's connection mid-answer, as the upstream broke ours.

    Under uvicorn the socket is aborted, so the caller sees the connection drop after the bytes
    it was sent. In process (the ``openrouter_replay`` fixture) a :class:`.ConnectionFault` is
    raised, which the in-process transports turn into the httpx error a network would give:
    ``answered`` says whether a response had begun (a cut answer) or not (a reset)."""
    raw = scope.get(RAW_SEND, send)
    cycle: Any = getattr(raw, "__self__", None)
    transport: Any = getattr(cycle, "transport", None)
    if callable(getattr(transport, "abort", None)):
        transport.abort()
        return
    raise ConnectionFault("truncated" if answered else "reset")
