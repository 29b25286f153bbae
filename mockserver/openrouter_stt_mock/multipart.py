"""Reading a multipart/form-data body as it arrives: python-multipart's streaming parser, with the
checks of the form's parts.

Text parts are kept (each at most :data:`TEXT_PART_MAX_BYTES`); the ``file`` part's bytes go into
one buffer, grown in place, and are refused with 413 past
:data:`~openrouter_stt.formats.MULTIPART_MAX_BYTES` while the body still arrives. The first
problem found is kept (the body is read to its end all the same) and becomes the 400 naming the
part, raised where the gateway checks the body.

Which parts are read, and how (decided here, as upstream does not say beyond its schema):

- ``timestamp_granularities[]``, one part per value, as openai-python sends it; the official
  Python SDK's ``timestamp_granularities[][]`` the same way; and any of these spellings (or a
  bare ``timestamp_granularities``) holding comma-joined values, as the official TypeScript SDK
  sends a list (one ``timestamp_granularities[]`` part of ``word,segment``);
- ``keyterms[]`` (and a bare ``keyterms``, and the official Python SDK's ``keyterms[][]``), one
  part per term, each kept whole (a term may hold a comma);
- ``prompt`` is accepted and ignored, as OpenRouter documents;
- any other part, a repeated single part, or a part without a name is a 400 naming it.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import parse_qsl

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from openrouter_stt.formats import MULTIPART_MAX_BYTES

from .errors import MockError

__all__ = [
    "FILE_PART",
    "FORM_MAX_BYTES",
    "TEXT_PART_MAX_BYTES",
    "FormFields",
    "FormProblem",
    "MultipartReader",
    "read_urlencoded",
]

#: The part that carries the audio.
FILE_PART: Final = "file"
#: The most a text part may hold; model ids, codes and prompts are far shorter.
TEXT_PART_MAX_BYTES: Final = 64 * 1024
#: The most a whole form may hold: the file part's cap, and room for the text parts around it.
FORM_MAX_BYTES: Final = MULTIPART_MAX_BYTES + 1024 * 1024
#: Parts that may come once each.
_SINGLE: Final = frozenset(
    {
        *("model", "language", "temperature", "response_format", "prompt", "source_url"),
        *("diarize", "provider", "trace", "session_id", "user"),
    }
)
#: The spellings of the granularities, each read into ``timestamp_granularities[]``.
_GRANULARITIES: Final = "timestamp_granularities[]"
_LISTS: Final = frozenset({_GRANULARITIES, "timestamp_granularities[][]"})
_JOINED: Final = "timestamp_granularities"
#: The spellings of the key terms, each read into ``keyterms[]``: one term per part.
_KEYTERMS: Final = "keyterms[]"
_TERMS: Final = frozenset({_KEYTERMS, "keyterms", "keyterms[][]"})
_KNOWN: Final = ", ".join(sorted({FILE_PART, *_SINGLE, _GRANULARITIES, _KEYTERMS}))
_ACCEPTED_BODY: Final = (
    "a multipart/form-data body with a boundary, its parts ended by the last boundary"
)

#: (field, problem, accepted): the 400 a form gets, kept until the gateway checks the body.
FormProblem = tuple[str, str, str]


class FormFields:
    """A form's text fields, gathered by the rules above whatever carries them (a multipart
    body, or the urlencoded one a client sends when there is no file part)."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.problem: FormProblem | None = None

    def refusal(self, name: str) -> FormProblem | None:
        """Why a field of this name cannot come (now), or ``None`` when it may."""
        if name in _SINGLE and name in self.fields:
            return (name, "sent twice", "one part of each name, except the granularities")
        if name not in _SINGLE | _LISTS | _TERMS and name != _JOINED:
            return (name, "an unknown part", f"parts named {_KNOWN}")
        return None

    def add(self, name: str, value: str) -> None:
        """Keep the value of a field :meth:`refusal` let through."""
        if name in _TERMS:
            self.fields.setdefault(_KEYTERMS, []).append(value)
        elif name in _LISTS or name == _JOINED:
            # One value per part, or several joined by commas (the TypeScript SDK's way).
            values = [v.strip() for v in value.split(",")] if "," in value else [value]
            self.fields.setdefault(_GRANULARITIES, []).extend(values)
        else:
            self.fields[name] = value


class MultipartReader:
    """Fed the body chunk by chunk (:meth:`feed`), then asked for what it held (:meth:`result`)."""

    def __init__(self, content_type: str) -> None:
        self.form = FormFields()
        self.fields = self.form.fields
        self.file: bytearray | None = None
        self.file_name: str | None = None
        self.file_type: str | None = None
        self.problem: FormProblem | None = None
        self._ended = False
        self._parser: MultipartParser | None = None
        self._name: str | None = None
        self._text = bytearray()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            self._refuse("(body)", "a multipart/form-data content type without a boundary")
            return
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        """Parse the next piece of the body; a file part over the cap raises 413 at once."""
        if self._parser is None:
            return  # refused already: the rest is only counted by the gateway
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            self._refuse("(body)", f"malformed multipart body ({exc})")

    def finish(self) -> None:
        """The body has ended: a form cut short (no last boundary) is refused."""
        if self._parser is not None and not self._ended:
            self._refuse("(body)", "the multipart body ended before its last boundary")

    def _refuse(self, field: str, problem: str, accepted: str = _ACCEPTED_BODY) -> None:
        if self.problem is None:
            self.problem = (field, problem, accepted)
        self._parser = None  # nothing more is read: the first problem is the answer
        self.file = None  # nor kept

    # --- the parser's callbacks ------------------------------------------------------------

    def _part_begin(self) -> None:
        self._name = None
        self._headers = {}
        self._text = bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = self._header_field.decode("latin-1").strip().lower()
        self._headers[name] = bytes(self._header_value)
        self._header_field = bytearray()
        self._header_value = bytearray()

    def _headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get("content-disposition"))
        name = options.get(b"name")
        if disposition != b"form-data" or name is None:
            self._refuse(
                "(body)",
                "a part without Content-Disposition: form-data; name=...",
                'parts named by Content-Disposition: form-data; name="..."',
            )
            return
        self._name = part = name.decode("utf-8", "replace")
        if part == FILE_PART:
            if self.file is not None:
                self._refuse(FILE_PART, "sent twice", "one file part")
                return
            self.file = bytearray()
            filename = options.get(b"filename")
            self.file_name = filename.decode("utf-8", "replace") if filename is not None else None
            media = self._headers.get("content-type")
            self.file_type = media.decode("latin-1").strip() if media else None
        elif (refused := self.form.refusal(part)) is not None:
            self._refuse(*refused)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name == FILE_PART:
            assert self.file is not None
            if len(self.file) + (end - start) > MULTIPART_MAX_BYTES:
                raise MockError(
                    413,
                    f"Request body too large: the file part is over {MULTIPART_MAX_BYTES} bytes; "
                    "send larger audio as base64 JSON (input_audio)",
                    metadata={"limit_bytes": MULTIPART_MAX_BYTES, "part": FILE_PART},
                )
            self.file += data[start:end]
            return
        self._text += data[start:end]
        if len(self._text) > TEXT_PART_MAX_BYTES:
            self._refuse(
                self._name or "(body)",
                f"over {TEXT_PART_MAX_BYTES} bytes",
                f"a text part of at most {TEXT_PART_MAX_BYTES} bytes",
            )

    def _part_end(self) -> None:
        part = self._name
        if part is None or part == FILE_PART or self._parser is None:
            return
        try:
            value = self._text.decode("utf-8")
        except UnicodeDecodeError:
            self._refuse(part, "not UTF-8 text", "UTF-8 text")
            return
        self.form.add(part, value)

    def _end(self) -> None:
        self._ended = True


def read_urlencoded(content: bytes) -> FormFields:
    """The fields of an ``application/x-www-form-urlencoded`` body, by the same rules as a
    form's parts: what a client sends for a form without a file (the official Python SDK does,
    for audio by ``source_url``)."""
    form = FormFields()
    try:
        text = content.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError) as exc:
        form.problem = ("(body)", f"not a urlencoded form ({exc})", "name=value pairs joined by &")
        return form
    for name, value in pairs:
        refused = form.refusal(name)
        if refused is not None:
            form.problem = refused
            break
        form.add(name, value)
    return form
