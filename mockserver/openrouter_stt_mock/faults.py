"""Connection-level faults: a dropped connection, a truncated body, a response that never ends.

Under a real server (uvicorn) the fault is done to the socket itself: the app finds the server's
transport behind the raw ASGI ``send`` and aborts it. In process there is no socket, so the app
raises :class:`ConnectionFault`, which the in-process transports turn into the httpx error a
network would have given.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

import anyio
from starlette.types import Message, Receive, Scope, Send

from .scenarios import Fault

__all__ = ["RAW_SEND", "ConnectionFault", "FaultResponse"]

#: Where the outermost app keeps the server's own ``send`` in the scope.
RAW_SEND: Final = "openrouter_stt_mock.raw_send"
_PROMISED: Final = 1024  # the body length a truncated or stalled response announces
_SENT: Final = b'{"text": "cut sh'


class ConnectionFault(Exception):  # noqa: N818 - named for what happens, like httpx's errors
    """Raised by the app in process when a planned fault breaks the connection."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(f"planned connection fault: {fault}")
        self.fault = fault


class _Abortable(Protocol):
    def abort(self) -> None: ...


def _server_transport(scope: Scope) -> _Abortable | None:
    # uvicorn hands the app a bound method of its request cycle, which holds the socket transport
    # (under uvloop, one that aborts like asyncio's without being an asyncio.Transport).
    cycle: Any = getattr(scope.get(RAW_SEND), "__self__", None)
    transport = getattr(cycle, "transport", None)
    return transport if callable(getattr(transport, "abort", None)) else None


class FaultResponse:
    """An ASGI response that breaks the connection the way ``fault`` says."""

    def __init__(self, fault: Fault, stall_seconds: float) -> None:
        self.fault = fault
        self.stall_seconds = stall_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Break the connection."""
        transport = _server_transport(scope)
        if self.fault != "reset":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(_PROMISED).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _SENT, "more_body": True})
        if self.fault == "stall":
            # Hold the response open until the client gives up (or the bound is reached).
            with anyio.move_on_after(self.stall_seconds):
                await _until_disconnect(receive)
        if transport is None:
            raise ConnectionFault(self.fault)
        transport.abort()
        await _until_disconnect(receive)


async def _until_disconnect(receive: Receive) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return
