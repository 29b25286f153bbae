"""A request's body: the upload form that carries it (JSON or multipart), the fields as
multipart text parts, and the body itself, streaming the audio or carrying its URL."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Final, Literal

from ._checks import RequestFields
from ._exceptions import InvalidRequestError
from ._files import AudioBody, AudioSource, FixedBody, RequestBody
from ._multipart import form_head, form_tail, form_text, new_boundary, part_filename
from ._types import UploadForm
from ._url import URLSource
from ._words import arg, setting
from .formats import MEDIA_TYPES, MULTIPART_MAX_BYTES

__all__ = ["choose_form", "form_fields", "make_body"]

_DATA_MARK = b'"data":"'


#: The argument of ``transcribe`` each request field comes from, where the names differ.
_PARAMETER_OF: Final = {"provider": "provider_options"}


@functools.cache
def _form_part_names() -> frozenset[str]:
    from openrouter_stt_models import STTMultipartRequest

    fields = STTMultipartRequest.model_fields
    return frozenset(info.alias or name for name, info in fields.items())


def _part_value(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, allow_nan=False)


def form_fields(fields: RequestFields) -> tuple[list[tuple[str, str]], list[str]]:
    """The multipart text parts that carry ``fields``, as ``(name, value)`` pairs, and the
    arguments (in the caller's words) of the fields the form has no part for.

    The parts are the generated ``STTMultipartRequest``'s: a list goes as one ``name[]`` part
    per item, as OpenAI's form does, a string as it is and anything else (``provider``,
    ``trace``, a boolean) as JSON.
    """
    names = _form_part_names()
    parts: list[tuple[str, str]] = []
    misfits: list[str] = []
    for key, value in fields.items():
        items = value if isinstance(value, list) else [value]
        name = f"{key}[]" if isinstance(value, list) else key
        if name not in names:
            misfits.append(_PARAMETER_OF.get(key, key))
            continue
        parts += [(name, _part_value(item)) for item in items]
    return parts, misfits


def choose_form(
    upload: UploadForm, size: int, misfits: Sequence[str]
) -> Literal["json", "multipart"]:
    """The form a body of ``size`` bytes of audio goes in: ``upload``'s choice, and for ``auto``
    multipart when the audio is within its cap and every field has a part, else JSON.

    Raises :class:`InvalidRequestError` when multipart is asked for and cannot carry the request.
    """
    fits = size <= MULTIPART_MAX_BYTES
    if upload == "json" or (upload == "auto" and not (fits and not misfits)):
        return "json"
    if misfits:
        raise InvalidRequestError(
            f"{arg('upload')}: a multipart upload has no part for {arg(misfits[0])} (only the "
            f"JSON body carries it); pass {setting('upload', 'json')} or "
            f"{setting('upload', 'auto')}, or leave {arg(misfits[0])} out",
            field="upload",
        )
    if not fits:
        raise InvalidRequestError(
            f"{arg('upload')}: the audio is {size:,} bytes, over the {MULTIPART_MAX_BYTES:,} "
            f"bytes a multipart upload may carry; pass {setting('upload', 'json')} or "
            f"{setting('upload', 'auto')} (larger audio goes as base64 JSON)",
            field="upload",
        )
    return "multipart"


def _with_extra(parts: list[tuple[str, str]], extra: Mapping[str, object]) -> list[tuple[str, str]]:
    """``parts`` with ``extra``'s keys as parts of their own, in place of ours of the same name."""
    kept = [(name, value) for name, value in parts if name not in extra]
    return kept + [(name, _part_value(value)) for name, value in extra.items()]


def _json_body(
    input_audio: dict[str, str], fields: RequestFields, extra: Mapping[str, object]
) -> bytes:
    if not extra:
        # Calls mostly repeat their fields: their body comes from a small cache, which spares
        # each call a model's validation and dump. Fields holding a list or a mapping are not
        # hashable: their body is made anew. Keys tell 1 from 1.0 and True, and 0.0 from -0.0.
        typed = tuple(
            (name, type(value), value, repr(value) if isinstance(value, float) else None)
            for name, value in fields.items()
        )
        try:
            return _cached_json_body(tuple(input_audio.items()), typed)
        except TypeError:
            pass
    return _new_json_body(input_audio, fields, extra)


@functools.lru_cache(maxsize=64)
def _cached_json_body(
    input_audio: tuple[tuple[str, str], ...],
    fields: tuple[tuple[str, type, object, str | None], ...],
) -> bytes:
    return _new_json_body(dict(input_audio), {name: value for name, _, value, _ in fields}, {})


def _new_json_body(
    input_audio: Mapping[str, object], fields: RequestFields, extra: Mapping[str, object]
) -> bytes:
    # The generated models are built on first use: importing the package stays light.
    from openrouter_stt_models import STTRequest

    template = STTRequest.model_validate({"input_audio": input_audio, **fields})
    # Only what was given: exclude_none would also drop a null the caller put in the trace or
    # the provider options.
    body = template.model_dump(mode="json", exclude_unset=True)
    body.update(extra)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def make_body(
    source: AudioSource | URLSource,
    fields: RequestFields,
    upload: UploadForm,
    extra_body: Mapping[str, object] | None = None,
) -> RequestBody:
    """The body of a request, in the form :func:`choose_form` picks, with ``extra_body``'s keys
    added (or replacing ours).

    JSON: the generated model serialised with empty audio data, with the base64 audio streamed in
    its place. Multipart: the fields as text parts, then the audio as it is in the file part,
    named and typed after its format. Audio by URL: the URL in ``input_audio`` (JSON) or the
    ``source_url`` part, a body without audio bytes.
    """
    extra = extra_body or {}
    parts, misfits = form_fields(fields) if upload != "json" else ([], [])
    if isinstance(source, URLSource):
        if source.needs_format:
            misfits.append("format")
        if choose_form(upload, 0, misfits) == "multipart":
            boundary = new_boundary()
            form = form_text(boundary, _with_extra([*parts, ("source_url", source.url)], extra))
            return FixedBody(form, content_type=f"multipart/form-data; boundary={boundary}")
        return FixedBody(
            _json_body(source.input_audio(), fields, extra), content_type="application/json"
        )
    if choose_form(upload, source.size, misfits) == "multipart":
        boundary = new_boundary()
        head = form_head(
            boundary,
            _with_extra(parts, extra),
            part_filename(source.name, source.format),
            MEDIA_TYPES[source.format],
        )
        return AudioBody(
            head,
            source,
            form_tail(boundary),
            content_type=f"multipart/form-data; boundary={boundary}",
            encode=False,
        )
    encoded = _json_body({"data": "", "format": source.format}, fields, extra)
    # input_audio is the body's first key, so the first "data":" is the audio's, whatever the
    # provider options hold.
    at = encoded.index(_DATA_MARK) + len(_DATA_MARK)
    return AudioBody(encoded[:at], source, encoded[at:])
