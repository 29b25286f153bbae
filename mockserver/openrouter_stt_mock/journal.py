"""The journal: every request to the endpoint, its answer, and whether both fit the spec.

Entries keep the audio's size (and its sha256 when the mock computed one to look up a transcript),
never the audio or its base64, so a long benchmark does not hold every upload in memory; the
journal keeps the most recent ``limit`` entries. The ``Authorization`` header is redacted before
an entry is stored.

Recording is on every request's path, reading is not: the gateway hands over an
:class:`Exchange` of the raw pieces it already holds, and the :class:`RecordedRequest`,
:class:`RecordedResponse` and verdict a reader sees are built from it on first read.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from .spec import SpecChecker

__all__ = [
    "Exchange",
    "Journal",
    "JournalEntry",
    "RecordedRequest",
    "RecordedResponse",
    "Verdict",
]

_REDACTED: Final = "[redacted]"
_checker_lock = threading.Lock()
_checker: SpecChecker | None = None


def _spec_checker() -> SpecChecker:
    # One compiled checker shared by every journal: compiling the schemas is the slow part.
    global _checker
    with _checker_lock:
        if _checker is None:
            _checker = SpecChecker()
        return _checker


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with the API key taken out (names lowercased)."""
    clean = {name.lower(): value for name, value in headers.items()}
    if "authorization" in clean:
        clean["authorization"] = _redacted(clean["authorization"])
    return clean


def _redacted(value: str) -> str:
    scheme = value.partition(" ")[0]
    return f"Bearer {_REDACTED}" if scheme.lower() == "bearer" else _REDACTED


@dataclass(frozen=True)
class RecordedRequest:
    """What arrived: headers redacted, and the body reduced to its size, fields and audio digest.

    ``shape`` is the parsed JSON body with ``input_audio.data`` emptied (kept for validation);
    ``parse_error`` says why the body was not a JSON value, if it was not. ``audio_size`` is set
    whenever the audio decoded; ``audio_sha256`` only when the world may know a transcript for
    audio of that size (see :attr:`World.transcript_sizes`), as only then is the audio hashed.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body_size: int
    model: str | None = None
    format: str | None = None
    language: str | None = None
    audio_sha256: str | None = None
    audio_size: int | None = None
    forced_by: str | None = None
    shape: Any = None
    parse_error: str | None = None
    # The spec's security check needs to see that a bearer token came; it never keeps the key.
    had_bearer: bool = False


@dataclass(frozen=True)
class RecordedResponse:
    """What was answered: status, headers and body, or the connection fault instead."""

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    fault: str | None = None

    def __post_init__(self) -> None:
        # An exact-size copy: orjson's bytes hold a buffer of 4 KiB or more however short the
        # JSON, which a full journal would keep thousands of.
        object.__setattr__(self, "body", bytes(memoryview(self.body)))


@dataclass(frozen=True)
class Verdict:
    """Whether the request and the response fit the spec, and every reason they do not."""

    request_valid: bool
    response_valid: bool
    errors: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The verdict as plain JSON data."""
        return {
            "request_valid": self.request_valid,
            "response_valid": self.response_valid,
            "errors": list(self.errors),
        }


Headers = Sequence[tuple[bytes, bytes]]


class Exchange:
    """One exchange as the gateway holds it when it answers: raw headers, parsed body, answer.

    Making one is cheap (the key is redacted, the audio blanked, a large body's fields cut down);
    the :class:`RecordedRequest` and :class:`RecordedResponse` are built from it when first read.
    ``document`` is taken over: its ``input_audio.data`` string is blanked in place.
    ``audio_chars`` is the length of base64 already set aside from the body, if any was.
    """

    __slots__ = (
        "_audio",
        "_body_size",
        "_document",
        "_fault",
        "_forced_by",
        "_had_bearer",
        "_headers",
        "_method",
        "_parse_error",
        "_path",
        "_response_body",
        "_response_headers",
        "_status",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        headers: Headers,
        body_size: int,
        document: Any,
        audio_chars: int = 0,
        audio: tuple[str | None, int] | None = None,
        forced_by: str | None = None,
        parse_error: str | None = None,
        status: int | None,
        response_headers: Headers = (),
        response_body: bytes | memoryview = b"",
        fault: str | None = None,
    ) -> None:
        self._method = method
        self._path = path
        self._headers, self._had_bearer = _redact_raw(headers)
        self._body_size = body_size
        audio_in = document.get("input_audio") if isinstance(document, dict) else None
        if isinstance(audio_in, dict) and isinstance(audio_in.get("data"), str):
            audio_chars = max(audio_chars, len(audio_in["data"]))
            audio_in["data"] = ""
        # Beside its audio, a body of a few hundred bytes holds little enough to keep as parsed;
        # only a larger one (a huge model name, a million provider options) is cut down.
        self._document = document if body_size - audio_chars <= _KEPT_CHARS else _bounded(document)
        self._audio = audio
        self._forced_by = forced_by
        self._parse_error = parse_error
        self._status = status
        # Tuples of bytes, not lists: the collector stops tracking them, so a full journal is not
        # walked again at every full collection (which showed as a doubled p99 under load).
        self._response_headers = tuple(response_headers)
        # An exact-size copy: orjson's bytes hold a buffer of 4 KiB or more however short the
        # JSON, which a full journal would keep thousands of.
        self._response_body = bytes(memoryview(response_body))
        self._fault = fault

    def request(self) -> RecordedRequest:
        """What arrived, as the journal shows it."""
        document = self._document if isinstance(self._document, dict) else {}
        audio_in = document.get("input_audio")
        audio_in = audio_in if isinstance(audio_in, dict) else {}
        sha256, size = self._audio if self._audio is not None else (None, None)
        return RecordedRequest(
            method=self._method,
            path=self._path,
            headers=_decoded(self._headers),
            body_size=self._body_size,
            model=_text(document.get("model")),
            format=_text(audio_in.get("format")),
            language=_text(document.get("language")),
            audio_sha256=sha256,
            audio_size=size,
            forced_by=self._forced_by,
            shape=self._document,
            parse_error=self._parse_error,
            had_bearer=self._had_bearer,
        )

    def response(self) -> RecordedResponse:
        """What was answered, as the journal shows it."""
        return RecordedResponse(
            status=self._status,
            headers=_decoded(self._response_headers),
            body=self._response_body,
            fault=self._fault,
        )


def _redact_raw(headers: Headers) -> tuple[Headers, bool]:
    """ASGI headers with the key taken out, and whether a bearer token came."""
    clean = []
    had_bearer = False
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, token = value.partition(b" ")
            had_bearer = scheme.lower() == b"bearer" and bool(token.strip())
            value = _redacted(value.decode("latin-1")).encode("latin-1")
        clean.append((name, value))
    return tuple(clean), had_bearer


def _decoded(headers: Headers) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


# What the journal keeps of a large body's fields (the audio aside): enough to judge the request's
# shape, while a 30 MB model name, a million provider options or a deep tree is not held for
# every entry.
_KEPT_CHARS: Final = 1024
_KEPT_VALUES: Final = 64
_FIELDS: Final = ("input_audio", "model", "language", "temperature", "provider")


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
    """One exchange: the request, the response, and its verdict against the spec."""

    __slots__ = ("_exchange", "_request", "_response", "_verdict", "number", "time")

    def __init__(
        self,
        number: int,
        time: float,
        request: RecordedRequest | None = None,
        response: RecordedResponse | None = None,
        *,
        exchange: Exchange | None = None,
    ) -> None:
        if (request is None or response is None) and exchange is None:
            raise TypeError("a journal entry needs a request and a response, or an exchange")
        self.number = number
        self.time = time
        self._request = request
        self._response = response
        self._exchange = exchange
        self._verdict: Verdict | None = None

    @property
    def request(self) -> RecordedRequest:
        """What arrived: headers redacted, the body reduced to its size, fields and audio digest."""
        return self._read()[0]

    @property
    def response(self) -> RecordedResponse:
        """What was answered: status, headers and body, or the connection fault instead."""
        return self._read()[1]

    def _read(self) -> tuple[RecordedRequest, RecordedResponse]:
        # Built once, on first read; two threads reading at once build equal objects.
        if self._request is None or self._response is None:
            assert self._exchange is not None
            self._request, self._response = self._exchange.request(), self._exchange.response()
        return self._request, self._response

    @property
    def verdict(self) -> Verdict:
        """The exchange checked against the spec (computed once, on first read)."""
        if self._verdict is None:
            self._verdict = _judge(self.request, self.response)
        return self._verdict

    def __repr__(self) -> str:
        return (
            f"JournalEntry(number={self.number!r}, time={self.time!r}, "
            f"request={self.request!r}, response={self.response!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The entry as plain JSON data, as served at ``GET /_mock/journal``."""
        request = self.request
        response = self.response
        try:
            body: Any = orjson.loads(response.body) if response.body else None
        except orjson.JSONDecodeError:
            body = response.body.decode("utf-8", "replace")
        return {
            "number": self.number,
            "time": self.time,
            "request": {
                "method": request.method,
                "path": request.path,
                "headers": dict(request.headers),
                "body_size": request.body_size,
                "model": request.model,
                "format": request.format,
                "language": request.language,
                "audio_sha256": request.audio_sha256,
                "audio_size": request.audio_size,
                "forced_by": request.forced_by,
            },
            "response": {
                "status": response.status,
                "headers": dict(response.headers),
                "body": body,
                "fault": response.fault,
            },
            "verdict": self.verdict.to_dict(),
        }


def _judge(request: RecordedRequest, response: RecordedResponse) -> Verdict:
    checker = _spec_checker()
    headers = dict(request.headers)
    headers.pop("authorization", None)
    if request.had_bearer:
        headers["authorization"] = "Bearer x"
    request_errors = [
        "request " + e for e in checker.check_request(headers, request.shape, request.parse_error)
    ]
    if response.fault is not None:
        response_errors = [f"response: the connection was broken on purpose ({response.fault})"]
    elif response.status is None:
        response_errors = ["response: none"]
    else:
        response_errors = [
            "response " + e
            for e in checker.check_response(response.status, response.headers, response.body)
        ]
    return Verdict(
        request_valid=not request_errors,
        response_valid=not response_errors,
        errors=tuple(request_errors + response_errors),
    )


class Journal:
    """The most recent exchanges with the endpoint, oldest first; thread-safe."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._count = 0

    def record(self, time: float, request: RecordedRequest, response: RecordedResponse) -> None:
        """Add one exchange."""
        with self._lock:
            self._count += 1
            self._entries.append(JournalEntry(self._count, time, request, response))

    def record_exchange(self, time: float, exchange: Exchange) -> None:
        """Add one exchange as the gateway holds it; it is read into entries when first read."""
        with self._lock:
            self._count += 1
            self._entries.append(JournalEntry(self._count, time, exchange=exchange))

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
