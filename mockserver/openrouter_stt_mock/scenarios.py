"""Planned outcomes: a queue filled from Python, and the Prism-style ``Prefer: code=NNN`` header.

Each request to the endpoint takes the next planned :class:`Outcome`, if any. An outcome can force a
documented status (answered with a spec-valid body and its headers, with no effect on credit or rate
limits), add latency before the request is handled for real, replace the body (e.g. malformed JSON),
or break the connection: ``reset`` (dropped with no response), ``truncated`` (headers promise more
body than is sent) or ``stall`` (the response never completes).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import orjson

from .errors import BadRequestError, error_body
from .spec import DOCUMENTED_STATUSES

__all__ = ["Fault", "Outcome", "Scenarios", "forced_response_parts", "parse_prefer"]

Fault = Literal["reset", "truncated", "stall"]

#: The reference page's example answer, used for a forced 200.
_EXAMPLE_OK: Final = {
    "text": "Hello, this is a test of OpenAI speech-to-text transcription.",
    "usage": {
        "cost": 0.000508,
        "input_tokens": 83,
        "output_tokens": 30,
        "seconds": 9.2,
        "total_tokens": 113,
    },
}
_MESSAGES: Final = {
    400: "Invalid request parameters",
    401: "Missing Authentication header",
    402: "Insufficient credits. Add more using https://openrouter.ai/credits",
    404: "Model not found",
    413: "Request body too large",
    429: "Rate limit exceeded",
    500: "Internal Server Error",
    502: "Provider returned error",
    503: "No available provider for this request",
    524: "Request timed out. Please try again later.",
    529: "Provider returned error",
}
_RETRY_AFTER: Final = 1


@dataclass(frozen=True)
class Outcome:
    """One planned outcome for the next request.

    ``status``: force this documented status (``None``: handle the request for real).
    ``latency``: seconds to wait first. ``fault``: break the connection instead of answering.
    ``headers``: extra response headers. ``body``: raw body replacing the answer's.
    """

    status: int | None = None
    latency: float = 0.0
    fault: Fault | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in DOCUMENTED_STATUSES:
            raise ValueError(
                f"status {self.status} is not documented; use one of {sorted(DOCUMENTED_STATUSES)}"
            )
        if self.fault is not None and self.fault not in get_args(Fault):
            raise ValueError(f"fault must be one of {get_args(Fault)}, not {self.fault!r}")
        if not math.isfinite(self.latency) or self.latency < 0:
            raise ValueError("latency must be a finite number of seconds >= 0")


class Scenarios:
    """A thread-safe queue of planned outcomes, one taken per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Outcome] = deque()

    def add(self, outcomes: Iterable[Outcome]) -> None:
        """Append outcomes to the queue."""
        with self._lock:
            self._queue.extend(outcomes)

    def take(self) -> Outcome | None:
        """Remove and return the next outcome, or ``None`` when nothing is planned."""
        if not self._queue:
            # Nearly every request finds the queue empty; an unlocked look is safe, as a queue
            # being filled meanwhile would have been filled a moment too late all the same.
            return None
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def pending(self) -> tuple[Outcome, ...]:
        """The outcomes not used yet, in order."""
        with self._lock:
            return tuple(self._queue)

    def clear(self) -> None:
        """Forget every planned outcome."""
        with self._lock:
            self._queue.clear()


def parse_prefer(value: str | None) -> int | None:
    """The status a ``Prefer`` header forces (``code=NNN``, as Prism reads it), or ``None``.

    Raises :class:`~openrouter_stt_mock.errors.BadRequestError` for a code the spec does not
    document.
    """
    if not value:
        return None
    for part in value.replace(";", ",").split(","):
        name, _, code = part.strip().partition("=")
        if name.strip().lower() != "code":
            continue
        code = code.strip().strip('"')
        if not code.isdigit() or int(code) not in DOCUMENTED_STATUSES:
            raise BadRequestError(
                "Prefer",
                f"code={code} is not a documented status of this operation",
                "code=NNN with NNN one of " + ", ".join(map(str, sorted(DOCUMENTED_STATUSES))),
            )
        return int(code)
    return None


def forced_response_parts(status: int, source: str) -> tuple[bytes, dict[str, str]]:
    """A spec-valid body and the headers the spec gives ``status``, for a forced answer."""
    if status == 200:
        return orjson.dumps(_EXAMPLE_OK), {"X-Generation-Id": "gen-forced-" + uuid.uuid4().hex}
    metadata: dict[str, Any] = {"forced_by": source}
    headers: dict[str, str] = {}
    if status == 502:
        metadata |= {"provider_name": "MockProvider", "raw": "forced provider error"}
    if status in (429, 503):
        headers["Retry-After"] = str(_RETRY_AFTER)
    if status == 429:
        reset_ms = math.ceil((time.time() + _RETRY_AFTER) * 1000)
        headers |= {
            "X-RateLimit-Limit": "0",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset_ms),
        }
    return error_body(status, _MESSAGES[status], metadata), headers
