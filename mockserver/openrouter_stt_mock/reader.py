"""The request reader: a body and its content type in; a parsed request, or a 400 naming the field.

Reading is two steps, both here, each done once. :func:`read_body` parses the body by its content
type into a :class:`Body`: the fields as sent (what the journal keeps), with the audio set aside.
:meth:`Body.parse` then validates those fields against the generated ``STTRequest`` and decodes
the audio, giving a :class:`ParsedRequest`. The gateway takes the first step as soon as the body
is read and the second after authentication, the order in which a real gateway meets its checks.

JSON is the one branch today, and a body of any other (or no) content type is read as JSON, as it
always was; multipart/form-data is to be a second branch of :data:`_BRANCHES`, giving the same
:class:`Body` with its ``sources`` saying which part each field came from.

A JSON body's audio is read in place when it is plain base64: the fields around it are parsed and
the base64 is decoded straight from the body's bytes, never becoming a string (orjson takes longer
over one long string than pybase64 takes to decode it). Plain base64 holds no quote, backslash or
control character, so the body is JSON exactly when the rest parses; any other audio string is
read by a whole parse, whose words the 400 then repeats.

Every 400 names the field (as a dotted path), what was wrong with it, and what is accepted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, cast

import orjson
from pydantic import ValidationError

from openrouter_stt.formats import (
    AUDIO_FORMATS,
    SNIFF_BYTES,
    AudioFormat,
    is_iso_639_1,
    sniff_format,
)
from openrouter_stt_models import STTRequest

from .audio import AudioDecodeError, audio_duration
from .errors import MockError, bad_request

_fast_b64decode: Callable[..., bytes] | None
try:
    from pybase64 import b64decode as _fast_b64decode
except ImportError:  # pragma: no cover - a speed-up only; the standard library decodes the same
    _fast_b64decode = None

__all__ = ["Audio", "Body", "ParsedRequest", "read_body"]

_FORMATS_TEXT: Final = ", ".join(AUDIO_FORMATS)
_ACCEPTED: Final = {
    "(body)": "a JSON object (Content-Type: application/json)",
    "model": "a model id string such as 'openai/whisper-large-v3'",
    "input_audio": "an object with 'data' (base64 string) and 'format' (string)",
    "input_audio.data": "a string of base64 (the raw bytes, not a data URI)",
    "input_audio.format": f"a string, one of {_FORMATS_TEXT}",
    "language": "a two-letter ISO-639-1 code in lowercase, such as 'en' or 'ja'",
    "temperature": "a number between 0 and 1 inclusive",
    "provider": "an object with optional 'options', a map of provider slug to object",
    "provider.options": 'a map of provider slug to object, such as {"openai": {}}',
}
_JSON_BODY: Final = "json body"
#: Optional fields the spec types without null: a null there is refused, not read as left out.
_NOT_NULL: Final = ("language", "temperature", "provider", "provider.options")


@dataclass(frozen=True)
class Audio:
    """Decoded audio: its format, size, sha256 (``None`` when it was not needed) and duration."""

    format: AudioFormat
    size: int
    sha256: str | None
    seconds: float


@dataclass(frozen=True)
class ParsedRequest:
    """A request that passed every check: the generated model, its decoded audio, and where each
    top-level field came from (``{"model": "json body", ...}``). The model's ``input_audio.data``
    is left empty: the audio it held is ``audio``, decoded."""

    request: STTRequest
    audio: Audio
    sources: Mapping[str, str]


def _always(size: int) -> bool:
    return True


class Body:
    """A body parsed once, by its content type.

    ``fields``: what it holds, as sent (for JSON, the parsed value), with the audio's base64 taken
    out of ``input_audio.data`` (left empty) so that nothing kept holds it. ``parse_error``: why
    it could not be parsed at all. ``sources``: which part of the body each field came from.
    """

    __slots__ = ("_audio", "fields", "parse_error", "sources")

    def __init__(
        self,
        fields: Any,
        *,
        parse_error: str | None = None,
        audio: str | bytes | None = None,
        sources: Mapping[str, str] | None = None,
    ) -> None:
        self.fields = fields
        self.parse_error = parse_error
        self.sources: Mapping[str, str] = sources or {}
        # The audio taken out of the fields: its base64 string, or its bytes once decoded.
        self._audio = audio

    def audio_size(self) -> int | None:
        """The size in bytes of the audio set aside, or ``None`` when there is none or it is not
        valid base64: for the journal of a request answered before :meth:`parse` (a forced
        outcome, a 401). The audio is kept decoded, so a later :meth:`parse` does not decode it
        again."""
        if isinstance(self._audio, str):
            try:
                self._audio = _b64decode(self._audio)
            except MockError:
                return None
        return None if self._audio is None else len(self._audio)

    def parse(self, *, hash_if: Callable[[int], bool] = _always) -> ParsedRequest:
        """Validate the fields once and decode the audio once, or raise the 400 naming the field.

        The audio is hashed only when ``hash_if(size)`` says its sha256 is needed.
        """
        if self.parse_error is not None:
            raise bad_request("(body)", self.parse_error, _ACCEPTED["(body)"])
        document = self.fields
        if not isinstance(document, dict):
            kind = type(document).__name__
            raise bad_request("(body)", f"a JSON {kind} instead of an object", "a JSON object")
        request = _validate(document)  # input_audio.data is empty here when the audio was set aside
        audio, self._audio = self._audio, None  # read once: nothing here holds it after
        raw = audio if isinstance(audio, bytes) else _b64decode(audio or "")
        return ParsedRequest(request, _measure(raw, request, hash_if), self.sources)


def read_body(content: bytes | bytearray, content_type: str | None) -> Body:
    """Parse ``content`` once, by its content type (see the module's docstring)."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return _BRANCHES.get(media, _read_json)(content, content_type)


def _read_json(content: bytes | bytearray, content_type: str | None) -> Body:
    in_place = _audio_in_place(content)
    if in_place is not None:
        document, raw = in_place
        return Body(document, audio=raw, sources=dict.fromkeys(document, _JSON_BODY))
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        return Body(None, parse_error=f"malformed JSON ({exc})")
    if not isinstance(document, dict):
        return Body(document)
    audio = document.get("input_audio")
    encoded = None
    if isinstance(audio, dict) and isinstance(audio.get("data"), str):
        encoded, audio["data"] = audio["data"], ""
    return Body(document, audio=encoded, sources=dict.fromkeys(document, _JSON_BODY))


#: Where the audio's base64 may start: a ``"data"`` key (inside a JSON string, quotes are escaped).
_DATA_KEY: Final = re.compile(rb'"data"[ \t\r\n]*:[ \t\r\n]*"')
#: Stands in for the audio while the rest is parsed; no string of a body without \u0000 equals it.
_PLACEHOLDER: Final = b'"\\u0000audio\\u0000"'


def _audio_in_place(content: bytes | bytearray) -> tuple[dict[str, Any], bytes] | None:
    """The body's fields (``input_audio.data`` empty) and its audio decoded from the bytes in
    place, or ``None`` when the audio is not a plain base64 ``input_audio.data`` string."""
    key = _DATA_KEY.search(content)
    if key is None:
        return None
    start = key.end()
    end = content.find(b'"', start)
    if end < 0:
        return None
    head, tail = content[: start - 1], content[end + 1 :]
    if b"\\u0000" in head or b"\\u0000" in tail:
        return None
    try:
        raw = _b64decode(memoryview(content)[start:end])
        document = orjson.loads(head + _PLACEHOLDER + tail)
    except (MockError, orjson.JSONDecodeError):
        return None
    audio = document.get("input_audio") if isinstance(document, dict) else None
    if not isinstance(audio, dict) or audio.get("data") != "\x00audio\x00":
        return None  # the key found was not the audio's (a provider option, a duplicate key)
    audio["data"] = ""
    return document, raw


#: One reader per accepted media type; any other type (or none) is read as JSON.
_BRANCHES: Final[dict[str, Callable[[bytes | bytearray, str | None], Body]]] = {
    "application/json": _read_json,
}


def _validate(document: dict[str, Any]) -> STTRequest:
    """Check a parsed body against the spec's ``STTRequest`` and its documented constraints."""
    try:
        # strict: a string "0.5" is not a number, and 1 is not a string, as the spec's types say.
        request = STTRequest.model_validate(document, strict=True)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        problem = (
            "missing" if first["type"] == "missing" else first["msg"][0].lower() + first["msg"][1:]
        )
        accepted = _ACCEPTED.get(field) or _ACCEPTED.get(field.split(".")[0], "what the spec gives")
        raise bad_request(field, problem, accepted) from None
    for field in _NOT_NULL:
        parent, _, name = field.rpartition(".")
        holder = document.get(parent) if parent else document
        if isinstance(holder, dict) and name in holder and holder[name] is None:
            raise bad_request(field, "null", f"{_ACCEPTED[field]}, or the field left out")
    if not request.model.strip():
        # A blank id names no model: the request is malformed (400), not a lookup that failed (404).
        raise bad_request("model", "empty", _ACCEPTED["model"])
    if request.language is not None and not is_iso_639_1(request.language):
        raise bad_request(
            "language", f"{request.language!r} is not an ISO-639-1 code", _ACCEPTED["language"]
        )
    temperature = request.temperature
    if temperature is not None and not (math.isfinite(temperature) and 0 <= temperature <= 1):
        raise bad_request(
            "temperature", f"{temperature!r} is outside 0..1", _ACCEPTED["temperature"]
        )
    if request.input_audio.format not in AUDIO_FORMATS:
        raise bad_request(
            "input_audio.format",
            f"unknown format {request.input_audio.format!r}",
            _ACCEPTED["input_audio.format"],
        )
    return request


if sys.version_info >= (3, 11):

    def _strict_b64decode(data: str | memoryview) -> bytes:
        # strict: no characters outside the alphabet, no excess or missing padding.
        return binascii.a2b_base64(data, strict_mode=True)

else:  # pragma: no cover - 3.10 has no strict mode; validate=True is the closest

    def _strict_b64decode(data: str | memoryview) -> bytes:
        return base64.b64decode(data, validate=True)


def _text(piece: str | memoryview) -> str:
    return piece if isinstance(piece, str) else str(piece, "latin-1")


def _bad_data(problem: str, accepted: str = _ACCEPTED["input_audio.data"]) -> MockError:
    return bad_request("input_audio.data", problem, accepted)


def _b64decode(data: str | memoryview) -> bytes:
    """Decode ``input_audio.data`` strictly, or raise the 400 saying what is wrong with it.

    pybase64's SIMD decoder goes first; whatever it refuses goes through the standard library,
    whose words the 400 repeats (pybase64 with ``validate=True`` accepts nothing strict mode
    refuses).
    """
    if not data:
        raise _bad_data("empty")
    if _text(data[:5]) == "data:":
        raise _bad_data("a data URI, not plain base64")
    last = _text(data[-3:])
    padding = len(last) - len(last.rstrip("="))
    if len(data) % 4 or padding > 2:
        # binascii lets excess padding through even in strict mode; a real decoder would not.
        raise _bad_data(f"invalid base64 (length {len(data)} with {padding} padding characters)")
    if _fast_b64decode is not None:
        try:
            raw = _fast_b64decode(data, validate=True)
        except Exception:  # noqa: S110 - the strict decoder below says what is wrong
            pass
        else:
            if raw:
                return raw
    try:
        raw = _strict_b64decode(data)
    except (binascii.Error, ValueError) as exc:
        raise _bad_data(f"invalid base64 ({exc})") from None
    if not raw:
        raise _bad_data("decodes to no bytes", "audio bytes")
    return raw


def _measure(raw: bytes, request: STTRequest, hash_if: Callable[[int], bool]) -> Audio:
    """Check the audio's bytes are the declared format, and measure them."""
    declared = cast(AudioFormat, request.input_audio.format)
    sniffed = sniff_format(raw[:SNIFF_BYTES])
    if sniffed != declared:
        seen = f"{sniffed} audio" if sniffed else "no recognisable audio format"
        raise _bad_data(
            f"the bytes are {seen}, but input_audio.format says {declared}",
            f"{declared} audio bytes, or input_audio.format naming their real format",
        )
    try:
        seconds = audio_duration(raw, declared)
    except AudioDecodeError as exc:
        problem = f"cannot decode as {declared}: {exc}"
        raise _bad_data(problem, f"a complete {declared} file") from None
    sha256 = hashlib.sha256(raw).hexdigest() if hash_if(len(raw)) else None
    return Audio(declared, len(raw), sha256, seconds)
