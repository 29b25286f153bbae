"""What both clients share, without I/O: their configuration, a call's checked arguments, each
attempt's request and the call's result. The checks, the body, the answer's reading and the
retry bookkeeping have modules of their own."""

from __future__ import annotations

import abc
import copy
import logging
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar, Final, Generic, TypeVar, cast

import httpx

from ._attempts import Attempts
from ._checks import RequestFields, check_extra_body, check_fields, check_upload
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
from ._files import RequestBody
from ._response import RAW_RESPONSE, RawResponse
from ._types import TimeoutTypes, TranscribeOptions, UploadForm
from ._url import AudioURL, URLSource, resolve_url

if TYPE_CHECKING:
    from typing_extensions import Self

    from openrouter_stt_models import STTResponse

__all__ = ["DEFAULT_UPLOAD", "BaseClient", "Call"]

# The package's name: "openrouter_stt", or a vendored copy's own ("acme._vendor.openrouter_stt").
log = logging.getLogger(__name__.rpartition(".")[0])

_ENDPOINT = "/audio/transcriptions"

_HttpT = TypeVar("_HttpT", httpx.Client, httpx.AsyncClient)


#: The upload form of a call that names none.
DEFAULT_UPLOAD: Final[UploadForm] = "auto"

#: The options of ``transcribe`` that shape the call rather than the request's fields.
_CALL_OPTIONS: Final = frozenset(
    {"format", "upload", "timeout", "max_retries", "extra_headers", "extra_query", "extra_body"}
)
_OPTIONS: Final = TranscribeOptions.__optional_keys__ | TranscribeOptions.__required_keys__


# Not frozen: a frozen dataclass takes 2.5 times as long to make, on every call.
@dataclass(eq=False, slots=True)
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
        if not options.keys() <= _OPTIONS:
            # What Python says of a misspelt argument, which **options would otherwise swallow.
            unknown = min(options.keys() - _OPTIONS)
            raise TypeError(f"transcribe() got an unexpected keyword argument {unknown!r}")
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
        ``content`` iterates ``body``, whose exact length lets it go out unchunked, unless the
        body is whole in memory and goes as bytes. The body names its own type, which no header
        given replaces (a multipart boundary must match)."""
        headers = self._headers.copy()
        if call.extra_headers:
            headers.update(call.extra_headers)
        headers["Content-Type"] = body.content_type
        headers["Content-Length"] = str(body.content_length)
        whole = body.whole()
        request = self._client.build_request(
            "POST",
            self._url,
            content=whole if whole is not None else content,
            headers=headers,
            params=call.extra_query,
            timeout=call.attempts.timeout(),
        )
        if log.isEnabledFor(logging.DEBUG):  # spares building the arguments of every call
            log.debug(
                "Sending POST %s (%s, %d bytes)",
                request.url,
                body.content_type.partition(";")[0],
                body.content_length,
            )
        return request

    def _result(self, call: Call, response: httpx.Response) -> STTResponse:
        """The call's result: parsed, or unparsed when called through ``with_raw_response``."""
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "Received %d from POST %s (generation %s)",
                response.status_code,
                response.request.url,
                response.headers.get("x-generation-id"),
            )
        raw = RawResponse(response, verbose=call.verbose)
        return cast("STTResponse", raw) if RAW_RESPONSE.get() else raw.parse()
