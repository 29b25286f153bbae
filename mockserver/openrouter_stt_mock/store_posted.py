"""The store's own connections, and the writes posted on them without waiting for a reply.

A :class:`.store.Store` sends its commands here, all but :meth:`~.store.Store.call`'s, rather
than through redis-py's client, whose pool checkout, retry loop and metrics cost a request
0.27 ms of CPU. A command whose answer is awaited goes on a connection the running event loop
drives (:mod:`.store_link`), a posted one too once the loop has one; any other goes on a
blocking connection, as every command does over TLS and off asyncio (trio).

A posted write is sent at once and its reply handled when it comes, in order: a blocking
connection keeps the handlers it owes and reads their replies before its next command's. A held
write waits to go out with the next command, or at the latest when the event loop next turns,
so that a settlement and the journal's write make one system call.

Failures are raised to the caller, which makes them a 503 (see :mod:`.store`). A posted write
the store refuses, or whose reply will not come (a lost connection, a timeout), is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import hiredis
import redis
from redis.connection import ConnectionInterface

from .store_link import LoopLink, OnReply

__all__ = ["Command", "Connections"]

logger = logging.getLogger("openrouter_stt_mock")

T = TypeVar("T")

Command = tuple[str | bytes | int | float, ...]
# hiredis's stub types a command as a tuple of one item.
_pack = cast(Callable[[Command], bytes], hiredis.pack_command)


@dataclass
class _Link:
    """One of the store's own connections, and what to do with each reply it still owes (one
    per posted write, in the order sent)."""

    connection: ConnectionInterface
    owed: list[OnReply | None] = field(default_factory=list)


class Connections:
    """The connections of one :class:`.store.Store`: blocking ones, made by ``connect`` and
    shared by every thread, and one per event loop when ``on_loops`` (see the module's
    docstring); every error they meet is raised to the caller."""

    def __init__(
        self, connect: Callable[[], ConnectionInterface], timeout: float, *, on_loops: bool
    ) -> None:
        self._connect = connect
        self._timeout = timeout
        self._on_loops = on_loops
        # Taken and given back by list.pop and list.append, which the GIL keeps atomic. A
        # fork's child starts a list of its own.
        self._idle: list[_Link] = []
        self._owner = os.getpid()
        # Posted writes held to go with the next command (hold()), under _lock.
        self._lock = threading.Lock()
        self._held: list[tuple[Command, OnReply | None]] = []
        self._flush_due = False
        self._loop_links: dict[asyncio.AbstractEventLoop, LoopLink] = {}

    def send(self, command: Command) -> Any:
        """Send the held writes and ``command``, and return its reply, blocking."""

        def exchange(link: _Link) -> Any:
            self._write(link, command)
            self._read_owed(link)
            return link.connection.read_response()

        return self._on_link(exchange)

    async def fetch(self, command: Command) -> Any:
        """:meth:`send`, waiting without blocking the event loop when the loop can have a
        connection of its own (not over TLS, not on trio)."""
        link = self._open_loop_link()
        if link is None:
            return self.send(command)
        packed, handlers = self._packed(command)
        return await link.call(packed, handlers)

    def post(self, command: Command | None, on_reply: OnReply | None = None) -> None:
        """Send the held writes and ``command`` (when one is given) without waiting; its reply
        goes to ``on_reply`` once read."""
        loop_link = self._loop_link()
        if loop_link is not None:
            packed, handlers = self._packed(command)
            if command is not None:
                handlers.append(_posted(on_reply))
            loop_link.send(packed, handlers)
            return

        def write(link: _Link) -> None:
            self._write(link, command)
            if command is not None:
                link.owed.append(on_reply)

        self._on_link(write)

    def hold(self, command: Command, on_reply: OnReply | None, flush: Callable[[], None]) -> None:
        """Keep ``command`` to go with the next one sent; ``flush`` sends it when the event loop
        next turns (at once outside an event loop: nothing comes later to carry it)."""
        with self._lock:
            self._held.append((command, on_reply))
            due, self._flush_due = self._flush_due, True
        if due:
            return
        try:
            asyncio.get_running_loop().call_soon(flush)
        except RuntimeError:
            flush()

    def flushing(self) -> bool:
        """Whether anything is still held now that the flush :meth:`hold` asked for has come."""
        with self._lock:
            self._flush_due = False
        return bool(self._held)

    def catch_up(self) -> None:
        """Send the held writes, then read every reply the idle connections owe."""
        self.post(None)
        idle, links = self._own_idle(), []
        try:
            with contextlib.suppress(IndexError):  # another thread may take the last one
                while idle:
                    links.append(idle.pop())
            for link in links:
                self._read_owed(link)
        finally:
            idle.extend(links)

    def close(self) -> None:
        """Close every connection (the replies still owed are not read: see :meth:`catch_up`)."""
        for link in self._idle:
            link.connection.disconnect()  # type: ignore[no-untyped-call]
        for loop_link in self._loop_links.values():
            loop_link.close()
        self._loop_links.clear()

    def _on_link(self, use: Callable[[_Link], T]) -> T:
        """``use`` an idle connection, or a new one."""
        try:
            link = self._own_idle().pop()
        except IndexError:
            link = _Link(self._connect())
        try:
            return use(link)
        except BaseException as exc:
            _lost_unless_ready(link, exc)
            raise
        finally:
            # After a lost connection or a timeout it has closed itself, and reconnects when
            # next used; an error reply leaves it ready.
            self._idle.append(link)

    def _write(self, link: _Link, command: Command | None) -> None:
        """Send the held writes, then ``command``, in one write to the socket."""
        held = self._take_held()
        link.owed.extend(on_reply for _, on_reply in held)
        commands = [command for command, _ in held]
        if command is not None:
            commands.append(command)
        if commands:
            packed = link.connection.pack_commands(commands)  # type: ignore[no-untyped-call]
            link.connection.send_packed_command(packed, check_health=False)  # type: ignore[no-untyped-call]

    def _packed(self, command: Command | None) -> tuple[bytes, list[OnReply | None]]:
        """The held writes and ``command`` packed in one piece, and the held writes' handlers
        (for a connection on an event loop)."""
        held = self._take_held()
        packed = [_pack(command) for command, _ in held]
        if command is not None:
            packed.append(_pack(command))
        return b"".join(packed), [_posted(on_reply) for _, on_reply in held]

    def _take_held(self) -> list[tuple[Command, OnReply | None]]:
        """The held writes, in order, no longer held (the lock only when there are some)."""
        if not self._held:
            return []
        with self._lock:
            held, self._held = self._held, []
        return held

    def _loop_link(self) -> LoopLink | None:
        """The running loop's connection, when it has one that works."""
        try:
            link = self._loop_links.get(asyncio.get_running_loop())
        except RuntimeError:
            return None
        return link if link is not None and link.usable else None

    def _open_loop_link(self) -> LoopLink | None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on asyncio (trio): the call blocks
            return None
        link = self._loop_links.get(loop)
        if self._on_loops and (link is None or not link.usable):
            for closed in [closed for closed in self._loop_links if closed.is_closed()]:
                self._loop_links.pop(closed).close()
            link = LoopLink.open(self._connect(), self._timeout)
            self._loop_links[loop] = link
        return link

    @staticmethod
    def _read_owed(link: _Link) -> None:
        owed, link.owed = link.owed, []
        for number, on_reply in enumerate(owed):
            try:
                reply = link.connection.read_response()
            except redis.ResponseError as exc:
                logger.warning("state store refused a write: %s", exc)
                continue
            except BaseException as exc:
                link.owed = owed[number:]
                _lost_unless_ready(link, exc)
                raise
            if on_reply is not None:
                on_reply(reply)

    def _own_idle(self) -> list[_Link]:
        if os.getpid() != self._owner:  # a forked worker: the parent's sockets are not its own
            self._idle, self._owner = [], os.getpid()
        return self._idle


def _posted(on_reply: OnReply | None) -> OnReply:
    """A posted write's handler: ``on_reply`` for a reply, a warning for a failure."""

    def handle(reply: Any) -> None:
        if isinstance(reply, redis.ResponseError):
            logger.warning("state store refused a write: %s", reply)
        elif isinstance(reply, Exception):
            logger.warning("state store: a posted write's outcome is unknown: %s", reply)
        elif on_reply is not None:
            on_reply(reply)

    return handle


def _lost_unless_ready(link: _Link, exc: BaseException) -> None:
    """After anything but an error reply the connection has closed itself: the replies it owed
    will not come."""
    if link.owed and not isinstance(exc, redis.ResponseError):
        logger.warning("state store: the outcome of %d posted write(s) is unknown", len(link.owed))
        link.owed = []
