"""httpx transports that run the mock app in process, with no sockets.

Both turn the app's planned connection faults into the httpx errors a network would give, and
honour the request's read timeout (``httpx.ReadTimeout``) as a socket would: a request the app
takes longer than that to answer times out, whether it is stalled, slow, or waiting for a 524.

    >>> import httpx
    >>> from openrouter_stt_mock import IN_PROCESS_BASE_URL, create_app, sync_transport
    >>> http = httpx.Client(transport=sync_transport(create_app()), base_url=IN_PROCESS_BASE_URL)
    >>> http.post("audio/transcriptions", json={}).status_code  # no key: 401
    401
    >>> http.close()
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import AsyncIterator, Iterable
from typing import Any, Final

import anyio
import anyio.from_thread
import httpx
from starlette.types import ASGIApp

from .faults import ConnectionFault

__all__ = ["IN_PROCESS_BASE_URL", "async_transport", "sync_transport"]

#: The base URL for clients of an in-process mock: nothing listens there, the transport answers.
IN_PROCESS_BASE_URL: Final = "http://openrouter-mock.invalid/api/v1"


def async_transport(app: ASGIApp) -> httpx.AsyncBaseTransport:
    """A transport for ``httpx.AsyncClient`` that serves requests with ``app`` in process."""
    return _AsyncMockTransport(app)


def sync_transport(app: ASGIApp) -> httpx.BaseTransport:
    """A transport for ``httpx.Client`` that serves requests with ``app`` in process.

    The app runs on an event loop in a helper thread (an anyio blocking portal), started on the
    first request and stopped when the transport (or the client owning it) is closed.
    """
    return _SyncMockTransport(app)


class _AsyncMockTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._asgi = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        read_timeout: float | None = timeouts.get("read")
        try:
            with anyio.fail_after(read_timeout):
                return await self._asgi.handle_async_request(request)
        except TimeoutError as exc:
            raise httpx.ReadTimeout("timed out waiting for the response", request=request) from exc
        except ConnectionFault as exc:
            # The words httpx itself uses for the same events on a real connection.
            if exc.fault == "reset":
                message = "Server disconnected without sending a response."
            else:
                message = "peer closed connection without sending complete message body"
            raise httpx.RemoteProtocolError(message, request=request) from exc

    async def aclose(self) -> None:
        await self._asgi.aclose()


class _Chunks(httpx.AsyncByteStream):
    """A sync request body handed to the async transport chunk by chunk."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


class _LoopThread:
    """An event loop in a daemon thread, reached through a blocking portal.

    A daemon thread, unlike anyio's ``start_blocking_portal`` (a thread pool worker, joined at
    interpreter exit), cannot keep a program from exiting when a client is never closed.
    """

    def __init__(self) -> None:
        ready = threading.Event()
        self.portal: anyio.from_thread.BlockingPortal | None = None

        async def serve() -> None:
            async with anyio.from_thread.BlockingPortal() as portal:
                self.portal = portal
                ready.set()
                await portal.sleep_until_stopped()

        self.thread = threading.Thread(
            target=anyio.run, args=(serve,), name="openrouter-stt-mock-loop", daemon=True
        )
        self.thread.start()
        ready.wait()

    def stop(self) -> None:
        portal, self.portal = self.portal, None
        if portal is not None:
            portal.call(portal.stop)
            self.thread.join()


class _SyncMockTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._inner = _AsyncMockTransport(app)
        self._lock = threading.Lock()
        self._loop: _LoopThread | None = None
        self._finalizer: weakref.finalize[[], _SyncMockTransport] | None = None

    def _get_portal(self) -> anyio.from_thread.BlockingPortal:
        with self._lock:
            if self._loop is None or self._loop.portal is None:
                self._loop = _LoopThread()
                # Stops the loop if the transport is dropped (or the program ends) unclosed.
                self._finalizer = weakref.finalize(self, self._loop.stop)
            assert self._loop.portal is not None
            return self._loop.portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stream = request.stream
        assert isinstance(stream, Iterable), "a sync client sends a sync byte stream"
        # Read on the caller's thread: a sync body may be a generator that is not thread-safe.
        chunks = [bytes(chunk) for chunk in stream]
        forwarded = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            stream=_Chunks(chunks),
            extensions=request.extensions,
        )
        try:
            return self._get_portal().call(self._send, forwarded)
        except httpx.RequestError as exc:
            exc.request = request  # the caller's request, not the copy made for the loop
            raise

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=content,
            extensions={k: v for k, v in response.extensions.items() if k != "network_stream"},
        )

    def close(self) -> None:
        with self._lock:
            finalizer, self._finalizer, self._loop = self._finalizer, None, None
        if finalizer is not None:
            finalizer()
