"""Logic shared by both clients, without I/O: configuration, argument checks, building the
request (its body in either upload form), reading the response, the retry bookkeeping, and
translating httpx's errors."""

from __future__ import annotations

import abc
import functools
import json
import logging
import math
import os
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
from ._files import AudioBody, AudioSource
from ._multipart import form_head, form_tail, new_boundary, part_filename
from ._retry import attempt_timeout, retry_delay
from ._types import UPLOAD_FORMS, TimeoutTypes, TranscribeOptions, UploadForm
from .formats import MEDIA_TYPES, MULTIPART_MAX_BYTES, is_iso_639_1

if TYPE_CHECKING:
    from openrouter_stt_models import ErrorData, STTResponse

__all__ = [
    "DEFAULT_UPLOAD",
    "Attempts",
    "BaseClient",
    "Call",
    "RawResponse",
    "RequestFields",
    "async_to_raw_response_wrapper",
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
    provider_options: object = None,
    response_format: object = None,
    timestamp_granularities: object = None,
) -> RequestFields:
    """Check the request arguments of ``transcribe``, raising :class:`InvalidRequestError`.

    A new request field is checked here, and :func:`make_body` sends it as it is, in either form.
    """
    if not isinstance(model, str) or not model.strip():
        got = _shown(model)
        raise InvalidRequestError(
            f"model: expected a non-empty model id such as 'openai/whisper-large-v3', got {got}",
            field="model",
        )
    fields: RequestFields = {"model": model}
    if language is not None:
        if not isinstance(language, str) or not is_iso_639_1(language):
            got = _shown(language)
            raise InvalidRequestError(
                f"language: {got} is not an ISO-639-1 code; expected two lowercase letters such "
                "as 'en' or 'ja', or None to detect the language",
                field="language",
            )
        fields["language"] = language
    if temperature is not None:
        # bool is an int to Python, but True is no temperature.
        if isinstance(temperature, bool) or not isinstance(temperature, int | float):
            raise InvalidRequestError(
                f"temperature: expected a number between 0 and 1, got {type(temperature).__name__}",
                field="temperature",
            )
        if not (math.isfinite(temperature) and 0 <= temperature <= 1):
            raise InvalidRequestError(
                f"temperature: {temperature!r} is out of range; expected a number between 0 and 1",
                field="temperature",
            )
        fields["temperature"] = float(temperature)
    if provider_options is not None:
        from openrouter_stt_models import STTProvider

        try:
            options = STTProvider.model_validate({"options": provider_options}).options
        except pydantic.ValidationError:
            raise InvalidRequestError(
                "provider_options: expected a mapping from provider slug to a mapping of "
                "options, such as {'openai': {'max_tokens': 1000}}",
                field="provider_options",
            ) from None
        fields["provider"] = {"options": options}
    if response_format is not None:
        from openrouter_stt_models import STTResponseFormat

        formats = _values(STTResponseFormat)
        if response_format not in formats:
            raise InvalidRequestError(
                f"response_format: {_shown(response_format)} is not offered; "
                f"accepted: {_quoted(formats)}, or None for 'json'",
                field="response_format",
            )
        fields["response_format"] = response_format
    if timestamp_granularities is not None:
        granularities = _check_granularities(timestamp_granularities)
        if granularities and response_format != "verbose_json":
            # Upstream ignores them then; refused here, as the caller asked for timestamps that
            # would never come.
            raise InvalidRequestError(
                f"timestamp_granularities: timestamps come only with "
                f"response_format='verbose_json', and response_format is {response_format!r}; "
                "pass response_format='verbose_json' or leave timestamp_granularities out",
                field="timestamp_granularities",
            )
        if granularities:
            fields["timestamp_granularities"] = granularities
    return fields


def _check_granularities(value: object) -> list[str]:
    """The granularities asked for, each once, in the order given."""
    from openrouter_stt_models import STTTimestampGranularity

    accepted = _values(STTTimestampGranularity)
    example = f"expected a list of {_quoted(accepted)}, such as ['word', 'segment']"
    if not isinstance(value, list | tuple):
        got = f"the string {value!r}" if isinstance(value, str) else type(value).__name__
        raise InvalidRequestError(
            f"timestamp_granularities: {example}, got {got}", field="timestamp_granularities"
        )
    for item in value:
        if item not in accepted:
            got = _shown(item)
            raise InvalidRequestError(
                f"timestamp_granularities: {got} is not a granularity; accepted: "
                f"{_quoted(accepted)}",
                field="timestamp_granularities",
            )
    return list(dict.fromkeys(value))


def check_upload(upload: object) -> UploadForm:
    """Check ``transcribe``'s ``upload`` argument, raising :class:`InvalidRequestError`."""
    if upload not in UPLOAD_FORMS:
        got = _shown(upload)
        raise InvalidRequestError(
            f"upload: {got} is not an upload form; accepted: {_quoted(UPLOAD_FORMS)}",
            field="upload",
        )
    return upload


#: The argument of ``transcribe`` each request field comes from, where the names differ.
_PARAMETER_OF: Final = {"provider": "provider_options"}


@functools.cache
def _form_part_names() -> frozenset[str]:
    from openrouter_stt_models import STTMultipartRequest

    fields = STTMultipartRequest.model_fields
    return frozenset(info.alias or name for name, info in fields.items())


def form_fields(fields: RequestFields) -> tuple[list[tuple[str, str]], list[str]]:
    """The multipart text parts that carry ``fields``, as ``(name, value)`` pairs, and the
    arguments (in the caller's words) of the fields the form has no part for.

    The parts are the generated ``STTMultipartRequest``'s: a list goes as one ``name[]`` part
    per item, as OpenAI's form does, a string as it is and anything else as JSON.
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
        parts += [(name, item if isinstance(item, str) else json.dumps(item)) for item in items]
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
            f"upload: a multipart upload has no part for {misfits[0]} (only the JSON body "
            f"carries it); pass upload='json' or 'auto', or leave {misfits[0]} out",
            field="upload",
        )
    if not fits:
        raise InvalidRequestError(
            f"upload: the audio is {size:,} bytes, over the {MULTIPART_MAX_BYTES:,} bytes a "
            "multipart upload may carry; pass upload='json' or 'auto' (larger audio goes as "
            "base64 JSON)",
            field="upload",
        )
    return "multipart"


def make_body(source: AudioSource, fields: RequestFields, upload: UploadForm) -> AudioBody:
    """The streamed body of a request, in the form :func:`choose_form` picks.

    JSON: the generated model serialised with empty audio data, with the base64 audio streamed in
    its place. Multipart: the fields as text parts, then the audio as it is in the file part,
    named and typed after its format.
    """
    parts, misfits = form_fields(fields) if upload != "json" else ([], [])
    if choose_form(upload, source.size, misfits) == "multipart":
        boundary = new_boundary()
        head = form_head(
            boundary, parts, part_filename(source.name, source.format), MEDIA_TYPES[source.format]
        )
        return AudioBody(
            head,
            source,
            form_tail(boundary),
            content_type=f"multipart/form-data; boundary={boundary}",
            encode=False,
        )
    # The generated models are built on first use: importing the package stays light.
    from openrouter_stt_models import STTRequest

    audio = {"data": "", "format": source.format}
    template = STTRequest.model_validate({"input_audio": audio, **fields})
    encoded = template.model_dump_json(exclude_none=True).encode()
    # input_audio is the model's first field, so the first "data":" is the audio's, whatever
    # the provider options hold.
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
            raise APIResponseValidationError(
                f"the {response.status_code} response is not a valid {kind}: "
                f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}",
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
            log.debug(
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
_CALL_OPTIONS: Final = frozenset({"format", "upload", "timeout", "max_retries", "extra_headers"})
_OPTIONS: Final = TranscribeOptions.__optional_keys__ | TranscribeOptions.__required_keys__


@dataclass(frozen=True, eq=False)
class Call:
    """One ``transcribe`` call, its arguments checked: the request's fields, the upload form
    asked for, the format given, the call's attempts and extra headers."""

    fields: RequestFields
    upload: UploadForm
    format: object
    attempts: Attempts
    extra_headers: Mapping[str, str] | None

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
        key = api_key if api_key is not None else os.environ.get("OPENROUTER_API_KEY")
        if not key or not key.strip():
            raise InvalidRequestError(
                "api_key: no API key; pass api_key= or set the OPENROUTER_API_KEY "
                "environment variable (keys look like 'sk-or-v1-...')",
                field="api_key",
            )
        self._api_key = key.strip()
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

    def _prepare(self, model: object, response_format: object, options: TranscribeOptions) -> Call:
        """Check a call's arguments (all but the audio), before anything is read or sent."""
        unknown = sorted(options.keys() - _OPTIONS)
        if unknown:
            # What Python says of a misspelt argument, which **options would otherwise swallow.
            raise TypeError(f"transcribe() got an unexpected keyword argument {unknown[0]!r}")
        fields = check_fields(
            model=model,
            response_format=response_format,
            **{key: value for key, value in options.items() if key not in _CALL_OPTIONS},
        )
        return Call(
            fields=fields,
            upload=check_upload(options.get("upload", DEFAULT_UPLOAD)),
            format=options.get("format"),
            attempts=self._attempts(
                options.get("timeout", NOT_GIVEN), options.get("max_retries", NOT_GIVEN)
            ),
            extra_headers=options.get("extra_headers"),
        )

    def _build_request(
        self, call: Call, body: AudioBody, content: Iterator[bytes] | AsyncIterator[bytes]
    ) -> httpx.Request:
        """One attempt's request: httpx merges its client's headers with ours and sets ``Host``;
        ``content`` iterates ``body``, whose exact length lets it go out unchunked. The body
        names its own type, which no header given replaces (a multipart boundary must match)."""
        headers = self._headers.copy()
        headers.update(call.extra_headers or {})
        headers["Content-Type"] = body.content_type
        headers["Content-Length"] = str(body.content_length)
        return self._client.build_request(
            "POST", self._url, content=content, headers=headers, timeout=call.attempts.timeout()
        )

    def _result(self, call: Call, response: httpx.Response) -> STTResponse:
        """The call's result: parsed, or unparsed when called through ``with_raw_response``."""
        raw = RawResponse(response, verbose=call.verbose)
        return cast("STTResponse", raw) if _RAW_RESPONSE.get() else raw.parse()
