"""Planned outcomes: a queue filled from Python, and the Prism-style ``Prefer: code=NNN`` header.

Each request to the endpoint takes the next planned :class:`Outcome`, if any. An outcome can force a
documented status (answered, as Prism does, with the spec's own example and the headers the spec
gives that status, with no effect on credit or rate limits), add latency before the request is
handled for real, replace the body (e.g. malformed JSON), or break the connection: ``reset``
(dropped with no response), ``truncated`` (headers promise more body than is sent) or ``stall``
(the response never completes).
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import orjson

from .errors import bad_request, error_body
from .spec import DOCUMENTED_STATUSES, response_example, response_headers

__all__ = ["Fault", "Outcome", "Scenarios", "forced_response_parts", "parse_prefer"]

Fault = Literal["reset", "truncated", "stall"]

_RETRY_AFTER: Final = 1
#: Values for the headers the spec gives a forced status, by lowercase name (given ``now``);
#: any other header takes its schema's minimum when it is an integer, else a fixed text.
_HEADER_VALUES: Final[dict[str, Callable[[float], str]]] = {
    "x-generation-id": lambda now: "gen-forced-" + uuid.uuid4().hex,
    "retry-after": lambda now: str(_RETRY_AFTER),
    "x-ratelimit-reset": lambda now: str(math.ceil((now + _RETRY_AFTER) * 1000)),
}


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

    Raises a 400 :class:`~openrouter_stt_mock.errors.MockError` naming the header for a code the
    spec does not document.
    """
    if not value:
        return None
    for part in value.replace(";", ",").split(","):
        name, _, code = part.strip().partition("=")
        if name.strip().lower() != "code":
            continue
        code = code.strip().strip('"')
        if not code.isdigit() or int(code) not in DOCUMENTED_STATUSES:
            raise bad_request(
                "Prefer",
                f"code={code} is not a documented status of this operation",
                "code=NNN with NNN one of " + ", ".join(map(str, sorted(DOCUMENTED_STATUSES))),
            )
        return int(code)
    return None


def forced_response_parts(status: int, source: str, now: float) -> tuple[bytes, dict[str, str]]:
    """The spec's example body for ``status`` and the headers the spec gives it, for a forced
    answer (``now``: seconds since the epoch, for time-valued headers).

    An error example is answered in the shared error shape, with ``metadata.forced_by`` naming
    ``source``; the headers get valid values of their schemas.
    """
    example: Any = response_example(status)
    if status < 400:
        content = orjson.dumps(example)
    else:
        error = example["error"]
        metadata = {**(error.get("metadata") or {}), "forced_by": source}
        content = error_body(status, error["message"], metadata)
    headers = {
        name: _header_value(name, header, now) for name, header in response_headers(status).items()
    }
    return content, headers


def _header_value(name: str, header: Mapping[str, Any], now: float) -> str:
    value = _HEADER_VALUES.get(name.lower())
    if value is not None:
        return value(now)
    schema = header.get("schema", {})
    return str(schema.get("minimum", 0)) if schema.get("type") == "integer" else "forced"
