"""The journal: every exchange with the endpoint, as it arrived and as it was answered.

A :class:`RecordedRequest` keeps the audio's size (and its sha256 when the mock computed one to look
up a transcript), never the audio or its base64, and cuts a large body's other fields down; its
``Authorization`` header is redacted as it is made. Judging an exchange against the spec is the
spec module's work (:func:`~openrouter_stt_mock.spec.judge`): an entry's verdict is worked out on
first read, never on the request's path, and so are the request and response of an entry the
gateway records (:mod:`.arrival`).

Bounds, so that no run of requests can grow the journal without end: an entry keeps at most 64
headers each way, 8 KiB of them in all, each value cut to 1 KiB (the headers the spec reads come
first), and 64 KiB of a response body (only a planned body is ever longer; such an exchange is
judged before its body is cut). Its ``cut`` says what was left out. The journal keeps the most
recent entries up to ``limit`` of them and ``max_bytes`` in all (64 MiB by default), counting for
each entry the text it keeps plus a fixed 2 KiB for the objects that hold it.
"""

from __future__ import annotations

import bisect
import dataclasses
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import orjson

from .entry_bounds import (
    ENTRY_OVERHEAD,
    KEPT_BODY,
    KEPT_CHARS,
    KEPT_VALUES,
    bounded_fields,
    bounded_headers,
    json_size,
)
from .spec import Verdict, judge

if TYPE_CHECKING:
    from .arrival import Arrival

__all__ = [
    "DEFAULT_JOURNAL_BYTES",
    "Journal",
    "JournalEntry",
    "RecordedRequest",
    "RecordedResponse",
]

#: The journal's default bound on what it keeps, in bytes (see the module's docstring).
DEFAULT_JOURNAL_BYTES: Final = 64 * 1024 * 1024

#: What ``GET /_mock/journal`` shows of a request (the shape is for the verdict only).
_SERVED_REQUEST_KEYS: Final = (
    *("method", "path", "headers", "body_size", "model", "format", "language"),
    *("audio_sha256", "audio_size", "forced_by"),
)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """What arrived: headers with the key redacted, and the body reduced to its size and fields.

    ``shape`` is the parsed body with ``input_audio.data`` emptied (what the verdict judges);
    ``parse_error`` says why the body could not be parsed, if it could not. ``audio_size`` is set
    whenever the audio decoded; ``audio_sha256`` only when the world may know a transcript for
    audio of that size (see :attr:`World.transcript_sizes`), as only then is the audio hashed.
    ``cut`` says what was left out of the headers and the shape; ``size`` is the bytes of text
    kept.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body_size: int
    shape: Any = None
    parse_error: str | None = None
    audio_sha256: str | None = None
    audio_size: int | None = None
    forced_by: str | None = None
    cut: tuple[str, ...] = ()
    size: int = field(default=0, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        if "authorization" in headers:
            scheme, _, token = headers["authorization"].partition(" ")
            keyed = scheme.lower() == "bearer" and token.strip()
            headers["authorization"] = "Bearer [redacted]" if keyed else "[redacted]"
        headers, cut, size = bounded_headers("request", headers)
        object.__setattr__(self, "headers", headers)
        # A body of a few hundred bytes beside its audio holds little enough to keep as parsed.
        shape_size = json_size(self.shape)
        if shape_size > KEPT_CHARS:
            object.__setattr__(self, "shape", bounded_fields(self.shape))
            kept = json_size(self.shape)
            if kept < shape_size:
                cut.append(
                    f"request body fields: {shape_size} bytes as JSON, {kept} kept "
                    f"(at most {KEPT_VALUES} values of {KEPT_CHARS} characters)"
                )
            shape_size = kept
        object.__setattr__(self, "cut", (*self.cut, *cut))
        object.__setattr__(self, "size", size + shape_size + len(self.path))

    @property
    def model(self) -> str | None:
        """The ``model`` field, when it was a string."""
        return _text(self.shape, "model")

    @property
    def format(self) -> str | None:
        """The audio's format as the request stated it: ``input_audio.format`` (a string), or
        the format a multipart file part's name or Content-Type names."""
        if not isinstance(self.shape, dict):
            return None
        return _text(self.shape.get("input_audio"), "format") or _text(
            self.shape.get("file"), "format"
        )

    @property
    def language(self) -> str | None:
        """The ``language`` field, when it was a string."""
        return _text(self.shape, "language")


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """What was answered: status, headers (lowercase names) and body, or the connection fault.

    ``cut`` says what was left out of the headers and the body; ``size`` is the bytes kept.
    """

    status: int | None
    headers: Mapping[str, str]
    body: bytes = b""
    fault: str | None = None
    cut: tuple[str, ...] = ()
    size: int = field(default=0, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        lowered = {name.lower(): value for name, value in self.headers.items()}
        headers, cut, size = bounded_headers("response", lowered)
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "cut", (*self.cut, *cut))
        object.__setattr__(self, "size", size + len(self.body))

    def _body_cut(self) -> RecordedResponse:
        """This response with its body cut to what an entry keeps, and saying so."""
        note = f"response body: {len(self.body)} bytes, {KEPT_BODY} kept"
        return dataclasses.replace(self, body=self.body[:KEPT_BODY], cut=(*self.cut, note))


def _text(fields: Any, name: str) -> str | None:
    value = fields.get(name) if isinstance(fields, dict) else None
    return value if isinstance(value, str) else None


Exchange = tuple[RecordedRequest, RecordedResponse]


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
