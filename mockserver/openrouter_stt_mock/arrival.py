"""An exchange as the gateway saw it, made into its journal entry's request and response only
when the entry is first read.

Recording an exchange is on every request's path, reading the journal on few: building the
entry's redacted, bounded request and response there cost the mock 7 to 12 % of its
requests/s (``./scripts/bench --only knobs``). An :class:`Arrival` holds what the request left
behind (its raw headers, its parsed fields without the audio, the answer's headers and body)
and says how many bytes that is, so the journal's bound counts what it really holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .entry_bounds import ENTRY_OVERHEAD, KEPT_BODY, KEPT_CHARS, json_size
from .records import RecordedRequest, RecordedResponse

__all__ = ["Arrival"]

RawHeaders = Sequence[tuple[bytes, bytes]]


def _decoded(headers: RawHeaders) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in headers}


def _raw_size(headers: RawHeaders) -> int:
    return sum(len(name) + len(value) for name, value in headers)


class Arrival:
    """One exchange with the endpoint, as it came and went; :meth:`build` makes its entry's
    request and response. ``status``, ``headers`` and ``body`` are the answer's (``status``
    ``None`` and no headers when the connection was broken before a byte went out)."""

    __slots__ = (
        "_request",
        "_response",
        "eager",
        "size",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        headers: RawHeaders,
        body_size: int,
        shape: Any,
        parse_error: str | None,
        audio_sha256: str | None,
        audio_size: int | None,
        forced_by: str | None,
        status: int | None,
        answer_headers: RawHeaders,
        answer_body: bytes,
        fault: str | None = None,
    ) -> None:
        shape_size = json_size(shape)
        self._request = (
            method,
            path,
            headers,
            body_size,
            shape,
            parse_error,
            audio_sha256,
            audio_size,
            forced_by,
        )
        self._response = (status, answer_headers, answer_body, fault)
        #: Whether the entry should be built at once: a body the entry would cut (only a planned
        #: body is that long) is judged whole first, and a large body's fields are cut at once.
        self.eager = len(answer_body) > KEPT_BODY or shape_size > KEPT_CHARS
        #: The bytes of text held until built: more than the entry keeps once built.
        self.size = (
            ENTRY_OVERHEAD
            + len(path)
            + _raw_size(headers)
            + shape_size
            + _raw_size(answer_headers)
            + len(answer_body)
        )

    def build(self) -> tuple[RecordedRequest, RecordedResponse]:
        """The entry's request (key redacted, headers and fields bounded) and response."""
        method, path, headers, body_size, shape, parse_error, sha256, size, forced_by = (
            self._request
        )
        status, answer_headers, body, fault = self._response
        request = RecordedRequest(
            method=method,
            path=path,
            headers=_decoded(headers),
            body_size=body_size,
            shape=shape,
            parse_error=parse_error,
            audio_sha256=sha256,
            audio_size=size,
            forced_by=forced_by,
        )
        response = RecordedResponse(status, _decoded(answer_headers), body, fault=fault)
        return request, response
