"""The request reader: a body and its content type in; a parsed request, or a 400 naming the field.

Reading is two steps, both here, each done once. :func:`open_body` gives a reader for the body's
content type, fed the body as it arrives; its :class:`Body` holds the fields as sent (what the
journal keeps), with the audio set aside. :meth:`Body.parse` then validates those fields against
the generated models and decodes the audio, giving a :class:`ParsedRequest`. The gateway takes the
first step while the body is read and the second after authentication, the order in which a real
gateway meets its checks.

Three branches (:data:`_BRANCHES`): JSON; multipart/form-data (:mod:`.multipart`, whose form is
turned into the same ``STTRequest``); and a urlencoded form, read by the same rules, which is
what clients send for a form without a file part (audio by ``source_url``). A body of any other
(or no) content type is read as JSON.
``sources`` says which part of the body each field came from.

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
from typing import Any, Final, Protocol, cast

import orjson
from pydantic import ValidationError

from openrouter_stt.formats import (
    AUDIO_FORMATS,
    MEDIA_TYPES,
    SNIFF_BYTES,
    AudioFormat,
    format_from_media_type,
    format_from_suffix,
    is_iso_639_1,
    sniff_format,
)
from openrouter_stt_models import (
    STTInlineInputAudio,
    STTMultipartRequest,
    STTRequest,
    STTURLInputAudio,
)

from .audio import AudioDecodeError, audio_duration
from .errors import MockError, bad_request
from .multipart import (
    FILE_PART,
    FORM_MAX_BYTES,
    TEXT_PART_MAX_BYTES,
    FormProblem,
    MultipartReader,
    read_urlencoded,
)
from .urls import format_of_url, refusal

_fast_b64decode: Callable[..., bytes] | None
try:
    from pybase64 import b64decode as _fast_b64decode
except ImportError:  # pragma: no cover - a speed-up only; the standard library decodes the same
    _fast_b64decode = None

__all__ = [
    "Audio",
    "Body",
    "BodyReader",
    "ParsedRequest",
    "measure_fetched",
    "open_body",
    "read_body",
]

_FORMATS_TEXT: Final = ", ".join(AUDIO_FORMATS)
_ACCEPTED: Final = {
    "(body)": "a JSON object (Content-Type: application/json)",
    "model": "a model id string such as 'openai/whisper-large-v3'",
    "input_audio": (
        "an object: inline audio {data (base64 string), format (string)}, or audio by URL "
        "{url (string), format (string, optional)}"
    ),
    "input_audio.url": "a public http(s) URL of the audio file",
    "input_audio.data": "a string of base64 (the raw bytes, not a data URI)",
    "input_audio.format": f"a string, one of {_FORMATS_TEXT}",
    "language": "a two-letter ISO-639-1 code in lowercase, such as 'en' or 'ja'",
    "temperature": "a number between 0 and 1 inclusive",
    "provider": "an object with optional 'options', a map of provider slug to object",
    "provider.options": 'a map of provider slug to object, such as {"openai": {}}',
    "response_format": "'json' or 'verbose_json' ('text', 'srt' and 'vtt' are not offered)",
    "timestamp_granularities": "a list of 'segment' and 'word'",
    "timestamp_granularities[]": "'segment' or 'word', one part per value",
    "source_url": "a public http(s) URL of the audio file, instead of a file part",
    "diarize": "true or false; true only with response_format 'verbose_json'",
    "keyterms": "a list of non-empty strings",
    "keyterms[]": "a non-empty string, one part per term",
    "session_id": "a string of at most 256 characters",
    "trace": "an object of trace_id, trace_name, span_name, generation_name, parent_span_id "
    "(strings) and custom keys",
    "user": "a string identifying your end-user",
    "provider.zdr": "true, false or null",
    "provider.data_collection": "'allow', 'deny' or null",
    FILE_PART: (
        "an audio file part whose file name or Content-Type names its format: "
        + ", ".join(f"{fmt} ({media})" for fmt, media in MEDIA_TYPES.items())
    ),
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
class _Place:
    """Where a body keeps its audio, in the words of its 400s."""

    data: str  # the field holding the bytes
    declared_by: str  # what states their format


_IN_JSON: Final = _Place("input_audio.data", "input_audio.format says")
_IN_FORM: Final = _Place(FILE_PART, "the file part's name or Content-Type says")
_AT_URL: Final = _Place("input_audio.url", "input_audio.format (or the URL's extension) says")


@dataclass(frozen=True)
class _FilePart:
    """What a form said of its file part beside the bytes."""

    name: str | None
    media_type: str | None


@dataclass(frozen=True)
class ParsedRequest:
    """A request that passed every check: the generated model, its decoded audio (``None`` for
    audio by URL, which the gateway fetches from the world and measures with
    :func:`measure_fetched`), and where each top-level field came from (``{"model": "json
    body", ...}``). Inline audio's ``input_audio.data`` is left empty: the audio it held is
    ``audio``, decoded; audio by URL has its ``input_audio.format`` filled in."""

    request: STTRequest
    audio: Audio | None
    sources: Mapping[str, str]

    @property
    def url(self) -> str | None:
        """The audio's URL, when it comes by URL."""
        audio = self.request.input_audio
        return audio.url if isinstance(audio, STTURLInputAudio) else None


def _always(size: int) -> bool:
    return True


class Body:
    """A body parsed once, by its content type.

    ``fields``: what it holds, as sent (for JSON, the parsed value; for a form, its text parts and
    a description of its file part), with the audio taken out (JSON's ``input_audio.data`` left
    empty) so that nothing kept holds it. ``problem``: the 400 it gets whatever else it holds
    (malformed, or a form's bad part). ``sources``: which part of the body each field came from.
    """

    __slots__ = ("_audio", "_file", "fields", "problem", "sources")

    def __init__(
        self,
        fields: Any,
        *,
        problem: FormProblem | None = None,
        audio: str | bytes | bytearray | None = None,
        sources: Mapping[str, str] | None = None,
        file: _FilePart | None = None,
    ) -> None:
        self.fields = fields
        self.problem = problem
        self.sources: Mapping[str, str] = sources or {}
        # The audio taken out of the fields: its base64 string, or its bytes once decoded.
        self._audio = audio
        # Set for a form: what its file part said of itself.
        self._file = file

    @property
    def parse_error(self) -> str | None:
        """Why the body gets a 400 before its fields are judged, if it does (for the journal)."""
        if self.problem is None:
            return None
        field, problem, _ = self.problem
        return problem if field == "(body)" else f"{field}: {problem}"

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
        if self.problem is not None:
            raise bad_request(*self.problem)
        if self._file is not None:
            request, place = _validate_form(self.fields, self._file), _IN_FORM
        elif isinstance(self.fields, dict):
            # input_audio.data is empty here when the audio was set aside
            request, place = _validate(self.fields), _IN_JSON
        else:
            kind = type(self.fields).__name__
            raise bad_request("(body)", f"a JSON {kind} instead of an object", "a JSON object")
        audio, self._audio = self._audio, None  # read once: nothing here holds it after
        if isinstance(request.input_audio, STTURLInputAudio):
            return ParsedRequest(request, None, self.sources)
        raw = _b64decode(audio or "") if audio is None or isinstance(audio, str) else audio
        return ParsedRequest(request, _measure(raw, request, hash_if, place), self.sources)


class BodyReader(Protocol):
    """Reads one body as it arrives: :meth:`feed` each piece, then :meth:`finish` once."""

    #: The most this kind of body may hold (``None``: the world's limit alone).
    max_bytes: int | None

    def feed(self, chunk: bytes) -> None: ...

    def finish(self) -> Body: ...


def open_body(content_type: str | None) -> BodyReader:
    """A reader for a body of this content type (see the module's docstring)."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return _BRANCHES.get(media, _JsonReader)(content_type or "")


def read_body(content: bytes | bytearray, content_type: str | None) -> Body:
    """:func:`open_body`, fed the whole of ``content`` at once."""
    reader = open_body(content_type)
    reader.feed(bytes(content) if isinstance(content, bytearray) else content)
    return reader.finish()


class _JsonReader:
    """A JSON body: gathered in one buffer, grown in place, and parsed once whole."""

    max_bytes: int | None = None

    def __init__(self, content_type: str) -> None:
        self._content = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._content += chunk

    def finish(self) -> Body:
        content, self._content = self._content, bytearray()
        return _read_json(content)


class _FormReader:
    """A multipart/form-data body, parsed as it arrives (:class:`.multipart.MultipartReader`)."""

    max_bytes: int | None = FORM_MAX_BYTES

    def __init__(self, content_type: str) -> None:
        self._reader = MultipartReader(content_type)

    def feed(self, chunk: bytes) -> None:
        self._reader.feed(chunk)

    def finish(self) -> Body:
        form = self._reader
        form.finish()
        fields: dict[str, Any] = dict(form.fields)
        if form.file is not None:
            # The journal's account of the file part: never its bytes.
            fields[FILE_PART] = {
                "filename": form.file_name,
                "content_type": form.file_type,
                "size": len(form.file),
                "format": _named_format(_FilePart(form.file_name, form.file_type)),
            }
        return Body(
            fields,
            problem=form.problem,
            audio=form.file,
            sources={name: f"multipart part {name!r}" for name in fields},
            file=_FilePart(form.file_name, form.file_type),
        )


class _UrlencodedReader:
    """A form without a file part, urlencoded: gathered whole (it holds text only), then read
    by the same rules as a multipart form's parts."""

    #: Room for every text part at its largest; there is no file to carry.
    max_bytes: int | None = 16 * TEXT_PART_MAX_BYTES

    def __init__(self, content_type: str) -> None:
        self._content = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._content += chunk

    def finish(self) -> Body:
        form = read_urlencoded(bytes(self._content))
        return Body(
            form.fields,
            problem=form.problem,
            sources={name: f"urlencoded field {name!r}" for name in form.fields},
            file=_FilePart(None, None),
        )


def _read_json(content: bytes | bytearray) -> Body:
    in_place = _audio_in_place(content)
    if in_place is not None:
        document, raw = in_place
        return Body(document, audio=raw, sources=dict.fromkeys(document, _JSON_BODY))
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        return Body(None, problem=("(body)", f"malformed JSON ({exc})", _ACCEPTED["(body)"]))
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
_BRANCHES: Final[dict[str, Callable[[str], BodyReader]]] = {
    "application/json": _JsonReader,
    "multipart/form-data": _FormReader,
    "application/x-www-form-urlencoded": _UrlencodedReader,
}


def _validation_error(exc: ValidationError, prefix: str = "") -> MockError:
    """The 400 of the first thing pydantic found wrong, naming its field as a dotted path."""
    first = exc.errors(include_url=False)[0]
    field = prefix + ".".join(str(part) for part in first["loc"])
    problem = (
        "missing" if first["type"] == "missing" else first["msg"][0].lower() + first["msg"][1:]
    )
    accepted = _ACCEPTED.get(field) or _ACCEPTED.get(field.split(".")[0], "what the spec gives")
    return bad_request(field, problem, accepted)


def _validate(document: dict[str, Any]) -> STTRequest:
    """Check a JSON body against the spec's ``STTRequest`` and its documented constraints."""
    member = _audio_member(document.get("input_audio"))
    try:
        # strict: a string "0.5" is not a number, and 1 is not a string, as the spec's types say.
        request = STTRequest.model_validate(
            {**document, "input_audio": member} if member is not None else document, strict=True
        )
    except ValidationError as exc:
        raise _validation_error(exc) from None
    for field in _NOT_NULL:
        parent, _, name = field.rpartition(".")
        holder = document.get(parent) if parent else document
        if isinstance(holder, dict) and name in holder and holder[name] is None:
            raise bad_request(field, "null", f"{_ACCEPTED[field]}, or the field left out")
    return _check_constraints(request)


def _audio_member(value: object) -> STTInlineInputAudio | STTURLInputAudio | None:
    """``input_audio`` as the member of the spec's ``oneOf`` it is (inline, or by URL), so that
    a 400 names its field plainly; ``None`` when it is missing (the model says so)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(
            "input_audio",
            f"a JSON {type(value).__name__} instead of an object",
            _ACCEPTED["input_audio"],
        )
    if "url" in value and "data" in value:
        raise bad_request(
            "input_audio", "both data and url", _ACCEPTED["input_audio"] + ", not both"
        )
    try:
        if "url" in value:
            by_url = STTURLInputAudio.model_validate(value, strict=True)
            return _url_member(by_url.url, by_url.format, "input_audio.url", "input_audio.format")
        member = STTInlineInputAudio.model_validate(value, strict=True)
    except ValidationError as exc:
        raise _validation_error(exc, "input_audio.") from None
    if member.format not in AUDIO_FORMATS:
        raise bad_request(
            "input_audio.format",
            f"unknown format {member.format!r}",
            _ACCEPTED["input_audio.format"],
        )
    return member


def _url_member(
    url: str, declared: str | None, url_field: str, format_field: str
) -> STTURLInputAudio:
    """Audio by URL, checked as the provider would before fetching it, with its format filled
    in from the URL's extension when not given."""
    why = refusal(url)
    if why is not None:
        raise bad_request(
            url_field, f"the provider does not fetch {url!r}: {why}", _ACCEPTED["input_audio.url"]
        )
    fmt = declared if declared is not None else format_of_url(url)
    if fmt is None:
        raise bad_request(
            format_field,
            "missing, and the URL's path has no audio extension to take it from",
            _ACCEPTED["input_audio.format"],
        )
    if fmt not in AUDIO_FORMATS:
        raise bad_request(format_field, f"unknown format {fmt!r}", _ACCEPTED["input_audio.format"])
    return STTURLInputAudio(url=url, format=fmt)


def _validate_form(fields: dict[str, Any], file: _FilePart) -> STTRequest:
    """Check a form against the spec's ``STTMultipartRequest`` and the documented constraints,
    and give it as the ``STTRequest`` it stands for (its audio set aside)."""
    try:
        # The file part's bytes are set aside: its account stands in for them, when it came.
        present = {FILE_PART: b""} if FILE_PART in fields else {}
        # Lax: every part is text, and "0.5" is how a form writes a number.
        form = STTMultipartRequest.model_validate({**fields, **present})
    except ValidationError as exc:
        raise _validation_error(exc) from None
    if FILE_PART in fields and form.source_url is not None:
        raise bad_request(
            "source_url", "sent beside a file part", "a file part or a source_url, not both"
        )
    audio: STTInlineInputAudio | STTURLInputAudio
    if form.source_url is not None:
        audio = _url_member(form.source_url, None, "source_url", "source_url")
    elif FILE_PART not in fields:
        raise bad_request(FILE_PART, "missing", f"{_ACCEPTED[FILE_PART]}; or a source_url part")
    else:
        fmt = _named_format(file)
        if fmt is None:
            said = f"the file name {file.name!r}" if file.name else "no file name"
            said += f" and Content-Type {file.media_type!r}" if file.media_type else ""
            raise bad_request(FILE_PART, f"{said} name no audio format", _ACCEPTED[FILE_PART])
        audio = STTInlineInputAudio(data="", format=fmt)
    document: dict[str, Any] = {
        "model": form.model,
        "language": form.language,
        "temperature": form.temperature,
        "response_format": form.response_format,
        "timestamp_granularities": form.timestamp_granularities__,
        "diarize": form.diarize,
        "keyterms": form.keyterms__,
        "provider": _json_part("provider", form.provider),
        "trace": _json_part("trace", form.trace),
        "session_id": form.session_id,
        "user": form.user,
    }
    try:
        # strict again: the text parts are typed now, and provider and trace are JSON, read
        # as strictly as a JSON body's (``"yes"`` is no boolean there either).
        request = STTRequest.model_validate(
            {"input_audio": audio, **{k: v for k, v in document.items() if v is not None}},
            strict=True,
        )
    except ValidationError as exc:
        raise _validation_error(exc) from None
    return _check_constraints(request)


def _json_part(name: str, value: str | None) -> dict[str, Any] | None:
    """A form's part that holds a JSON object (``provider``, ``trace``), decoded."""
    if value is None:
        return None
    try:
        decoded = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise bad_request(
            name, f"not JSON ({exc})", f"a JSON-encoded object: {_ACCEPTED[name]}"
        ) from None
    if not isinstance(decoded, dict):
        kind = type(decoded).__name__
        raise bad_request(
            name, f"JSON {kind}, not an object", f"a JSON-encoded object: {_ACCEPTED[name]}"
        )
    return decoded


def _named_format(file: _FilePart) -> AudioFormat | None:
    """The format a file part names: by its file name's extension, else by its Content-Type."""
    by_name = format_from_suffix(file.name) if file.name else None
    return by_name or (format_from_media_type(file.media_type) if file.media_type else None)


def _check_constraints(request: STTRequest) -> STTRequest:
    """The constraints the spec states in prose, alike for both forms of body."""
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
    if request.diarize and request.response_format != "verbose_json":
        raise bad_request(
            "diarize",
            f"true with response_format {request.response_format or 'json'!r}",
            "response_format 'verbose_json' with diarize, or diarize left out or false",
        )
    if request.keyterms is not None and not all(term.strip() for term in request.keyterms):
        raise bad_request("keyterms", "an empty term", _ACCEPTED["keyterms"])
    if request.session_id is not None and len(request.session_id) > 256:
        raise bad_request(
            "session_id", f"{len(request.session_id)} characters", _ACCEPTED["session_id"]
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


def measure_fetched(
    raw: bytes,
    request: STTRequest,
    hash_if: Callable[[int], bool] = _always,
    field: str = "input_audio.url",
) -> Audio:
    """Measure audio fetched by URL as inline audio is: it must be the format the request
    states (or its URL's extension names), and decode; else a 400 naming ``field``."""
    return _measure(raw, request, hash_if, _Place(field, _AT_URL.declared_by))


def _measure(
    raw: bytes | bytearray, request: STTRequest, hash_if: Callable[[int], bool], place: _Place
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
