"""The journal: every request to the endpoint, its answer, and whether both fit the spec.

Entries keep sizes and a sha256 of the audio, never the audio or its base64, so a long benchmark
does not hold every upload in memory; the journal keeps the most recent ``limit`` entries. The
``Authorization`` header is redacted before an entry is stored. Verdicts are computed when read.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from .spec import SpecChecker

__all__ = ["Journal", "JournalEntry", "RecordedRequest", "RecordedResponse", "Verdict"]

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
        scheme = clean["authorization"].partition(" ")[0]
        clean["authorization"] = f"Bearer {_REDACTED}" if scheme.lower() == "bearer" else _REDACTED
    return clean


@dataclass(frozen=True)
class RecordedRequest:
    """What arrived: headers redacted, and the body reduced to its size, fields and audio digest.

    ``shape`` is the parsed JSON body with ``input_audio.data`` emptied (kept for validation);
    ``parse_error`` says why the body was not a JSON value, if it was not.
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


@dataclass
class JournalEntry:
    """One exchange: the request, the response, and its verdict against the spec."""

    number: int
    time: float
    request: RecordedRequest
    response: RecordedResponse
    _verdict: Verdict | None = field(default=None, repr=False)

    @property
    def verdict(self) -> Verdict:
        """The exchange checked against the spec (computed once, on first read)."""
        if self._verdict is None:
            self._verdict = _judge(self.request, self.response)
        return self._verdict

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
