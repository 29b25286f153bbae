"""The journal: every exchange with the endpoint, as it arrived and as it was answered.

A :class:`RecordedRequest` keeps the audio's size (and its sha256 when the mock computed one to look
up a transcript), never the audio or its base64, and cuts a large body's other fields down; its
``Authorization`` header is redacted as it is made. Judging an exchange against the spec is the
spec module's work (:func:`~openrouter_stt_mock.spec.judge`): an entry's verdict is worked out on
first read, never on the request's path. The journal keeps the most recent ``limit`` entries.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from .spec import Verdict, judge

__all__ = ["Journal", "JournalEntry", "RecordedRequest", "RecordedResponse"]

# What a request keeps of a large body's fields (the audio aside): enough to judge its shape,
# while a 30 MB model name, a million provider options or a deep tree is not held for every entry.
_KEPT_CHARS: Final = 1024
_KEPT_VALUES: Final = 64
_FIELDS: Final = ("input_audio", "model", "language", "temperature", "provider")
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

    def __post_init__(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        if "authorization" in headers:
            scheme, _, token = headers["authorization"].partition(" ")
            keyed = scheme.lower() == "bearer" and token.strip()
            headers["authorization"] = "Bearer [redacted]" if keyed else "[redacted]"
        object.__setattr__(self, "headers", headers)
        # Beside its audio, a body of a few hundred bytes holds little enough to keep as parsed.
        audio_chars = 4 * math.ceil(self.audio_size / 3) if self.audio_size else 0
        if self.body_size - audio_chars > _KEPT_CHARS:
            object.__setattr__(self, "shape", _bounded(self.shape))

    @property
    def model(self) -> str | None:
        """The ``model`` field, when it was a string."""
        return _text(self.shape, "model")

    @property
    def format(self) -> str | None:
        """The ``input_audio.format`` field, when it was a string."""
        audio = self.shape.get("input_audio") if isinstance(self.shape, dict) else None
        return _text(audio, "format")

    @property
    def language(self) -> str | None:
        """The ``language`` field, when it was a string."""
        return _text(self.shape, "language")


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """What was answered: status, headers (lowercase names) and body, or the connection fault."""

    status: int | None
    headers: Mapping[str, str]
    body: bytes = b""
    fault: str | None = None


def _text(fields: Any, name: str) -> str | None:
    value = fields.get(name) if isinstance(fields, dict) else None
    return value if isinstance(value, str) else None


def _bounded(document: Any) -> Any:
    """A copy of a parsed body: strings cut to 1 KiB, 64 values at most, spec fields first."""
    budget = _KEPT_VALUES

    def keep(value: Any) -> Any:
        nonlocal budget
        budget -= 1
        if isinstance(value, str):
            return value[:_KEPT_CHARS]
        if isinstance(value, list):
            return [keep(item) for item in itertools.islice(value, max(budget, 0))]
        if not isinstance(value, dict):
            return value
        kept: dict[str, Any] = {}
        for key in itertools.chain((f for f in _FIELDS if f in value), value):
            if budget <= 0:
                break
            if key not in kept:
                kept[key[:_KEPT_CHARS]] = keep(value[key])
        return kept

    return keep(document)


class JournalEntry:
    """One exchange: its number, when it ended, the request, the response, and their verdict."""

    __slots__ = ("_verdict", "number", "request", "response", "time")

    def __init__(
        self, number: int, time: float, request: RecordedRequest, response: RecordedResponse
    ) -> None:
        self.number = number
        self.time = time
        self.request = request
        self.response = response
        self._verdict: Verdict | None = None

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
        }


class Journal:
    """The most recent exchanges with the endpoint, oldest first; thread-safe.

    ``clock`` gives the seconds since the epoch each entry is stamped with.
    """

    def __init__(self, limit: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._count = 0
        self._clock = clock

    def record(self, request: RecordedRequest, response: RecordedResponse) -> JournalEntry:
        """Add one exchange, stamped now; return its entry."""
        with self._lock:
            self._count += 1
            entry = JournalEntry(self._count, self._clock(), request, response)
            self._entries.append(entry)
        return entry

    @property
    def entries(self) -> list[JournalEntry]:
        """A snapshot of the entries, oldest first."""
        with self._lock:
            return list(self._entries)

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
