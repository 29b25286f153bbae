"""From request bytes to a generated ``STTRequest`` and decoded audio, or a field-precise 400.

Every :class:`~openrouter_stt_mock.errors.BadRequestError` names the field (as a dotted path),
what was wrong with it, and what is accepted. The base64 is decoded once, and the audio is
sniffed and measured without further copies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import sys
from collections.abc import Callable
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
from .errors import BadRequestError

_fast_b64decode: Callable[..., bytes] | None
try:
    from pybase64 import b64decode as _fast_b64decode
except ImportError:  # pragma: no cover - a speed-up only; the standard library decodes the same
    _fast_b64decode = None

__all__ = ["Audio", "decode_audio", "parse_body", "split_body", "validate_request"]

_FORMATS_TEXT: Final = ", ".join(AUDIO_FORMATS)
_ACCEPTED: Final = {
    "model": "a model id string such as 'openai/whisper-large-v3'",
    "input_audio": "an object with 'data' (base64 string) and 'format' (string)",
    "input_audio.data": "a string of base64 (the raw bytes, not a data URI)",
    "input_audio.format": f"a string, one of {_FORMATS_TEXT}",
    "language": "a two-letter ISO-639-1 code in lowercase, such as 'en' or 'ja'",
    "temperature": "a number between 0 and 1 inclusive",
    "provider": "an object with optional 'options', a map of provider slug to object",
}


@dataclass(frozen=True)
class Audio:
    """Decoded audio: its format, size, sha256 (``None`` when it was not needed) and duration."""

    format: AudioFormat
    size: int
    sha256: str | None
    seconds: float


#: Where the audio's base64 starts: a ``"data"`` key (inside a JSON string, every quote is escaped).
_DATA_KEY: Final = re.compile(rb'"data"[ \t\r\n]*:[ \t\r\n]*"')
_PLACEHOLDER: Final = "\x00audio\x00"
_PLACEHOLDER_JSON: Final = b'"\\u0000audio\\u0000"'


def _text(piece: str | memoryview) -> str:
    return piece if isinstance(piece, str) else str(piece, "latin-1")


if sys.version_info >= (3, 11):

    def _strict_b64decode(data: str | memoryview) -> bytes:
        # strict: no characters outside the alphabet, no excess or missing padding.
        return binascii.a2b_base64(data, strict_mode=True)

else:  # pragma: no cover - 3.10 has no strict mode; validate=True is the closest

    def _strict_b64decode(data: str | memoryview) -> bytes:
        return base64.b64decode(data, validate=True)


def _b64decode(data: str | memoryview) -> bytes:
    """Decode strictly: pybase64's SIMD decoder first, the standard library's on any doubt.

    Whatever pybase64 refuses (or a missing pybase64) goes through the standard library, whose
    words the 400 repeats; pybase64 with ``validate=True`` accepts nothing strict mode refuses.
    """
    if _fast_b64decode is not None:
        try:
            return _fast_b64decode(data, validate=True)
        except Exception:  # noqa: S110 - the strict decoder below says what is wrong
            pass
    return _strict_b64decode(data)


def parse_body(body: bytes | bytearray) -> Any:
    """Parse the body as JSON, or raise a 400 saying it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequestError(
            "(body)", f"malformed JSON ({exc})", "a JSON object (Content-Type: application/json)"
        ) from exc


def validate_request(document: Any) -> STTRequest:
    """Check a parsed body against the spec's ``STTRequest`` and its documented constraints."""
    if not isinstance(document, dict):
        raise BadRequestError(
            "(body)", f"a JSON {type(document).__name__} instead of an object", "a JSON object"
        )
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
        raise BadRequestError(field, problem, accepted) from None
    if not request.model.strip():
        # A blank id names no model: the request is malformed (400), not a lookup that failed (404).
        raise BadRequestError("model", "empty", _ACCEPTED["model"])
    if request.language is not None and not is_iso_639_1(request.language):
        raise BadRequestError(
            "language", f"{request.language!r} is not an ISO-639-1 code", _ACCEPTED["language"]
        )
    temperature = request.temperature
    if temperature is not None and not (math.isfinite(temperature) and 0 <= temperature <= 1):
        raise BadRequestError(
            "temperature", f"{temperature!r} is outside 0..1", _ACCEPTED["temperature"]
        )
    if request.input_audio.format not in AUDIO_FORMATS:
        raise BadRequestError(
            "input_audio.format",
            f"unknown format {request.input_audio.format!r}",
            _ACCEPTED["input_audio.format"],
        )
    return request


def split_body(body: bytearray) -> tuple[Any, memoryview] | None:
    """The body parsed with its base64 audio set aside unparsed, as a view into ``body``.

    The audio never becomes a ``str``: parsing a long JSON string costs time and twice its size
    in memory. The parsed document holds a placeholder in ``input_audio.data``. Returns ``None``
    when this quick reading cannot be sure it found the audio (duplicate keys, an odd shape,
    anything not JSON); parse the whole body then. A view whose bytes turn out not to be base64
    is not proof the body is JSON: decode errors are worded from a full parse.
    """
    key = _DATA_KEY.search(body)
    if key is None:
        return None
    start = key.end()
    end = body.find(b'"', start)
    if end < 0:
        return None
    # Escapes are not looked for here (that would be a second pass over the audio): a view with
    # one holds a backslash, which strict base64 refuses, and the refusal sends the body to a
    # full parse. A view that decodes is therefore the string exactly.
    head, tail = body[: start - 1], body[end + 1 :]
    # No string in a body without a \u0000 escape can equal the placeholder.
    if b"\\u0000" in head or b"\\u0000" in tail:
        return None
    try:
        document = orjson.loads(head + _PLACEHOLDER_JSON + tail)
    except orjson.JSONDecodeError:
        return None
    audio = document.get("input_audio") if isinstance(document, dict) else None
    if not isinstance(audio, dict) or audio.get("data") != _PLACEHOLDER:
        return None
    return document, memoryview(body)[start:end]


def decode_audio(
    request: STTRequest,
    encoded: memoryview | None = None,
    *,
    hash_if: Callable[[int], bool] = lambda size: True,
) -> Audio:
    """Decode the base64 once, check the bytes are the declared format, and measure them.

    The base64 is the request's ``input_audio.data``, or ``encoded`` when :func:`split_body`
    set it aside. The bytes are hashed only when ``hash_if(size)`` says the sha256 is needed.
    """
    declared = cast(AudioFormat, request.input_audio.format)
    data: str | memoryview = request.input_audio.data if encoded is None else encoded
    if not data:
        raise BadRequestError("input_audio.data", "empty", _ACCEPTED["input_audio.data"])
    if _text(data[:5]) == "data:":
        raise BadRequestError(
            "input_audio.data", "a data URI, not plain base64", _ACCEPTED["input_audio.data"]
        )
    tail = _text(data[-3:])
    padding = len(tail) - len(tail.rstrip("="))
    if len(data) % 4 or padding > 2:
        # binascii lets excess padding through even in strict mode; a real decoder would not.
        raise BadRequestError(
            "input_audio.data",
            f"invalid base64 (length {len(data)} with {padding} padding characters)",
            _ACCEPTED["input_audio.data"],
        )
    try:
        raw = _b64decode(data)
    except (binascii.Error, ValueError) as exc:
        raise BadRequestError(
            "input_audio.data", f"invalid base64 ({exc})", _ACCEPTED["input_audio.data"]
        ) from None
    if not raw:
        raise BadRequestError("input_audio.data", "decodes to no bytes", "audio bytes")
    sniffed = sniff_format(raw[:SNIFF_BYTES])
    if sniffed != declared:
        seen = f"{sniffed} audio" if sniffed else "no recognisable audio format"
        raise BadRequestError(
            "input_audio.data",
            f"the bytes are {seen}, but input_audio.format says {declared}",
            f"{declared} audio bytes, or input_audio.format naming their real format",
        )
    try:
        seconds = audio_duration(raw, declared)
    except AudioDecodeError as exc:
        raise BadRequestError(
            "input_audio.data", f"cannot decode as {declared}: {exc}", f"a complete {declared} file"
        ) from None
    sha256 = hashlib.sha256(raw).hexdigest() if hash_if(len(raw)) else None
    return Audio(declared, len(raw), sha256, seconds)
