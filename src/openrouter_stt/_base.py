"""Logic shared by both clients, without I/O: configuration, argument checks, building the
request (its body in either upload form), reading the response, the retry bookkeeping, and
translating httpx's errors."""

from __future__ import annotations

import abc
import copy
import functools
import json
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import (
    TYPE_CHECKING,
    ClassVar,
    Final,
    Generic,
    Literal,
    ParamSpec,
    TypeAlias,
    TypeVar,
    cast,
    get_args,
)

import httpx
import pydantic

from ._config import (
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    USER_AGENT,
    Clock,
    NotGiven,
    RetryPolicy,
    check_http_client,
    resolve_api_key,
    resolve_base_url,
)
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    InvalidRequestError,
    status_error_class,
)
from ._files import AudioBody, AudioSource, FixedBody, RequestBody
from ._multipart import form_head, form_tail, form_text, new_boundary, part_filename
from ._retry import attempt_timeout, retry_delay
from ._types import UPLOAD_FORMS, TimeoutTypes, TranscribeOptions, UploadForm
from ._url import AudioURL, URLSource, resolve_url
from ._words import arg, setting, unset
from .formats import MEDIA_TYPES, MULTIPART_MAX_BYTES, is_iso_639_1

if TYPE_CHECKING:
    from typing_extensions import Self

    from openrouter_stt_models import ErrorData, STTResponse

__all__ = [
    "DEFAULT_UPLOAD",
    "Attempts",
    "BaseClient",
    "Call",
    "RawResponse",
    "RequestFields",
    "async_to_raw_response_wrapper",
    "check_extra_body",
    "check_fields",
    "check_upload",
    "choose_form",
    "form_fields",
    "make_body",
    "make_status_error",
    "map_transport_error",
    "to_raw_response_wrapper",
]

# The package's name: "openrouter_stt", or a vendored copy's own ("acme._vendor.openrouter_stt").
log = logging.getLogger(__name__.rpartition(".")[0])

_ENDPOINT = "/audio/transcriptions"
_DATA_MARK = b'"data":"'
_DEADLINE_PASSED = "the call's total timeout ran out while the answer was being read"

_P = ParamSpec("_P")
_HttpT = TypeVar("_HttpT", httpx.Client, httpx.AsyncClient)


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

    A new request field is checked here, and :func:`make_body` sends it as it is, in either form
    (the fields' order is the multipart parts' order).
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

        formats = _values(STTResponseFormat)
        if response_format not in formats:
            raise InvalidRequestError(
                f"{arg('response_format')}: {_shown(response_format)} is not offered; "
                f"accepted: {_quoted(formats)}, or {unset('response_format')} for 'json'",
                field="response_format",
            )
        fields["response_format"] = response_format
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
        if item not in accepted:
            raise InvalidRequestError(
                f"{arg(name)}: {_shown(item)} is not a granularity; accepted: {_quoted(accepted)}",
                field=name,
            )
        granularities.append(str(item))
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
        accepted = _values(literal)
        if data_collection not in accepted:
            raise InvalidRequestError(
                f"{arg('provider_data_collection')}: {_shown(data_collection)} is not a data "
                f"collection policy; accepted: {_quoted(accepted)}",
                field="provider_data_collection",
            )
        provider["data_collection"] = data_collection
    return provider


def check_upload(upload: object) -> UploadForm:
    """Check ``transcribe``'s ``upload`` argument, raising :class:`InvalidRequestError`."""
    if upload not in UPLOAD_FORMS:
        got = _shown(upload)
        raise InvalidRequestError(
            f"{arg('upload')}: {got} is not an upload form; accepted: {_quoted(UPLOAD_FORMS)}",
            field="upload",
        )
    return upload


#: The argument of ``transcribe`` each request field comes from, where the names differ.
_PARAMETER_OF: Final = {"provider": "provider_options"}
#: The body's keys that carry the audio, which only ``audio`` sets.
_AUDIO_KEYS: Final = frozenset({"input_audio", "file", "source_url"})


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


def _read_body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text


def _fallback_message(body: object, response: httpx.Response) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            for key in ("message", "name"):
                if isinstance(error.get(key), str) and error[key]:
                    return str(error[key])
        if isinstance(error, str) and error:
            return error
        if isinstance(body.get("message"), str) and body["message"]:
            return str(body["message"])
    if isinstance(body, str) and body.strip():
        text = " ".join(body.split())
        return text if len(text) <= 300 else text[:297] + "..."
    return response.reason_phrase or f"HTTP {response.status_code}"


def make_status_error(response: httpx.Response) -> APIStatusError:
    """The most specific :class:`APIStatusError` for a 4xx/5xx response, whatever its body."""
    body = _read_body(response)
    error: ErrorData | None = None
    if isinstance(body, dict):
        from openrouter_stt_models import ErrorResponse

        try:
            error = ErrorResponse.model_validate(body).error
        except pydantic.ValidationError:
            error = None
    message = error.message if error is not None else _fallback_message(body, response)
    cls = status_error_class(response.status_code)
    return cls(message, response=response, body=body, error=error)


def map_transport_error(exc: httpx.RequestError, request: httpx.Request) -> APIConnectionError:
    """Translate an httpx error into ours; the caller raises it ``from exc``."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"Request timed out ({type(exc).__name__}) for {request.method} {request.url}",
            request=request,
        )
    detail = str(exc) or type(exc).__name__
    return APIConnectionError(
        f"Connection error for {request.method} {request.url}: {detail}", request=request
    )


class RawResponse:
    """A successful HTTP response, before it is parsed.

    Returned by ``client.with_raw_response.transcribe(...)``; error statuses still raise.

    >>> raw = client.with_raw_response.transcribe("talk.wav", model="openai/whisper-large-v3")
    >>> raw.generation_id, raw.headers["content-type"], raw.parse().text  # doctest: +SKIP
    """

    def __init__(self, http_response: httpx.Response, *, verbose: bool = False) -> None:
        self.http_response = http_response
        """The underlying :class:`httpx.Response`, already read."""
        self._verbose = verbose

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers."""
        return self.http_response.headers

    @property
    def generation_id(self) -> str | None:
        """The ``X-Generation-Id`` header: the id to look the generation up later."""
        value: str | None = self.http_response.headers.get("x-generation-id")
        return value

    def parse(self) -> STTResponse:
        """The body as an :class:`STTResponse`, an :class:`STTVerboseResponse` when the call
        asked for ``verbose_json``; raises :class:`APIResponseValidationError` when it is not
        one."""
        from openrouter_stt_models import STTResponse, STTVerboseResponse

        model = STTVerboseResponse if self._verbose else STTResponse
        response = self.http_response
        try:
            # One pass over the bytes; anything unusual (another charset, an invalid body) takes
            # the path below, which reads the body as text where it must and words the error.
            return model.model_validate_json(response.content)
        except pydantic.ValidationError:
            pass
        body = _read_body(response)
        try:
            return model.model_validate(body)
        except pydantic.ValidationError as exc:
            kind = "verbose transcription" if self._verbose else "transcription"
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the body"
            more = exc.error_count() - 1
            others = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
            raise APIResponseValidationError(
                f"the {response.status_code} response is not a valid {kind}: "
                f"{where}: {first['msg']}{others}",
                response=response,
                body=body,
            ) from None

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] generation_id={self.generation_id!r}>"


_RAW_RESPONSE: ContextVar[bool] = ContextVar("openrouter_stt_raw_response", default=False)


def to_raw_response_wrapper(func: Callable[_P, STTResponse]) -> Callable[_P, RawResponse]:
    """``func`` (a client's ``transcribe``) returning the :class:`RawResponse` it read instead
    of parsing it; the parameters stay those ``func`` declares."""

    @functools.wraps(func)
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse:
        token = _RAW_RESPONSE.set(True)
        try:
            return cast("RawResponse", func(*args, **kwargs))
        finally:
            _RAW_RESPONSE.reset(token)

    return wrapped


def async_to_raw_response_wrapper(
    func: Callable[_P, Awaitable[STTResponse]],
) -> Callable[_P, Awaitable[RawResponse]]:
    """:func:`to_raw_response_wrapper` for the async client's ``transcribe``."""

    @functools.wraps(func)
    async def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse:
        token = _RAW_RESPONSE.set(True)
        try:
            return cast("RawResponse", await func(*args, **kwargs))
        finally:
            _RAW_RESPONSE.reset(token)

    return wrapped


class _DeadlineStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that stops with :class:`httpx.ReadTimeout` once the call's deadline has
    passed: httpx's read timeout bounds each read, not the whole answer, so a body that trickles
    in would otherwise outlast the deadline."""

    def __init__(
        self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, check: Callable[[], None]
    ) -> None:
        self._stream = stream
        self._check = check

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._stream, httpx.SyncByteStream)
        for chunk in self._stream:
            self._check()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        async for chunk in self._stream:
            self._check()
            yield chunk

    def close(self) -> None:
        assert isinstance(self._stream, httpx.SyncByteStream)
        self._stream.close()

    async def aclose(self) -> None:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        await self._stream.aclose()


class Attempts:
    """The bookkeeping of one call's attempts, without I/O, so that the sync and async loops
    only send and sleep: the deadline, each attempt's timeouts, the retries made, and after a
    failure either the delay before the next attempt (logged) or the error to raise."""

    def __init__(
        self, timeout: httpx.Timeout, policy: RetryPolicy, clock: Clock, url: httpx.URL
    ) -> None:
        self._timeout = timeout
        self._policy = policy
        self._clock = clock
        self._url = url
        self._started = clock.monotonic()
        self._retries = 0

    def timeout(self) -> httpx.Timeout:
        """The next attempt's timeouts: the call's, shrunk to the time left overall."""
        return attempt_timeout(self._timeout, self._policy, self._elapsed())

    def watch(self, response: httpx.Response) -> None:
        """Make reading ``response``'s body give up once the call's deadline has passed."""
        if self._policy.total_timeout is not None:
            check = functools.partial(self._check_deadline, response.request)
            response.stream = _DeadlineStream(response.stream, check)

    def retry_after_error(self, exc: httpx.RequestError, request: httpx.Request) -> float:
        """Seconds to wait before retrying after ``exc``; raises it, translated, when the call
        must end."""
        delay = self._retry(None, type(exc).__name__)
        if delay is None:
            raise map_transport_error(exc, request) from exc
        return delay

    def retry_after_status(self, response: httpx.Response) -> float:
        """Seconds to wait before retrying after an error status; raises the matching
        :class:`APIStatusError` when the call must end."""
        delay = self._retry(response, f"status {response.status_code}")
        if delay is None:
            raise make_status_error(response)
        return delay

    def _elapsed(self) -> float:
        return self._clock.monotonic() - self._started

    def _check_deadline(self, request: httpx.Request) -> None:
        total = self._policy.total_timeout
        if total is not None and self._elapsed() > total:
            raise httpx.ReadTimeout(_DEADLINE_PASSED, request=request)

    def _retry(self, response: httpx.Response | None, reason: str) -> float | None:
        delay = retry_delay(
            retries_done=self._retries,
            max_retries=self._policy.max_retries,
            policy=self._policy,
            elapsed=self._elapsed(),
            status_code=response.status_code if response is not None else None,
            headers=response.headers if response is not None else None,
            now=self._clock.time(),
            random_fraction=self._clock.jitter(),
        )
        if delay is not None:
            self._retries += 1
            log.info(
                "Retrying POST %s in %.2f s (retry %d of %d) after %s",
                self._url,
                delay,
                self._retries,
                self._policy.max_retries,
                reason,
            )
        return delay


#: The upload form of a call that names none.
DEFAULT_UPLOAD: Final[UploadForm] = "auto"

#: The options of ``transcribe`` that shape the call rather than the request's fields.
_CALL_OPTIONS: Final = frozenset(
    {"format", "upload", "timeout", "max_retries", "extra_headers", "extra_query", "extra_body"}
)
_OPTIONS: Final = TranscribeOptions.__optional_keys__ | TranscribeOptions.__required_keys__


@dataclass(frozen=True, eq=False)
class Call:
    """One ``transcribe`` call, its arguments checked: the request's fields, the upload form
    asked for, the format given, the audio's URL when it is an :class:`AudioURL`, the call's
    attempts and what it adds to the request."""

    fields: RequestFields
    upload: UploadForm
    format: object
    url: URLSource | None
    attempts: Attempts
    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, str] | None
    extra_body: dict[str, object]

    @property
    def verbose(self) -> bool:
        """Whether the answer is a verbose one."""
        return self.fields.get("response_format") == "verbose_json"


class BaseClient(Generic[_HttpT]):
    """Configuration, request building and the retry bookkeeping shared by the sync and async
    clients, which add only sending and sleeping."""

    base_url: str
    """Where requests go, without a trailing slash."""
    timeout: httpx.Timeout
    """Timeouts of each attempt."""
    retry_policy: RetryPolicy
    """How failed attempts are retried."""
    _client: _HttpT
    #: The kind of ``http_client`` the subclass sends with.
    _http_client_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        http_client: _HttpT | None = None,
        http_referer: str | None = None,
        app_title: str | None = None,
        app_categories: str | Sequence[str] | None = None,
        default_headers: Mapping[str, str] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._api_key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url)
        if http_client is not None:
            check_http_client(http_client, self._http_client_class, type(self).__name__)
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        policy = retry_policy if retry_policy is not None else RetryPolicy()
        if not isinstance(max_retries, NotGiven):
            policy = replace(policy, max_retries=max_retries)
        self.retry_policy = policy
        self._url = httpx.URL(self.base_url + _ENDPOINT)
        # Ours replace the HTTP client's headers of the same name (httpx merges them), and the
        # call's extra headers replace both.
        self._headers = httpx.Headers(
            {
                "Authorization": f"Bearer {self._api_key}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            }
        )
        if http_referer:
            self._headers["HTTP-Referer"] = http_referer
        if app_title:
            self._headers["X-OpenRouter-Title"] = app_title
        if app_categories:
            self._headers["X-OpenRouter-Categories"] = (
                app_categories if isinstance(app_categories, str) else ",".join(app_categories)
            )
        self._headers.update(default_headers or {})
        self._clock = clock if clock is not None else Clock()
        self._owns_client = http_client is None
        self._client = http_client if http_client is not None else self._new_http_client()

    @abc.abstractmethod
    def _new_http_client(self) -> _HttpT:
        """The HTTP client to use when none is passed in (and to close on :meth:`close`)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def copy(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        http_client: _HttpT | None = None,
        default_headers: Mapping[str, str] | None = None,
        clock: Clock | None = None,
    ) -> Self:
        """A client like this one with the settings given replaced; ``default_headers`` are
        added to (or replace) this client's headers.

        The copy sends through this client's HTTP client, and so its connection pool, unless
        ``http_client`` is given; closing the copy closes neither. ``with_options`` is the same
        method, by the name openai-python gives it::

            fast = client.with_options(timeout=10.0, max_retries=0)
        """
        new = copy.copy(self)
        new._headers = self._headers.copy()
        if api_key is not None:
            new._api_key = resolve_api_key(api_key)
            new._headers["Authorization"] = f"Bearer {new._api_key}"
        if base_url is not None:
            new.base_url = resolve_base_url(base_url)
            new._url = httpx.URL(new.base_url + _ENDPOINT)
        if not isinstance(timeout, NotGiven):
            new.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        policy = retry_policy if retry_policy is not None else self.retry_policy
        if not isinstance(max_retries, NotGiven):
            policy = replace(policy, max_retries=max_retries)
        new.retry_policy = policy
        if http_client is not None:
            check_http_client(http_client, self._http_client_class, type(self).__name__)
            new._client = http_client
        new._headers.update(default_headers or {})
        new._clock = clock if clock is not None else self._clock
        new._owns_client = False
        return new

    with_options = copy

    def _attempts(self, timeout: TimeoutTypes | NotGiven, max_retries: int | NotGiven) -> Attempts:
        """The bookkeeping of a call with these overrides of the client's settings."""
        if isinstance(timeout, NotGiven):
            timeout = self.timeout
        elif not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(timeout)
        policy = self.retry_policy
        if not isinstance(max_retries, NotGiven):
            policy = replace(policy, max_retries=max_retries)
        return Attempts(timeout, policy, self._clock, self._url)

    def _prepare(
        self, audio: object, model: object, response_format: object, options: TranscribeOptions
    ) -> Call:
        """Check a call's arguments (all but the audio's bytes), before anything is read or
        sent."""
        unknown = sorted(options.keys() - _OPTIONS)
        if unknown:
            # What Python says of a misspelt argument, which **options would otherwise swallow.
            raise TypeError(f"transcribe() got an unexpected keyword argument {unknown[0]!r}")
        fields = check_fields(
            model=model,
            response_format=response_format,
            **{key: value for key, value in options.items() if key not in _CALL_OPTIONS},
        )
        given_format = options.get("format")
        return Call(
            fields=fields,
            upload=check_upload(options.get("upload", DEFAULT_UPLOAD)),
            format=given_format,
            url=resolve_url(audio, given_format) if isinstance(audio, AudioURL) else None,
            attempts=self._attempts(
                options.get("timeout", NOT_GIVEN), options.get("max_retries", NOT_GIVEN)
            ),
            extra_headers=options.get("extra_headers"),
            extra_query=options.get("extra_query"),
            extra_body=check_extra_body(options.get("extra_body")),
        )

    def _build_request(
        self, call: Call, body: RequestBody, content: Iterator[bytes] | AsyncIterator[bytes]
    ) -> httpx.Request:
        """One attempt's request: httpx merges its client's headers with ours and sets ``Host``;
        ``content`` iterates ``body``, whose exact length lets it go out unchunked. The body
        names its own type, which no header given replaces (a multipart boundary must match)."""
        headers = self._headers.copy()
        headers.update(call.extra_headers or {})
        headers["Content-Type"] = body.content_type
        headers["Content-Length"] = str(body.content_length)
        request = self._client.build_request(
            "POST",
            self._url,
            content=content,
            headers=headers,
            params=call.extra_query,
            timeout=call.attempts.timeout(),
        )
        log.debug(
            "Sending POST %s (%s, %d bytes)",
            request.url,
            body.content_type.partition(";")[0],
            body.content_length,
        )
        return request

    def _result(self, call: Call, response: httpx.Response) -> STTResponse:
        """The call's result: parsed, or unparsed when called through ``with_raw_response``."""
        log.debug(
            "Received %d from POST %s (generation %s)",
            response.status_code,
            response.request.url,
            response.headers.get("x-generation-id"),
        )
        raw = RawResponse(response, verbose=call.verbose)
        return cast("STTResponse", raw) if _RAW_RESPONSE.get() else raw.parse()
