"""The recording proxy: each request forwarded to the upstream and streamed back unchanged,
each exchange written to a cassette (see :mod:`._cassette`)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Final

import httpx
from starlette.types import Receive, Scope, Send

from ..errors import error_body
from ..faults import RAW_SEND
from ._cassette import KeyRoles, describe_response, write_cassette
from ._exchange import abort, answer_lifespan, read_request

__all__ = ["DEFAULT_UPSTREAM", "Recorder"]

#: Where requests go unless told otherwise.
DEFAULT_UPSTREAM: Final = "https://openrouter.ai"
# Hop-by-hop headers (RFC 9110 7.6.1), and the ones httpx sets itself.
_NOT_FORWARDED: Final = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
     "upgrade", "host", "accept-encoding"}
)  # fmt: skip
_NOT_RETURNED: Final = frozenset({"connection", "keep-alive", "transfer-encoding"})


class Recorder:
    """An ASGI app that records every exchange with ``upstream`` into ``directory``."""

    def __init__(
        self,
        directory: Path,
        upstream: str = DEFAULT_UPSTREAM,
        *,
        keep_audio: bool = False,
        timeout: float = 600.0,
    ) -> None:
        self.directory = directory
        self.upstream = upstream.rstrip("/")
        self.keep_audio = keep_audio
        self.roles = KeyRoles()
        self._timeout = httpx.Timeout(timeout, connect=10.0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await answer_lifespan(scope, receive, send) or scope["type"] != "http":
            return
        scope[RAW_SEND] = send
        body, request, match = await read_request(
            scope, receive, self.roles, keep_audio=self.keep_audio
        )
        recorded_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        url = self.upstream + scope["path"]
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k.decode("latin-1").lower() not in _NOT_FORWARDED
        ]
        # The answer is passed on byte for byte, so it must come uncompressed to be recorded.
        headers.append(("accept-encoding", "identity"))
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            outgoing = client.build_request(scope["method"], url, headers=headers, content=body)
            try:
                answer = await client.send(outgoing, stream=True)
            except httpx.HTTPError as exc:
                reason = f"no answer from the upstream: {type(exc).__name__}: {exc}"
                cassette = {
                    "recorded_at": recorded_at,
                    "request": request,
                    "match": match,
                    "response": describe_response(None, [], b"", error=reason),
                }
                write_cassette(self.directory, cassette)
                message = f"Recorder: {reason}"
                await _send_whole(send, 502, error_body(502, message))
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": answer.status_code,
                    "headers": [
                        (k, v)
                        for k, v in answer.headers.raw
                        if k.decode("latin-1").lower() not in _NOT_RETURNED
                    ],
                }
            )
            received: list[bytes] = []
            error: str | None = None
            try:
                async for chunk in answer.aiter_raw():
                    # Each chunk is passed on when the next arrives: the last waits until the
                    # cassette is written, so a caller that has the whole answer finds it there.
                    if received:
                        await send(
                            {"type": "http.response.body", "body": received[-1], "more_body": True}
                        )
                    received.append(chunk)
            except httpx.HTTPError as exc:
                size = sum(map(len, received))
                error = (
                    f"the upstream broke the connection after {size} bytes: {type(exc).__name__}"
                )
            finally:
                await answer.aclose()
        response = describe_response(
            answer.status_code, answer.headers.multi_items(), b"".join(received), error=error
        )
        cassette = {
            "recorded_at": recorded_at,
            "request": request,
            "match": match,
            "response": response,
        }
        write_cassette(self.directory, cassette)
        last = received[-1] if received else b""
        if error is not None:
            await send({"type": "http.response.body", "body": last, "more_body": True})
            await abort(scope, send)
            return
        await send({"type": "http.response.body", "body": last, "more_body": False})


async def _send_whole(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
