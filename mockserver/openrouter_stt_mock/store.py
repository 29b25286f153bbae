"""The connection to a Valkey or Redis server that holds the mock's state (``--state URL``).

One :class:`Store` per worker process. Every check-and-change is one Lua script run on the server
(:mod:`.store_ledger`, :mod:`.store_journal`) or one atomic command (:mod:`.store_queue`), so
workers and processes sharing a store stay exact without any lock of their own.

A request never blocks its worker on the store when it can help it: every wait hands the core to
another process and comes back to cold caches, which cost a worker more than the round trip.
So the calls come in three kinds (the connections they go over: :mod:`.store_posted`):

- :meth:`Store.fetch` and :meth:`Store.eval_soon` (taking an outcome, admitting, reserving)
  need the answer and await it on a connection the event loop drives (:mod:`.store_link`),
  while the worker serves other requests. Over TLS, which asyncio cannot take over, and off
  asyncio (trio) they block instead.
- :meth:`Store.post` (settling, the journal's writes) does not wait: the write is sent at once
  and its reply handled when it comes; a settlement is held to go out with the journal's write
  in one piece.
- :meth:`Store.run`, :meth:`Store.eval` and :meth:`Store.call` (balances, reading the journal or
  the queue, a reset) block.

One worker on a local Valkey served 2,589 requests/s so, against 1,205 with every call blocking
(same-run A/Bs, ``./scripts/bench --only state`` for the figures).

The server runs each connection's commands in the order sent, and a posted write is sent before
the answer goes out, so whatever follows an answer follows its writes; a read through the client
(:meth:`Store.call`) first reads every reply its process still owes. A write that fails once sent
is logged and lost: a lost settlement leaves its lease to expire uncharged.

Each call is bounded by ``state_timeout_seconds`` (connect and reply), is never retried by the
client library, and after a failure the store is not asked again for :data:`PAUSE_SECONDS`:
meanwhile every call fails at once. A failure is a 503 in OpenRouter's error shape with
``Retry-After`` (see :func:`unavailable`); the store is tried again by itself once the pause
ends.

Keys are ``NAMESPACE:{WORLD}:NAME``: ``WORLD`` is a digest of the world served, so processes serve
one shared world only when they serve the same world, and two namespaces (or two worlds) share a
server without meeting. The braces keep a world's keys in one cluster slot, as scripts need.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Final, NoReturn, TypeVar
from urllib.parse import urlsplit, urlunsplit

import orjson
import redis
from redis.backoff import NoBackoff
from redis.exceptions import (
    MasterDownError,
    NoScriptError,
    OutOfMemoryError,
    ReadOnlyError,
    TryAgainError,
)
from redis.retry import Retry

from .errors import MockError
from .store_link import OnReply
from .store_posted import Command, Connections
from .world import World

__all__ = [
    "CLIENT_NAME",
    "PAUSE_SECONDS",
    "Script",
    "Store",
    "from_units",
    "public_url",
    "to_units",
    "unavailable",
    "world_digest",
]

logger = logging.getLogger("openrouter_stt_mock")

T = TypeVar("T")

#: The name each of the mock's connections gives itself on the store (``CLIENT SETNAME``).
CLIENT_NAME: Final = "openrouter-stt-mock"
#: How long the store is left alone after a failure; also the ``Retry-After`` of the 503.
PAUSE_SECONDS: Final = 1
#: Amounts are kept as whole nano-USD: Lua's numbers are doubles, exact below 2**53 (9e6 USD).
_UNITS_PER_USD: Final = Decimal(10**9)
_MAX_UNITS: Final = 2**53
# Server replies that mean the store cannot serve now (loading, a replica, out of memory...):
# like a lost connection, a 503. Any other error reply is a fault of ours, and a 500.
_TRANSIENT_REPLIES: Final = (
    *("LOADING", "READONLY", "MISCONF", "OOM", "BUSY", "MASTERDOWN", "TRYAGAIN"),
)
# The same replies from redis-py's own parser (the blocking connections), which strips the code
# off these and raises a class of its own instead (LOADING: a ConnectionError); hiredis, on the
# event loop's connections, keeps the code in the message.
_TRANSIENT_CLASSES: Final = (ReadOnlyError, OutOfMemoryError, MasterDownError, TryAgainError)
# What a call may meet: each is sorted out by Store._fail.
_FAILURES: Final = (redis.ConnectionError, redis.TimeoutError, redis.ResponseError)


def to_units(amount: Decimal) -> int:
    """``amount`` USD as whole nano-USD (``ValueError`` when it is finer or too large)."""
    units = amount * _UNITS_PER_USD
    if units != units.to_integral_value() or abs(units) >= _MAX_UNITS:
        raise ValueError(
            f"{amount} USD cannot be kept exactly on the store: amounts need at most 9 decimals "
            f"and less than {_MAX_UNITS // 10**9:,} USD"
        )
    return int(units)


def from_units(units: int | bytes | str) -> Decimal:
    """Whole nano-USD as USD."""
    return Decimal(int(units)) / _UNITS_PER_USD


def world_digest(world: World) -> str:
    """A short digest of everything ``world`` holds, the same in every process that loads it
    (sets are sorted: their order, and so their repr, changes from one process to the next)."""
    document = orjson.dumps(
        world, default=_plain, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    )
    return hashlib.sha256(document).hexdigest()[:16]


def _plain(value: object) -> object:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, PurePath):  # a file's folder differs from one host to the next
        return value.name
    raise TypeError(f"not part of a world: {type(value).__name__}")


def public_url(url: str) -> str:
    """``url`` without its password, fit for a banner or an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def unavailable(reason: str) -> MockError:
    """The answer when the store cannot be reached: a 503 with ``Retry-After``.

    503 because the spec documents it for a gateway that cannot serve now ("no available
    provider"), and every client we know retries it after ``Retry-After``; a 500 would read as a
    fault of the mock, and 502, 524 and 529 name a provider, which is not at fault.
    """
    return MockError(
        503,
        f"Service Unavailable: the mock's state store cannot be reached ({reason})",
        metadata={"reason": "state store unavailable"},
        headers={"Retry-After": str(PAUSE_SECONDS)},
    )


@dataclass(frozen=True)
class Script:
    """A Lua script, run by its digest (``EVALSHA``) once the store has seen it."""

    source: str
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha1(self.source.encode(), usedforsecurity=False)
        object.__setattr__(self, "sha", digest.hexdigest())


class Store:
    """A Valkey/Redis connection for one world, failing fast and bounded in time.

    ``key(name)`` spells a key of this world; :meth:`call` runs an operation on the client,
    :meth:`run` and :meth:`eval` one command, :meth:`fetch` and :meth:`eval_soon` the same
    without blocking the event loop, :meth:`post` one script without waiting; each turns a lost,
    slow or unready store into :func:`unavailable`.
    """

    def __init__(
        self, url: str, namespace: str, world: World, *, timeout_seconds: float = 0.5
    ) -> None:
        self.url = url
        self.prefix = f"{namespace}:{{{world_digest(world)}}}:"
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            # One try per call: a retry would multiply the time a caller may wait.
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
            # Named, so that CLIENT LIST on a shared store tells the mock's connections apart.
            client_name=CLIENT_NAME,
        )
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._last_failure = ""
        # asyncio cannot take over a TLS socket: over TLS every call blocks.
        self._connections = Connections(
            self.client.connection_pool.make_connection,
            timeout_seconds,
            on_loops=urlsplit(url).scheme != "rediss",
        )

    def key(self, name: str) -> str:
        """The full name of this world's key ``name``."""
        return self.prefix + name

    def call(self, operation: Callable[[redis.Redis], T], *, retry: bool = False) -> T:
        """Run ``operation`` on the client, once every posted write has been answered; raise
        :func:`unavailable` when the store fails.

        ``retry``: try even during the pause that follows a failure (a second try of a call
        that must know whether its first try took effect).
        """

        def caught_up(client: redis.Redis) -> T:
            self._connections.catch_up()
            return operation(client)

        return self._guarded(caught_up, retry)

    def run(self, *command: str | bytes | int | float, retry: bool = False) -> Any:
        """Send one command and return its reply, failing as :meth:`call` does."""
        return self._guarded(lambda _: self._connections.send(command), retry)

    def eval(
        self,
        script: Script,
        keys: Sequence[str],
        args: Sequence[str | bytes | int],
        *,
        retry: bool = False,
    ) -> Any:
        """Run ``script`` on ``keys`` and ``args`` (sending its source when the store lacks it,
        as after a restart); fails as :meth:`call` does."""
        try:
            return self.run("EVALSHA", script.sha, len(keys), *keys, *args, retry=retry)
        except redis.ResponseError as exc:
            if not _no_script(exc):
                raise
        return self.run("EVAL", script.source, len(keys), *keys, *args, retry=retry)

    async def fetch(self, *command: str | bytes | int | float, retry: bool = False) -> Any:
        """:meth:`run`, waiting for the reply without blocking the event loop (blocking over TLS
        and off asyncio)."""
        if not retry and time.monotonic() < self._paused_until:
            raise unavailable(self._last_failure)
        try:
            return await self._connections.fetch(command)
        except _FAILURES as exc:
            self._fail(exc)

    async def eval_soon(
        self,
        script: Script,
        keys: Sequence[str],
        args: Sequence[str | bytes | int],
        *,
        retry: bool = False,
    ) -> Any:
        """:meth:`eval`, waiting for the reply as :meth:`fetch` does."""
        try:
            return await self.fetch("EVALSHA", script.sha, len(keys), *keys, *args, retry=retry)
        except redis.ResponseError as exc:
            if not _no_script(exc):
                raise
        return await self.fetch("EVAL", script.source, len(keys), *keys, *args, retry=retry)

    def post(
        self,
        script: Script,
        keys: Sequence[str],
        args: Sequence[str | bytes | int],
        on_reply: OnReply | None = None,
        *,
        retry: bool = False,
        hold: bool = False,
    ) -> None:
        """Send ``script`` on ``keys`` and ``args`` without waiting for its reply, which
        ``on_reply`` is given once read; raises as :meth:`call` does when it cannot be sent.

        ``hold``: send it with the next command, or at the latest when the event loop next
        turns (each write is a system call and wakes the store). Its source goes with it: a
        reply that says the store lacks the script would come too late to send it again in
        order.
        """
        command: Command = ("EVAL", script.source, len(keys), *keys, *args)
        if hold:
            self._connections.hold(command, on_reply, self._flush)
        else:
            self._guarded(lambda _: self._connections.post(command, on_reply), retry)

    def _flush(self) -> None:
        # A failure is logged by _fail, and the writes it lost by the connection that lost them.
        if self._connections.flushing():
            with contextlib.suppress(MockError):
                self._guarded(lambda _: self._connections.post(None), True)

    def _guarded(self, operation: Callable[[redis.Redis], T], retry: bool) -> T:
        if not retry and time.monotonic() < self._paused_until:
            raise unavailable(self._last_failure)
        try:
            return operation(self.client)
        except _FAILURES as exc:
            self._fail(exc)

    def _fail(self, exc: redis.RedisError) -> NoReturn:
        """Pause and raise :func:`unavailable` when the store cannot serve now; re-raise any
        other error reply (a fault of ours, a 500)."""
        if isinstance(exc, redis.ResponseError) and not _transient(exc):
            raise exc
        reason = f"{public_url(self.url)}: {type(exc).__name__}: {exc}"
        with self._lock:
            first = time.monotonic() >= self._paused_until
            self._last_failure = reason
            self._paused_until = time.monotonic() + PAUSE_SECONDS
        if first:
            logger.warning("state store failed, answering 503 for %s s: %s", PAUSE_SECONDS, reason)
        raise unavailable(reason) from exc

    def ping(self) -> None:
        """Check the store answers (raises :class:`MockError` 503 when it does not)."""
        self.call(lambda client: client.ping())

    def close(self) -> None:
        """Close the pool's connections and the store's own, once they have answered every
        posted write (a socket closed with a reply unread is reset, and the server may drop a
        write it has not read yet)."""
        try:
            self._connections.catch_up()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            logger.warning("state store failed while closing: %s", exc)
        self.client.close()
        self._connections.close()


def _transient(exc: redis.ResponseError) -> bool:
    """Whether an error reply means the store cannot serve now (see _TRANSIENT_REPLIES)."""
    return isinstance(exc, _TRANSIENT_CLASSES) or str(exc).startswith(_TRANSIENT_REPLIES)


def _no_script(exc: redis.ResponseError) -> bool:
    """Whether an error reply says the store lacks the script (as after a restart or a
    ``SCRIPT FLUSH``): redis-py's parser raises it as its own class, without the code."""
    return isinstance(exc, NoScriptError) or str(exc).startswith("NOSCRIPT")
