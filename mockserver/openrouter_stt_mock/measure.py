"""The audio's bytes: strict base64 decoding, and the check of what they are (the format the
request states, by their signature) and how long they last.

:func:`b64decode` tries pybase64's SIMD decoder first and repeats the standard library's words
in the 400 of anything it refuses. :func:`measure` names the field the bytes came in
(:class:`Place`): ``input_audio.data``, a form's ``file``, or the URL they were fetched from.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, cast

from openrouter_stt.formats import SNIFF_BYTES, AudioFormat, sniff_format
from openrouter_stt_models import STTRequest

from .audio import AudioDecodeError, audio_duration
from .checks import ACCEPTED
from .errors import MockError, bad_request
from .multipart import FILE_PART

_fast_b64decode: Callable[..., bytes] | None
try:
    from pybase64 import b64decode as _fast_b64decode
except ImportError:  # pragma: no cover - a speed-up only; the standard library decodes the same
    _fast_b64decode = None

__all__ = [
    "AT_URL",
    "IN_FORM",
    "IN_JSON",
    "Audio",
    "Place",
    "always",
    "b64decode",
    "measure",
    "measure_fetched",
]


@dataclass(frozen=True)
class Audio:
    """Decoded audio: its format, size, sha256 (``None`` when it was not needed) and duration."""

    format: AudioFormat
    size: int
    sha256: str | None
    seconds: float


@dataclass(frozen=True)
class Place:
    """Where a body keeps its audio, in the words of its 400s."""

    data: str  # the field holding the bytes
    declared_by: str  # what states their format


IN_JSON: Final = Place("input_audio.data", "input_audio.format says")
IN_FORM: Final = Place(FILE_PART, "the file part's name or Content-Type says")
AT_URL: Final = Place("input_audio.url", "input_audio.format (or the URL's extension) says")


def always(size: int) -> bool:
    """Hash audio of any size (the default of ``hash_if``)."""
    return True


if sys.version_info >= (3, 11):

    def _strict_b64decode(data: str | memoryview) -> bytes:
        # strict: no characters outside the alphabet, no excess or missing padding.
        return binascii.a2b_base64(data, strict_mode=True)

else:  # pragma: no cover - 3.10 has no strict mode; validate=True is the closest

    def _strict_b64decode(data: str | memoryview) -> bytes:
        return base64.b64decode(data, validate=True)


def _text(piece: str | memoryview) -> str:
    return piece if isinstance(piece, str) else str(piece, "latin-1")


def _bad_data(problem: str, accepted: str = ACCEPTED["input_audio.data"]) -> MockError:
    return bad_request("input_audio.data", problem, accepted)


def b64decode(data: str | memoryview) -> bytes:
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


def measure_fetched(
    raw: bytes,
    request: STTRequest,
    hash_if: Callable[[int], bool] = always,
    field: str = "input_audio.url",
) -> Audio:
    """Measure audio fetched by URL as inline audio is: it must be the format the request
    states (or its URL's extension names), and decode; else a 400 naming ``field``."""
    return measure(raw, request, hash_if, Place(field, AT_URL.declared_by))


def measure(
    raw: bytes | bytearray, request: STTRequest, hash_if: Callable[[int], bool], place: Place
) -> Audio:
    """Check the audio's bytes are the declared format, and measure them."""
    declared = cast(AudioFormat, request.input_audio.format)
    if not raw:
        raise bad_request(place.data, "empty", "audio bytes")
    sniffed = sniff_format(bytes(raw[:SNIFF_BYTES]))
    if sniffed != declared:
        seen = f"{sniffed} audio" if sniffed else "no recognisable audio format"
        raise bad_request(
            place.data,
            f"the bytes are {seen}, but {place.declared_by} {declared}",
            f"{declared} audio bytes, or a {place.declared_by.removesuffix(' says')} naming "
            "their real format",
        )
    try:
        seconds = audio_duration(raw, declared)
    except AudioDecodeError as exc:
        problem = f"cannot decode as {declared}: {exc}"
        raise bad_request(place.data, problem, f"a complete {declared} file") from None
    sha256 = hashlib.sha256(raw).hexdigest() if hash_if(len(raw)) else None
    return Audio(declared, len(raw), sha256, seconds)
