"""The HTTP protocol the mock is served with: uvicorn's httptools protocol and a head deadline.

uvicorn times out a connection only while it idles between two requests (``timeout_keep_alive``);
a client that opens a connection and sends half a request head, or nothing, holds it for as
long as it likes. Here every request head must arrive whole within a deadline, counted from the
connection's opening or from the head's first byte on a kept-alive connection. When it passes,
a client that sent part of a head gets a 408 in OpenRouter's error shape and the connection is
closed; one that sent nothing is closed, as uvicorn closes an idle kept-alive connection.

The body has its own deadline, kept where the body is read (:mod:`.gateway`), so that its 408
is answered and journaled like any other answer.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .errors import error_body

__all__ = ["with_head_deadline"]


class _HeadDeadlineProtocol(HttpToolsProtocol):
    head_timeout: ClassVar[float]
    _head_timer: asyncio.TimerHandle | None = None
    _head_begun = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_begun = True
        if self._head_timer is None:  # a later request on a kept-alive connection
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        self._head_begun = False
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined head stalled behind a response still going out: let that response
            # finish, then close.
            self.cycle.keep_alive = False
            return
        if self._head_begun:
            self.transport.write(self._timeout_answer())
        self.transport.close()

    def _timeout_answer(self) -> bytes:
        """A whole 408 response in the error shape, closing the connection."""
        body = error_body(
            408, f"Request Timeout: the request head did not arrive within {self.head_timeout:g} s"
        )
        lines = [b"HTTP/1.1 408 Request Timeout"]
        lines += [name + b": " + value for name, value in self.server_state.default_headers]
        lines += [
            b"content-type: application/json",
            b"content-length: %d" % len(body),
            b"connection: close",
        ]
        return b"\r\n".join(lines) + b"\r\n\r\n" + body


def with_head_deadline(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol, with each request head due within ``seconds``: pass it as
    ``uvicorn.Config(http=...)``."""

    class HeadDeadlineProtocol(_HeadDeadlineProtocol):
        head_timeout = seconds

    return HeadDeadlineProtocol
