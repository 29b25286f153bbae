"""What a parsed body must satisfy before it is served: the spec's generated models, read as
strictly as its types say, and the constraints it states in prose. Each failure is the 400 naming
its field (as a dotted path), what was wrong, and what is accepted.

A JSON body is checked as it is. A form's text parts are typed first (laxly: ``"0.5"`` is how a
form writes a number), its ``provider`` and ``trace`` decoded from JSON, and the whole then
checked as strictly as JSON. Audio by URL is checked as the provider would check it before
fetching (:mod:`.urls`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import orjson
from pydantic import ValidationError

from openrouter_stt.formats import (
    AUDIO_FORMATS,
    MEDIA_TYPES,
    AudioFormat,
    format_from_media_type,
    format_from_suffix,
    is_iso_639_1,
)
from openrouter_stt_models import (
    STTInlineInputAudio,
    STTMultipartRequest,
    STTRequest,
    STTURLInputAudio,
)

from .errors import MockError, bad_request
from .multipart import FILE_PART
from .urls import format_of_url, refusal

__all__ = ["ACCEPTED", "FilePart", "named_format", "validate_form", "validate_json"]

_FORMATS_TEXT: Final = ", ".join(AUDIO_FORMATS)
#: What each field (or form part) accepts, in the words of its 400.
ACCEPTED: Final = {
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
#: Optional fields the spec types without null: a null there is refused, not read as left out.
_NOT_NULL: Final = ("language", "temperature", "provider", "provider.options")


@dataclass(frozen=True)
class FilePart:
    """What a form said of its file part beside the bytes."""

    name: str | None
    media_type: str | None


def _validation_error(exc: ValidationError, prefix: str = "") -> MockError:
    """The 400 of the first thing pydantic found wrong, naming its field as a dotted path."""
    first = exc.errors(include_url=False)[0]
    field = prefix + ".".join(str(part) for part in first["loc"])
    problem = (
        "missing" if first["type"] == "missing" else first["msg"][0].lower() + first["msg"][1:]
    )
    accepted = ACCEPTED.get(field) or ACCEPTED.get(field.split(".")[0], "what the spec gives")
    return bad_request(field, problem, accepted)


def validate_json(document: dict[str, Any]) -> STTRequest:
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
            raise bad_request(field, "null", f"{ACCEPTED[field]}, or the field left out")
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
            ACCEPTED["input_audio"],
        )
    if "url" in value and "data" in value:
        raise bad_request(
            "input_audio", "both data and url", ACCEPTED["input_audio"] + ", not both"
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
            ACCEPTED["input_audio.format"],
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
            url_field, f"the provider does not fetch {url!r}: {why}", ACCEPTED["input_audio.url"]
        )
    fmt = declared if declared is not None else format_of_url(url)
    if fmt is None:
        raise bad_request(
            format_field,
            "missing, and the URL's path has no audio extension to take it from",
            ACCEPTED["input_audio.format"],
        )
    if fmt not in AUDIO_FORMATS:
        raise bad_request(format_field, f"unknown format {fmt!r}", ACCEPTED["input_audio.format"])
    return STTURLInputAudio(url=url, format=fmt)


def validate_form(fields: dict[str, Any], file: FilePart) -> STTRequest:
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
        raise bad_request(FILE_PART, "missing", f"{ACCEPTED[FILE_PART]}; or a source_url part")
    else:
        fmt = named_format(file)
        if fmt is None:
            said = f"the file name {file.name!r}" if file.name else "no file name"
            said += f" and Content-Type {file.media_type!r}" if file.media_type else ""
            raise bad_request(FILE_PART, f"{said} name no audio format", ACCEPTED[FILE_PART])
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
            name, f"not JSON ({exc})", f"a JSON-encoded object: {ACCEPTED[name]}"
        ) from None
    if not isinstance(decoded, dict):
        kind = type(decoded).__name__
        raise bad_request(
            name, f"JSON {kind}, not an object", f"a JSON-encoded object: {ACCEPTED[name]}"
        )
    return decoded


def named_format(file: FilePart) -> AudioFormat | None:
    """The format a file part names: by its file name's extension, else by its Content-Type."""
    by_name = format_from_suffix(file.name) if file.name else None
    return by_name or (format_from_media_type(file.media_type) if file.media_type else None)


def _check_constraints(request: STTRequest) -> STTRequest:
    """The constraints the spec states in prose, alike for both forms of body."""
    if not request.model.strip():
        # A blank id names no model: the request is malformed (400), not a lookup that failed (404).
        raise bad_request("model", "empty", ACCEPTED["model"])
    if request.language is not None and not is_iso_639_1(request.language):
        raise bad_request(
            "language", f"{request.language!r} is not an ISO-639-1 code", ACCEPTED["language"]
        )
    temperature = request.temperature
    if temperature is not None and not (math.isfinite(temperature) and 0 <= temperature <= 1):
        raise bad_request(
            "temperature", f"{temperature!r} is outside 0..1", ACCEPTED["temperature"]
        )
    if request.diarize and request.response_format != "verbose_json":
        raise bad_request(
            "diarize",
            f"true with response_format {request.response_format or 'json'!r}",
            "response_format 'verbose_json' with diarize, or diarize left out or false",
        )
    if request.keyterms is not None and not all(term.strip() for term in request.keyterms):
        raise bad_request("keyterms", "an empty term", ACCEPTED["keyterms"])
    if request.session_id is not None and len(request.session_id) > 256:
        raise bad_request(
            "session_id", f"{len(request.session_id)} characters", ACCEPTED["session_id"]
        )
    return request
