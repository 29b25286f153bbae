"""What the journal keeps of one exchange: the request as it arrived and the response as it went.

A :class:`RecordedRequest` keeps the audio's size (and its sha256 when the mock computed one to look
up a transcript), never the audio or its base64, and cuts a large body's other fields down; its
``Authorization`` header is redacted as it is made. Both records bound their headers, and a
response its body, as :mod:`.entry_bounds` says, and name what they left out in ``cut``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .entry_bounds import (
    KEPT_BODY,
    KEPT_CHARS,
    KEPT_VALUES,
    bounded_fields,
    bounded_headers,
    json_size,
)

__all__ = ["Exchange", "RecordedRequest", "RecordedResponse"]


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
