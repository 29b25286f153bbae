"""The journal as served at ``GET /_mock/journal``: a query read from the URL, and the entries it
selects streamed as one JSON array, a little at a time.

Judging an entry against the spec takes about 150 µs, so a journal of 10,000 takes over a second
of work. The feed does it on the event loop in slices of :data:`SLICE_SECONDS`, and between two
slices gives way to the endpoint: while a request to it is being answered (:class:`Traffic`),
the feed waits, up to :data:`GIVE_WAY_SECONDS` a slice so that it still ends under constant
load. A request meets at most the one slice under way when it arrives, and the answer is never
held whole in memory. (A worker thread would do worse: it would hold the GIL for the loop's
switch interval, 5 ms, at a time.)

Query parameters, all optional: ``limit`` (the most entries to list), ``after`` (a cursor: the
number of the last entry of the previous page), ``order`` (``oldest``, the default, or
``newest``), ``status`` (one or more statuses, comma-separated; ``none`` for a dropped
connection) and ``verdict`` (``valid``: request and response both fit the spec; ``invalid``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import anyio.lowlevel
import orjson

from .errors import bad_request
from .journal import Journal, JournalEntry

__all__ = ["GIVE_WAY_SECONDS", "SLICE_SECONDS", "JournalQuery", "Traffic", "feed"]

#: The longest the feed works before it lets the event loop serve others.
SLICE_SECONDS: Final = 0.0002
#: The longest the feed waits for the endpoint's requests between two slices.
GIVE_WAY_SECONDS: Final = 0.002
_PAUSE_SECONDS: Final = 0.0005


class Traffic:
    """How many requests to the endpoint are being answered now; thread-safe. Each request is
    counted while inside ``with traffic:``: a plain context manager, as it is on every request's
    path, where a generator-based one cost about 1 % of the mock's requests/s."""

    __slots__ = ("_lock", "in_flight")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0

    def __enter__(self) -> None:
        with self._lock:
            self.in_flight += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self.in_flight -= 1


_PARAMETERS: Final = ("limit", "after", "order", "status", "verdict")


@dataclass(frozen=True)
class JournalQuery:
    """Which entries to list, in which order (see the module's docstring)."""

    limit: int | None = None
    after: int | None = None
    newest_first: bool = False
    statuses: frozenset[int | None] | None = None
    verdict: Literal["valid", "invalid"] | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> JournalQuery:
        """The query a URL's parameters ask for, or a 400 naming the parameter at fault."""
        for name in params:
            if name not in _PARAMETERS:
                raise bad_request(name, "not a parameter of the journal", ", ".join(_PARAMETERS))
        order = params.get("order", "oldest")
        if order not in ("oldest", "newest"):
            raise bad_request("order", repr(order), "oldest or newest")
        verdict = params.get("verdict")
        if verdict is not None and verdict not in ("valid", "invalid"):
            raise bad_request("verdict", repr(verdict), "valid or invalid")
        return cls(
            limit=_count(params, "limit", minimum=1),
            after=_count(params, "after", minimum=0),
            newest_first=order == "newest",
            statuses=_statuses(params.get("status")),
            verdict=verdict,  # type: ignore[arg-type]  # checked above
        )

    def matches(self, entry: JournalEntry) -> bool:
        """Whether ``entry`` passes the filters (judging it when the verdict is asked for)."""
        if self.statuses is not None and entry.response.status not in self.statuses:
            return False
        if self.verdict is None:
            return True
        valid = entry.verdict.request_valid and entry.verdict.response_valid
        return valid == (self.verdict == "valid")


def _count(params: Mapping[str, str], name: str, *, minimum: int) -> int | None:
    text = params.get(name)
    if text is None:
        return None
    if not text.isdigit() or int(text) < minimum:
        raise bad_request(name, repr(text[:40]), f"a whole number, at least {minimum}")
    return int(text)


def _statuses(text: str | None) -> frozenset[int | None] | None:
    if text is None:
        return None
    found: set[int | None] = set()
    for part in text.split(","):
        part = part.strip().lower()
        if part == "none":
            found.add(None)
        elif len(part) == 3 and part.isdigit():
            found.add(int(part))
        else:
            raise bad_request("status", repr(part[:40]), "HTTP statuses or none, comma-separated")
    return frozenset(found)


def feed(
    journal: Journal, query: JournalQuery, traffic: Traffic | None = None
) -> AsyncIterator[bytes]:
    """The entries ``query`` selects, as the pieces of one JSON array, giving way to ``traffic``.

    The entries are read now, before the first piece is asked for: a journal on a store that
    cannot be reached raises its 503 :class:`~.errors.MockError` here, while the caller can
    still answer it, not once a 200's headers are sent.
    """
    entries = journal.select(after=query.after, newest_first=query.newest_first)
    return _pieces(entries, query, traffic)


async def _pieces(
    entries: list[JournalEntry], query: JournalQuery, traffic: Traffic | None
) -> AsyncIterator[bytes]:
    piece = bytearray(b"[")
    listed = 0
    deadline = time.perf_counter() + SLICE_SECONDS
    for entry in entries:
        if query.limit is not None and listed >= query.limit:
            break
        if query.matches(entry):
            if listed:
                piece += b","
            piece += orjson.dumps(entry.to_dict())
            listed += 1
        if time.perf_counter() >= deadline:
            if piece:
                yield bytes(piece)
                piece.clear()
            await _give_way(traffic)
            deadline = time.perf_counter() + SLICE_SECONDS
    piece += b"]"
    yield bytes(piece)


async def _give_way(traffic: Traffic | None) -> None:
    await anyio.lowlevel.checkpoint()  # let the loop serve what is waiting
    waited = 0.0
    while traffic is not None and traffic.in_flight and waited < GIVE_WAY_SECONDS:
        await anyio.sleep(_PAUSE_SECONDS)
        waited += _PAUSE_SECONDS
