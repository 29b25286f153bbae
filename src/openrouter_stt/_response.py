"""Reading an answer: a success as a :class:`RawResponse` (parsed on demand, or handed over as
it is through ``with_raw_response``), an error status or an httpx error translated into the
most specific of our exceptions."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, ParamSpec, cast

import httpx
import pydantic

from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    status_error_class,
)

if TYPE_CHECKING:
    from openrouter_stt_models import ErrorData, STTResponse

__all__ = [
    "RAW_RESPONSE",
    "RawResponse",
    "async_to_raw_response_wrapper",
    "make_status_error",
    "map_transport_error",
    "to_raw_response_wrapper",
]

_P = ParamSpec("_P")


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


#: Set while ``with_raw_response`` runs a call: its result is the :class:`RawResponse`, unparsed.
RAW_RESPONSE: ContextVar[bool] = ContextVar("openrouter_stt_raw_response", default=False)


def to_raw_response_wrapper(func: Callable[_P, STTResponse]) -> Callable[_P, RawResponse]:
    """``func`` (a client's ``transcribe``) returning the :class:`RawResponse` it read instead
    of parsing it; the parameters stay those ``func`` declares."""

    @functools.wraps(func)
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse:
        token = RAW_RESPONSE.set(True)
        try:
            return cast("RawResponse", func(*args, **kwargs))
        finally:
            RAW_RESPONSE.reset(token)

    return wrapped


def async_to_raw_response_wrapper(
    func: Callable[_P, Awaitable[STTResponse]],
) -> Callable[_P, Awaitable[RawResponse]]:
    """:func:`to_raw_response_wrapper` for the async client's ``transcribe``."""

    @functools.wraps(func)
    async def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse:
        token = RAW_RESPONSE.set(True)
        try:
            return cast("RawResponse", await func(*args, **kwargs))
        finally:
            RAW_RESPONSE.reset(token)

    return wrapped
