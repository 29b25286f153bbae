"""The request reader: a body and its content type in; a parsed request, or a 400 naming the field.

Reading is two steps, each done once. :func:`open_body` gives a reader for the body's
content type, fed the body as it arrives; its :class:`Body` holds the fields as sent (what the
journal keeps), with the audio set aside. :meth:`Body.parse` then checks those fields
(:mod:`.checks`) and decodes and measures the audio (:mod:`.measure`), giving a
:class:`ParsedRequest`. The gateway takes the
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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import orjson

from openrouter_stt_models import STTRequest, STTURLInputAudio

from .checks import ACCEPTED, FilePart, named_format, validate_form, validate_json
from .errors import MockError, bad_request
from .measure import IN_FORM, IN_JSON, Audio, always, b64decode, measure
from .multipart import (
    FILE_PART,
    FORM_MAX_BYTES,
    TEXT_PART_MAX_BYTES,
    FormProblem,
    MultipartReader,
    read_urlencoded,
)

__all__ = ["Body", "BodyReader", "ParsedRequest", "open_body", "read_body"]

_JSON_BODY: Final = "json body"


@dataclass(frozen=True)
class ParsedRequest:
    """A request that passed every check: the generated model, its decoded audio (``None`` for
    audio by URL, which the gateway fetches from the world and measures with
    :func:`.measure.measure_fetched`), and where each top-level field came from (``{"model": "json
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
        file: FilePart | None = None,
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
                self._audio = b64decode(self._audio)
            except MockError:
                return None
        return None if self._audio is None else len(self._audio)

    def parse(self, *, hash_if: Callable[[int], bool] = always) -> ParsedRequest:
        """Validate the fields once and decode the audio once, or raise the 400 naming the field.

        The audio is hashed only when ``hash_if(size)`` says its sha256 is needed.
        """
        if self.problem is not None:
            raise bad_request(*self.problem)
        if self._file is not None:
            request, place = validate_form(self.fields, self._file), IN_FORM
        elif isinstance(self.fields, dict):
            # input_audio.data is empty here when the audio was set aside
            request, place = validate_json(self.fields), IN_JSON
        else:
            kind = type(self.fields).__name__
            raise bad_request("(body)", f"a JSON {kind} instead of an object", "a JSON object")
        audio, self._audio = self._audio, None  # read once: nothing here holds it after
        if isinstance(request.input_audio, STTURLInputAudio):
            return ParsedRequest(request, None, self.sources)
        raw = b64decode(audio or "") if audio is None or isinstance(audio, str) else audio
        return ParsedRequest(request, measure(raw, request, hash_if, place), self.sources)


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
                "format": named_format(FilePart(form.file_name, form.file_type)),
            }
        return Body(
            fields,
            problem=form.problem,
            audio=form.file,
            sources={name: f"multipart part {name!r}" for name in fields},
            file=FilePart(form.file_name, form.file_type),
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
            file=FilePart(None, None),
        )


def _read_json(content: bytes | bytearray) -> Body:
    in_place = _audio_in_place(content)
    if in_place is not None:
        document, raw = in_place
        return Body(document, audio=raw, sources=dict.fromkeys(document, _JSON_BODY))
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        return Body(None, problem=("(body)", f"malformed JSON ({exc})", ACCEPTED["(body)"]))
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
        raw = b64decode(memoryview(content)[start:end])
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
