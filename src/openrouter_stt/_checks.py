"""Checking ``transcribe``'s arguments before anything is read or sent: a wrong one raises
:class:`InvalidRequestError` naming it as the caller wrote it (a keyword, or the command line's
option)."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Final, TypeAlias, TypeVar, cast, get_args

import pydantic

from ._exceptions import InvalidRequestError
from ._types import UPLOAD_FORMS, UploadForm
from ._words import arg, setting, unset
from .formats import is_iso_639_1

__all__ = ["RequestFields", "check_extra_body", "check_fields", "check_upload"]

_S = TypeVar("_S", bound=str)


#: The checked non-audio fields of a request, as :class:`STTRequest` names them; ``None`` left out.
RequestFields: TypeAlias = dict[str, object]


def _values(alias: object) -> tuple[str, ...]:
    """The values of one of the generated models' ``Literal`` aliases, such as
    ``STTResponseFormat``: the spec's enums, never restated here."""
    values: tuple[str, ...] = get_args(getattr(alias, "__value__", alias))
    return values


def _shown(value: object) -> str:
    """A wrong argument as an error message shows it: a string quoted, anything else by type."""
    return repr(value) if isinstance(value, str) else type(value).__name__


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(repr(value) for value in values)


def check_fields(
    *,
    model: object,
    language: object = None,
    temperature: object = None,
    response_format: object = None,
    timestamp_granularities: object = None,
    diarize: object = None,
    keyterms: object = None,
    session_id: object = None,
    user: object = None,
    trace: object = None,
    provider_options: object = None,
    provider_zdr: object = None,
    provider_data_collection: object = None,
) -> RequestFields:
    """Check the request arguments of ``transcribe``, raising :class:`InvalidRequestError`.

    A new request field is checked here, and :func:`._body.make_body` sends it as it is, in
    either form (the fields' order is the multipart parts' order).
    """
    if not isinstance(model, str) or not model.strip():
        got = _shown(model)
        raise InvalidRequestError(
            f"{arg('model')}: expected a non-empty model id such as 'openai/whisper-large-v3', "
            f"got {got}",
            field="model",
        )
    fields: RequestFields = {"model": model}
    if language is not None:
        if not isinstance(language, str) or not is_iso_639_1(language):
            got = _shown(language)
            raise InvalidRequestError(
                f"{arg('language')}: {got} is not an ISO-639-1 code; expected two lowercase "
                f"letters such as 'en' or 'ja', or {unset('language')} to detect the language",
                field="language",
            )
        fields["language"] = language
    if temperature is not None:
        # bool is an int to Python, but True is no temperature.
        if isinstance(temperature, bool) or not isinstance(temperature, int | float):
            raise InvalidRequestError(
                f"{arg('temperature')}: expected a number between 0 and 1, "
                f"got {type(temperature).__name__}",
                field="temperature",
            )
        if not (math.isfinite(temperature) and 0 <= temperature <= 1):
            raise InvalidRequestError(
                f"{arg('temperature')}: {temperature!r} is out of range; expected a number "
                "between 0 and 1",
                field="temperature",
            )
        fields["temperature"] = float(temperature)
    if response_format is not None:
        from openrouter_stt_models import STTResponseFormat

        fields["response_format"] = _check_choice(
            "response_format",
            response_format,
            _values(STTResponseFormat),
            "offered",
            f", or {unset('response_format')} for 'json'",
        )
    if timestamp_granularities is not None:
        granularities = _check_granularities(timestamp_granularities)
        if granularities and response_format != "verbose_json":
            # Upstream ignores them then; refused here, as the caller asked for timestamps that
            # would never come.
            raise InvalidRequestError(
                _verbose_only("timestamp_granularities", "timestamps", response_format),
                field="timestamp_granularities",
            )
        if granularities:
            fields["timestamp_granularities"] = granularities
    if diarize is not None:
        _check_bool("diarize", diarize)
        if diarize and response_format != "verbose_json":
            # What the service answers with a 400, said before the audio is read.
            raise InvalidRequestError(
                _verbose_only("diarize", "speaker labels", response_format), field="diarize"
            )
        fields["diarize"] = diarize
    if keyterms is not None:
        terms = _check_strings("keyterms", keyterms, "['OpenRouter', 'Scribe']")
        if not all(term.strip() for term in terms):
            # A blank term biases nothing; the service refuses it with a 400.
            raise InvalidRequestError(
                f"{arg('keyterms')}: an empty term; every term must have a character besides "
                "spaces",
                field="keyterms",
            )
        if terms:
            fields["keyterms"] = terms
    if session_id is not None:
        _check_session_id(session_id)
        fields["session_id"] = session_id
    if user is not None:
        if not isinstance(user, str):
            raise InvalidRequestError(
                f"{arg('user')}: expected your end-user's id as a string, got {_shown(user)}",
                field="user",
            )
        fields["user"] = user
    if trace is not None:
        fields["trace"] = _check_trace(trace)
    provider = _check_provider(provider_options, provider_zdr, provider_data_collection)
    if provider:
        fields["provider"] = provider
    return fields


def _verbose_only(name: str, what: str, response_format: object) -> str:
    return (
        f"{arg(name)}: {what} come only with {setting('response_format', 'verbose_json')}, "
        f"and {arg('response_format')} is {response_format!r}; pass "
        f"{setting('response_format', 'verbose_json')} or leave {arg(name)} out"
    )


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidRequestError(
            f"{arg(name)}: expected True or False, got {_shown(value)}", field=name
        )


def _check_choice(
    name: str, value: object, accepted: Sequence[_S], what: str, tail: str = ""
) -> _S:
    """``value``, refused unless it is one of ``accepted`` (an enum's values): it "is not
    ``what``", and ``tail`` follows the accepted values in the message."""
    if value not in accepted:
        raise InvalidRequestError(
            f"{arg(name)}: {_shown(value)} is not {what}; accepted: {_quoted(accepted)}{tail}",
            field=name,
        )
    return cast("_S", value)


def _check_list(name: str, value: object, example: str) -> list[object]:
    """A list (or tuple, or other sequence): a string alone is refused, as it would be read
    letter by letter."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        got = f"the string {value!r}" if isinstance(value, str) else type(value).__name__
        raise InvalidRequestError(
            f"{arg(name)}: expected a list such as {example}, got {got}", field=name
        )
    return list(value)


def _check_strings(name: str, value: object, example: str) -> list[str]:
    """A list of strings."""
    items = _check_list(name, value, example)
    strings = [item for item in items if isinstance(item, str)]
    if len(strings) != len(items):
        wrong = next(item for item in items if not isinstance(item, str))
        raise InvalidRequestError(
            f"{arg(name)}: every item must be a string, got {_shown(wrong)}", field=name
        )
    return strings


def _check_granularities(value: object) -> list[str]:
    """The granularities asked for, each once, in the order given."""
    from openrouter_stt_models import STTTimestampGranularity

    name = "timestamp_granularities"
    accepted = _values(STTTimestampGranularity)
    granularities: list[str] = []
    for item in _check_list(name, value, f"[{_quoted(accepted)}]"):
        granularities.append(str(_check_choice(name, item, accepted, "a granularity")))
    return list(dict.fromkeys(granularities))


@functools.cache
def _session_id_max() -> int:
    """The longest ``session_id`` the spec allows, read from the generated model."""
    from openrouter_stt_models import STTRequest

    metadata = STTRequest.model_fields["session_id"].metadata
    (limit,) = [m.max_length for m in metadata if isinstance(getattr(m, "max_length", None), int)]
    return int(limit)


def _check_session_id(session_id: object) -> None:
    if not isinstance(session_id, str):
        raise InvalidRequestError(
            f"{arg('session_id')}: expected a string, got {_shown(session_id)}",
            field="session_id",
        )
    limit = _session_id_max()
    if len(session_id) > limit:
        raise InvalidRequestError(
            f"{arg('session_id')}: {len(session_id)} characters, over the {limit} allowed",
            field="session_id",
        )


def _check_trace(trace: object) -> dict[str, object]:
    """The trace metadata: string keys, the known ones (``trace_id``, ...) strings, and every
    value something JSON can carry."""
    from openrouter_stt_models import TraceConfig

    known = _quoted(list(TraceConfig.model_fields))
    if not isinstance(trace, Mapping) or not all(isinstance(key, str) for key in trace):
        raise InvalidRequestError(
            f"{arg('trace')}: expected a mapping of string keys, such as "
            f"{{'trace_id': 'abc', 'span_name': 'transcribe'}}, got {type(trace).__name__}",
            field="trace",
        )
    value = dict(trace)
    try:
        TraceConfig.model_validate(value)
    except pydantic.ValidationError as exc:
        key = exc.errors()[0]["loc"][0]
        raise InvalidRequestError(
            f"{arg('trace')}: {key!r} must be a string; the known keys ({known}) take strings",
            field="trace",
        ) from None
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(
            f"{arg('trace')}: every value must be JSON (strings, numbers, booleans, lists, "
            f"mappings): {exc}",
            field="trace",
        ) from None
    return value


def _check_provider(options: object, zdr: object, data_collection: object) -> dict[str, object]:
    """The request's ``provider`` object from the three ``provider_*`` arguments; empty when
    none is given."""
    if options is None and zdr is None and data_collection is None:
        return {}  # the usual call: no model to import or build
    from openrouter_stt_models import STTProvider

    provider: dict[str, object] = {}
    if options is not None:
        try:
            provider["options"] = STTProvider.model_validate({"options": options}).options
        except pydantic.ValidationError:
            raise InvalidRequestError(
                f"{arg('provider_options')}: expected a mapping from provider slug to a mapping "
                "of options, such as {'openai': {'max_tokens': 1000}}",
                field="provider_options",
            ) from None
    if zdr is not None:
        _check_bool("provider_zdr", zdr)
        provider["zdr"] = zdr
    if data_collection is not None:
        # Optional[Literal["deny", "allow"]]: the literal's values, without None.
        (literal, _) = get_args(STTProvider.model_fields["data_collection"].annotation)
        provider["data_collection"] = _check_choice(
            "provider_data_collection",
            data_collection,
            _values(literal),
            "a data collection policy",
        )
    return provider


def check_upload(upload: object) -> UploadForm:
    """Check ``transcribe``'s ``upload`` argument, raising :class:`InvalidRequestError`."""
    return _check_choice("upload", upload, UPLOAD_FORMS, "an upload form")


#: The body's keys that carry the audio, which only ``audio`` sets.
_AUDIO_KEYS: Final = frozenset({"input_audio", "file", "source_url"})


def check_extra_body(extra_body: object) -> dict[str, object]:
    """Check ``transcribe``'s ``extra_body``: string keys, JSON values, and none of the keys
    that carry the audio (``audio`` does)."""
    if extra_body is None:
        return {}
    if not isinstance(extra_body, Mapping) or not all(isinstance(k, str) for k in extra_body):
        raise InvalidRequestError(
            f"extra_body: expected a mapping of string keys, got {type(extra_body).__name__}",
            field="extra_body",
        )
    taken = sorted(_AUDIO_KEYS & extra_body.keys())
    if taken:
        raise InvalidRequestError(
            f"extra_body: {taken[0]!r} carries the audio, which comes from the audio argument",
            field="extra_body",
        )
    body = dict(extra_body)
    try:
        json.dumps(body, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(
            f"extra_body: every value must be JSON: {exc}", field="extra_body"
        ) from None
    return body
