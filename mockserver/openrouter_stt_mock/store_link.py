"""A connection to the store driven by a worker's event loop (see :mod:`.store_posted`).

A request that needs the store's answer waits on it without blocking the worker, which serves
other requests meanwhile: a blocking call hands the core to another process and comes back to
cold caches, which cost a worker more than the round trip itself. Replies come in the order the
commands went, so each is handed to the next handler in line; hiredis parses them.

The connection is opened and greeted (password, database, name) by redis-py's own blocking
connection, as the store's blocking ones are; its socket is then watched by the loop
(``add_reader``) rather than wrapped in a transport, so that it can be closed from any thread,
even once its loop has closed.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import hiredis
import redis

__all__ = ["LoopLink", "OnReply"]

#: What to do with a reply: given the reply, or the exception it is (an error reply, a lost
#: connection, a timeout).
OnReply = Callable[[Any], None]


class LoopLink:
    """One connection on one event loop; every reply goes to the handler queued with its
    command, and every handler still waiting when the connection ends is given why."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, timeout: float):
        self.loop = loop
        self._sock = sock
        self._timeout = timeout
        self._reader = hiredis.Reader(replyError=redis.ResponseError)
        self._waiting: deque[OnReply | None] = deque()
        self._unsent = b""
        self._ended: Exception | None = None
        self._thread = threading.get_ident()
        sock.setblocking(False)
        loop.add_reader(sock.fileno(), self._readable)

    @classmethod
    def open(cls, connection: Any, timeout: float) -> LoopLink:
        """Take over redis-py's ``connection`` once connected and greeted (bounded by the
        connect timeout: a store that is down fails at once), on the running loop."""
        loop = asyncio.get_running_loop()
        connection.connect()
        sock: socket.socket = connection._sock
        connection._sock = None  # closed by the link from now on, not by redis-py
        try:
            return cls(loop, sock, timeout)
        except BaseException:
            sock.close()
            raise

    @property
    def usable(self) -> bool:
        """Whether commands may still be sent."""
        return self._ended is None

    def send(self, packed: bytes, handlers: list[OnReply | None]) -> None:
        """Send commands packed in one piece, each reply to its handler, in order."""
        if self._ended is not None:
            raise self._ended
        self._waiting.extend(handlers)
        if self._unsent:
            self._unsent += packed
            return
        try:
            sent = self._sock.send(packed)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            self._end(redis.ConnectionError(f"writing to the store failed: {exc}"))
            raise redis.ConnectionError(f"writing to the store failed: {exc}") from exc
        if sent < len(packed):  # the socket's buffer is full: the rest when it has room
            self._unsent = packed[sent:]
            self.loop.add_writer(self._sock.fileno(), self._writable)

    async def call(self, packed: bytes, handlers: list[OnReply | None]) -> Any:
        """Send commands packed in one piece and wait for the last one's reply, at most the
        timeout (past it the connection is dropped: the replies after it would be out of step).
        """
        reply = self.loop.create_future()

        def settle(value: Any) -> None:
            if reply.done():  # the caller was cancelled
                return
            if isinstance(value, Exception):
                reply.set_exception(value)
            else:
                reply.set_result(value)

        self.send(packed, [*handlers, settle])
        timer = self.loop.call_later(self._timeout, self._time_out)
        try:
            return await reply
        finally:
            timer.cancel()

    def _readable(self) -> None:
        try:
            data = self._sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._end(redis.ConnectionError(f"reading from the store failed: {exc}"))
            return
        if not data:
            self._end(redis.ConnectionError("the store closed the connection"))
            return
        self._reader.feed(data)
        while (reply := self._reader.gets()) is not False:
            on_reply = self._waiting.popleft()
            if on_reply is not None:
                on_reply(reply)

    def _writable(self) -> None:
        try:
            sent = self._sock.send(self._unsent)
        except BlockingIOError:
            return
        except OSError as exc:
            self._end(redis.ConnectionError(f"writing to the store failed: {exc}"))
            return
        self._unsent = self._unsent[sent:]
        if not self._unsent:
            self.loop.remove_writer(self._sock.fileno())

    def _time_out(self) -> None:
        self._end(redis.TimeoutError(f"the store did not answer within {self._timeout:g} s"))

    def _end(self, why: Exception) -> None:
        if self._ended is None:
            self._ended = why
        self.close()
        waiting, self._waiting = self._waiting, deque()
        for on_reply in waiting:
            if on_reply is not None:
                on_reply(why)

    def close(self) -> None:
        """Close the connection, from the loop's thread or any other."""
        if self._ended is None:
            self._ended = redis.ConnectionError("the connection was closed")
        if self._sock.fileno() < 0:
            return
        if threading.get_ident() == self._thread or not self.loop.is_running():
            self._unwatch()
        else:
            self.loop.call_soon_threadsafe(self._unwatch)

    def _unwatch(self) -> None:
        fd = self._sock.fileno()
        if fd >= 0:
            if not self.loop.is_closed():
                self.loop.remove_reader(fd)
                self.loop.remove_writer(fd)
            self._sock.close()
