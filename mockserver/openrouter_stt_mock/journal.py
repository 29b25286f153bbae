"""The journal: every exchange with the endpoint, as it arrived and as it was answered.

Each entry holds a request and a response as :mod:`.records` keeps them. Judging an exchange
against the spec is the spec module's work (:func:`~openrouter_stt_mock.spec.judge`): an entry's
verdict is worked out on first read, never on the request's path, and so are the request and
response of an entry the gateway records (:mod:`.arrival`).

Bounds, so that no run of requests can grow the journal without end: an entry keeps at most 64
headers each way, 8 KiB of them in all, each value cut to 1 KiB (the headers the spec reads come
first), and 64 KiB of a response body (only a planned body is ever longer; such an exchange is
judged before its body is cut). Its ``cut`` says what was left out. The journal keeps the most
recent entries up to ``limit`` of them and ``max_bytes`` in all (64 MiB by default), counting for
each entry the text it keeps plus a fixed 2 KiB for the objects that hold it.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Final

import orjson

from .arrival import Arrival
from .entry_bounds import ENTRY_OVERHEAD, KEPT_BODY
from .records import Exchange, RecordedRequest, RecordedResponse
from .spec import Verdict, judge

__all__ = ["DEFAULT_JOURNAL_BYTES", "Journal", "JournalEntry"]

#: The journal's default bound on what it keeps, in bytes (see the module's docstring).
DEFAULT_JOURNAL_BYTES: Final = 64 * 1024 * 1024

#: What ``GET /_mock/journal`` shows of a request (the shape is for the verdict only).
_SERVED_REQUEST_KEYS: Final = (
    *("method", "path", "headers", "body_size", "model", "format", "language"),
    *("audio_sha256", "audio_size", "forced_by"),
)


class JournalEntry:
    """One exchange: its number, when it ended, the request, the response, and their verdict.

    ``exchange`` is the request and response, or an :class:`~.arrival.Arrival` that makes them
    when the entry is first read. ``verdict`` is given only when the exchange had to be judged
    before it was cut. ``size`` is the bytes the journal counts for the entry: the text it
    keeps, or an arrival's until it is built, plus :data:`ENTRY_OVERHEAD`.
    """

    __slots__ = ("_arrival", "_exchange", "_verdict", "number", "size", "time")

    def __init__(
        self,
        number: int,
        time: float,
        exchange: Exchange | Arrival,
        verdict: Verdict | None = None,
    ) -> None:
        self.number = number
        self.time = time
        self._verdict = verdict
        if isinstance(exchange, tuple):
            request, response = exchange
            self._exchange: Exchange | None = exchange
            self._arrival: Arrival | None = None
            self.size = ENTRY_OVERHEAD + request.size + response.size
        else:
            self._exchange, self._arrival = None, exchange
            self.size = exchange.size

    def _built(self) -> Exchange:
        exchange = self._exchange
        if exchange is None:
            # Two readers at once may both build it, alike. The exchange is set before the
            # arrival is let go, so a reader that finds no arrival finds the exchange.
            arrival = self._arrival
            exchange = self._exchange if arrival is None else arrival.build()
            assert exchange is not None
            self._exchange = exchange
            self._arrival = None
        return exchange

    @property
    def request(self) -> RecordedRequest:
        """What arrived."""
        return self._built()[0]

    @property
    def response(self) -> RecordedResponse:
        """What was answered."""
        return self._built()[1]

    @property
    def cut(self) -> tuple[str, ...]:
        """What the entry left out of the exchange (empty when it kept it all)."""
        return self.request.cut + self.response.cut

    @property
    def verdict(self) -> Verdict:
        """The exchange judged against the spec (on first read; two readers at once judge alike)."""
        if self._verdict is None:
            self._verdict = judge(self.request, self.response)
        return self._verdict

    def __repr__(self) -> str:
        return (
            f"JournalEntry(number={self.number!r}, time={self.time!r}, "
            f"request={self.request!r}, response={self.response!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The entry as plain JSON data, as served at ``GET /_mock/journal``."""
        request, response = self.request, self.response
        try:
            body: Any = orjson.loads(response.body) if response.body else None
        except orjson.JSONDecodeError:
            body = response.body.decode("utf-8", "replace")
        return {
            "number": self.number,
            "time": self.time,
            "request": {key: getattr(request, key) for key in _SERVED_REQUEST_KEYS},
            "response": {
                "status": response.status,
                "headers": dict(response.headers),
                "body": body,
                "fault": response.fault,
            },
            "verdict": self.verdict.to_dict(),
            "cut": list(self.cut),
        }


def _number(entry: JournalEntry) -> int:
    return entry.number


class Journal:
    """The most recent exchanges with the endpoint, oldest first; thread-safe.

    It keeps at most ``limit`` entries and ``max_bytes`` in all (as :attr:`JournalEntry.size`
    counts them), forgetting the oldest first; the newest entry is always kept. ``clock`` gives
    the seconds since the epoch each entry is stamped with.
    """

    def __init__(
        self,
        limit: int = 10_000,
        clock: Callable[[], float] = time.time,
        *,
        max_bytes: int = DEFAULT_JOURNAL_BYTES,
    ) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque()
        self._count = 0
        self._bytes = 0
        self._clock = clock
        self.limit = limit
        self.max_bytes = max_bytes

    def record(self, request: RecordedRequest, response: RecordedResponse) -> JournalEntry:
        """Add one exchange, stamped now; return its entry."""
        verdict = None
        if len(response.body) > KEPT_BODY:
            # Only a planned body is this long: judge it whole, on the request's path, then cut it.
            verdict = judge(request, response)
            response = response._body_cut()
        return self._add((request, response), verdict)

    def record_arrival(self, arrival: Arrival) -> JournalEntry:
        """Add one exchange as the gateway saw it, stamped now; its request and response are
        made when the entry is first read, unless it must be judged or cut at once."""
        if arrival.eager:
            return self.record(*arrival.build())
        return self._add(arrival, None)

    def _add(self, exchange: Exchange | Arrival, verdict: Verdict | None) -> JournalEntry:
        with self._lock:
            self._count += 1
            entry = JournalEntry(self._count, self._clock(), exchange, verdict)
            self._entries.append(entry)
            self._bytes += entry.size
            while len(self._entries) > 1 and (
                len(self._entries) > self.limit or self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popleft().size
        return entry

    @property
    def entries(self) -> list[JournalEntry]:
        """A snapshot of the entries, oldest first."""
        with self._lock:
            return list(self._entries)

    @property
    def nbytes(self) -> int:
        """The bytes the journal counts as kept (see :attr:`JournalEntry.size`)."""
        with self._lock:
            return self._bytes

    def select(self, *, after: int | None = None, newest_first: bool = False) -> list[JournalEntry]:
        """A snapshot of the entries in the order asked for, from the one after number ``after``.

        ``after`` is a cursor: the number of the last entry of the previous page, so oldest first
        it gives the higher numbers, newest first the lower ones.
        """
        entries = self.entries
        if after is not None and newest_first:
            entries = entries[: bisect.bisect_left(entries, after, key=_number)]
        elif after is not None:
            entries = entries[bisect.bisect_right(entries, after, key=_number) :]
        if newest_first:
            entries.reverse()
        return entries

    @property
    def last(self) -> JournalEntry:
        """The most recent entry (``IndexError`` when empty)."""
        with self._lock:
            return self._entries[-1]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._count = 0
            self._bytes = 0

    def to_list(self) -> list[dict[str, Any]]:
        """Every entry as plain JSON data."""
        return [entry.to_dict() for entry in self.entries]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries)

    def __getitem__(self, index: int) -> JournalEntry:
        with self._lock:
            return self._entries[index]
