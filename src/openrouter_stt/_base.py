"""Logic shared by both clients, without I/O: configuration, argument checks, building the
request, reading the response, deciding retries, and translating httpx's errors."""

from __future__ import annotations

import functools
import logging
import math
import os
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import httpx
import pydantic

from ._config import (
    DEFAULT_BASE_URL,
    USER_AGENT,
    NotGiven,
    RetryPolicy,
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
from ._retry import attempt_timeout, retry_delay
from ._types import TimeoutTypes
from .formats import is_iso_639_1

if TYPE_CHECKING:
    from openrouter_stt_models import ErrorData, ProviderOptions, STTResponse

__all__ = [
    "BaseClient",
    "RawResponse",
    "RequestFields",
    "check_fields",
    "make_body",
    "make_status_error",
    "map_transport_error",
    "parse_response",
]

log = logging.getLogger("openrouter_stt")

_ENDPOINT = "/audio/transcriptions"
_DATA_MARK = b'"data":"'


@dataclass(frozen=True)
class RequestFields:
    """The checked non-audio fields of a request."""

    model: str
    language: str | None
    temperature: float | None
    provider_options: ProviderOptions | None


def check_fields(
    *,
    model: object,
    language: object,
    temperature: object,
    provider_options: object,
) -> RequestFields:
    """Check the non-audio arguments of ``transcribe``, raising :class:`InvalidRequestError`."""
    if not isinstance(model, str) or not model.strip():
        got = repr(model) if isinstance(model, str) else type(model).__name__
        raise InvalidRequestError(
            f"model: expected a non-empty model id such as 'openai/whisper-large-v3', got {got}",
            field="model",
        )
    if language is not None and (not isinstance(language, str) or not is_iso_639_1(language)):
        got = repr(language) if isinstance(language, str) else type(language).__name__
        raise InvalidRequestError(
            f"language: {got} is not an ISO-639-1 code; expected two lowercase letters such as "
            "'en' or 'ja', or None to detect the language",
            field="language",
        )
    checked_temperature: float | None = None
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
        checked_temperature = float(temperature)
    options: ProviderOptions | None = None
    if provider_options is not None:
        from openrouter_stt_models import ProviderOptions

        try:
            options = ProviderOptions.model_validate(provider_options)
        except pydantic.ValidationError:
            raise InvalidRequestError(
                "provider_options: expected a mapping from provider slug to a mapping of "
                "options, such as {'openai': {'max_tokens': 1000}}",
                field="provider_options",
            ) from None
    return RequestFields(
        model=model,
        language=language,
        temperature=checked_temperature,
        provider_options=options,
    )


def make_body(source: AudioSource, fields: RequestFields) -> AudioBody:
    """The streamed JSON body: the generated model serialised with empty audio data, with the
    base64 audio streamed in its place."""
    if fields.provider_options is None:
        # A float's repr keys the cache: -0.0 equals 0.0, yet is written differently.
        temperature = None if fields.temperature is None else repr(fields.temperature)
        head, tail = _plain_body_ends(source.format, fields.model, fields.language, temperature)
    else:
        head, tail = _body_ends(source.format, fields)
    return AudioBody(head, source, tail)


@functools.lru_cache(maxsize=64)
def _plain_body_ends(
    format: str, model: str, language: str | None, temperature: str | None
) -> tuple[bytes, bytes]:
    """:func:`_body_ends` without provider options: the calls of one program mostly share
    these, so they are serialised once."""
    fields = RequestFields(
        model=model,
        language=language,
        temperature=None if temperature is None else float(temperature),
        provider_options=None,
    )
    return _body_ends(format, fields)


def _body_ends(format: str, fields: RequestFields) -> tuple[bytes, bytes]:
    """The JSON body before and after the audio's base64."""
    # The generated models are built on first use: importing the package stays light.
    from openrouter_stt_models import STTInputAudio, STTProvider, STTRequest

    template = STTRequest(
        input_audio=STTInputAudio(data="", format=format),
        model=fields.model,
        language=fields.language,
        temperature=fields.temperature,
        provider=(
            STTProvider(options=fields.provider_options)
            if fields.provider_options is not None
            else None
        ),
    ).model_dump_json(exclude_none=True)
    encoded = template.encode()
    # input_audio is the model's first field, so the first "data":" is the audio's, whatever
    # the provider options hold.
    at = encoded.index(_DATA_MARK) + len(_DATA_MARK)
    return encoded[:at], encoded[at:]


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


def parse_response(response: httpx.Response) -> STTResponse:
    """The response as an :class:`STTResponse`, or the matching exception raised."""
    if not response.is_success:
        raise make_status_error(response)
    from openrouter_stt_models import STTResponse

    try:
        # One pass over the bytes; anything unusual (another charset, an invalid body) takes
        # the path below, which reads the body as text where it must and words the error.
        return STTResponse.model_validate_json(response.content)
    except pydantic.ValidationError:
        pass
    body = _read_body(response)
    try:
        return STTResponse.model_validate(body)
    except pydantic.ValidationError as exc:
        raise APIResponseValidationError(
            f"the {response.status_code} response is not a valid transcription: "
            f"{exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}",
            response=response,
            body=body,
        ) from None


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

    def __init__(self, http_response: httpx.Response) -> None:
        self.http_response = http_response
        """The underlying :class:`httpx.Response`, already read."""

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
        """The body as an :class:`STTResponse`; raises :class:`APIResponseValidationError`
        when it is not one."""
        return parse_response(self.http_response)

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] generation_id={self.generation_id!r}>"


def _layer(headers: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Headers keyed by their lowercased name; of two names differing only in case, the last
    wins, as it would setting them one by one."""
    return {name.lower(): (name, value) for name, value in headers.items()}


class BaseClient:
    """Configuration and request building shared by the sync and async clients."""

    base_url: str
    """Where requests go, without a trailing slash."""
    timeout: httpx.Timeout
    """Timeouts of each attempt."""
    retry_policy: RetryPolicy
    """How failed attempts are retried."""

    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str | None,
        timeout: TimeoutTypes,
        max_retries: int | NotGiven,
        retry_policy: RetryPolicy | None,
        http_referer: str | None,
        app_title: str | None,
        app_categories: str | Sequence[str] | None,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("OPENROUTER_API_KEY")
        if not key or not key.strip():
            raise InvalidRequestError(
                "api_key: no API key; pass api_key= or set the OPENROUTER_API_KEY "
                "environment variable (keys look like 'sk-or-v1-...')",
                field="api_key",
            )
        self._api_key = key.strip()
        self.base_url = (
            base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        policy = retry_policy if retry_policy is not None else RetryPolicy()
        if not isinstance(max_retries, NotGiven):
            policy = replace(policy, max_retries=max_retries)
        self.retry_policy = policy
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        if http_referer:
            headers["HTTP-Referer"] = http_referer
        if app_title:
            headers["X-OpenRouter-Title"] = app_title
        if app_categories:
            headers["X-OpenRouter-Categories"] = (
                app_categories if isinstance(app_categories, str) else ",".join(app_categories)
            )
        headers.update(default_headers or {})
        self._headers = headers
        # Prepared once: each request only lays these over the HTTP client's own headers.
        self._url = httpx.URL(self.base_url + _ENDPOINT)
        self._header_layer = _layer(headers)
        # The last merge of the HTTP client's headers with ours, keyed by the client's.
        self._merged: tuple[tuple[object, ...], httpx.Headers] | None = None
        self._clock = time.monotonic
        self._random = random.random

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _call_settings(
        self, timeout: TimeoutTypes | NotGiven, max_retries: int | NotGiven
    ) -> tuple[httpx.Timeout, RetryPolicy]:
        if isinstance(timeout, NotGiven):
            call_timeout = self.timeout
        elif isinstance(timeout, httpx.Timeout):
            call_timeout = timeout
        else:
            call_timeout = httpx.Timeout(timeout)
        policy = self.retry_policy
        if not isinstance(max_retries, NotGiven):
            policy = replace(policy, max_retries=max_retries)
        return call_timeout, policy

    def _build_request(
        self,
        body: AudioBody,
        *,
        timeout: httpx.Timeout,
        extra_headers: Mapping[str, str] | None,
        client_headers: httpx.Headers,
    ) -> httpx.Request:
        request = httpx.Request(
            "POST",
            self._url,
            headers=self._request_headers(client_headers, extra_headers),
            stream=body,
            extensions={"timeout": timeout.as_dict()},
        )
        # An exact length lets the body go out unchunked, as the service expects.
        request.headers["Content-Length"] = str(body.content_length)
        return request

    def _request_headers(
        self, client_headers: httpx.Headers, extra_headers: Mapping[str, str] | None
    ) -> httpx.Headers:
        """The request's headers, with a placeholder Content-Length in its place.

        httpx copies a :class:`httpx.Headers` given to a request, so the merge is kept and
        reused while the HTTP client's headers stay the same and the call adds none.
        """
        if extra_headers:
            return self._merge_headers(client_headers, extra_headers)
        key = (client_headers.encoding, *client_headers.raw)
        merged = self._merged
        if merged is None or merged[0] != key:
            merged = self._merged = (key, self._merge_headers(client_headers, None))
        return merged[1]

    def _merge_headers(
        self, client_headers: httpx.Headers, extra_headers: Mapping[str, str] | None
    ) -> httpx.Headers:
        # The HTTP client's own headers come first, so a client passed in keeps its settings;
        # ours replace any of the same name, and the call's extra headers replace both.
        layer = {**self._header_layer, **_layer(extra_headers or {})}
        layer["content-length"] = ("Content-Length", "0")
        pairs = [(k, v) for k, v in client_headers.multi_items() if k.lower() not in layer]
        pairs += layer.values()
        if "host" not in layer and "host" not in client_headers:
            # httpx adds Host only to requests it builds from bytes, never to a streamed one.
            pairs.insert(0, ("Host", self._url.netloc.decode("ascii")))
        return httpx.Headers(pairs)

    def _attempt_timeout(
        self, timeout: httpx.Timeout, policy: RetryPolicy, started: float
    ) -> httpx.Timeout:
        return attempt_timeout(timeout, policy, self._clock() - started)

    def _retry_delay(
        self,
        *,
        policy: RetryPolicy,
        retries_done: int,
        started: float,
        response: httpx.Response | None,
        reason: str,
    ) -> float | None:
        delay = retry_delay(
            retries_done=retries_done,
            max_retries=policy.max_retries,
            policy=policy,
            elapsed=self._clock() - started,
            status_code=response.status_code if response is not None else None,
            headers=response.headers if response is not None else None,
            now=time.time(),
            random_fraction=self._random(),
        )
        if delay is not None:
            log.debug(
                "Retrying POST %s%s in %.2f s (retry %d of %d) after %s",
                self.base_url,
                _ENDPOINT,
                delay,
                retries_done + 1,
                policy.max_retries,
                reason,
            )
        return delay
