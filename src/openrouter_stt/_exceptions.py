"""Every error the client raises.

The tree::

    OpenRouterSTTError
    ├── InvalidRequestError          (also a ValueError: judged before anything is sent)
    ├── APIConnectionError           (no HTTP response: DNS, refused, reset, TLS, ...)
    │   └── APITimeoutError
    ├── APIStatusError               (a 4xx/5xx response; any undocumented status)
    │   ├── BadRequestError              400
    │   ├── AuthenticationError          401
    │   ├── PaymentRequiredError         402
    │   ├── ForbiddenError               403
    │   ├── NotFoundError                404
    │   ├── RequestTimeoutError          408
    │   ├── PayloadTooLargeError         413
    │   ├── RateLimitError               429
    │   ├── InternalServerError          500
    │   ├── BadGatewayError              502
    │   ├── ServiceUnavailableError      503
    │   ├── GatewayTimeoutError          504
    │   ├── EdgeTimeoutError             524
    │   └── ProviderOverloadedError      529
    └── APIResponseValidationError   (a 2xx body that is not an STTResponse)

Catch :class:`OpenRouterSTTError` for everything, :class:`APIStatusError` for any answer the
service refused, or a subclass for one status. Every error pickles (to cross a process pool, say)
with its attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import httpx

if TYPE_CHECKING:
    from openrouter_stt_models import ErrorData

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "EdgeTimeoutError",
    "ForbiddenError",
    "GatewayTimeoutError",
    "InternalServerError",
    "InvalidRequestError",
    "NotFoundError",
    "OpenRouterSTTError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "ProviderOverloadedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServiceUnavailableError",
    "reason_phrase",
    "status_error_class",
]


def _restore(cls: type[OpenRouterSTTError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """An error rebuilt from its pickle, without running ``__init__`` (whose keyword-only
    arguments pickle's default, ``cls(*args)``, would leave out)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class OpenRouterSTTError(Exception):
    """Base of every error this package raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args, self.__dict__))


class InvalidRequestError(OpenRouterSTTError, ValueError):
    """The call's arguments cannot make a valid request; nothing was sent.

    The message names the argument, what was wrong, and what is accepted.
    """

    field: str
    """The argument at fault, by its Python name: one of ``transcribe``'s (``audio``,
    ``format``, ``model``, ``language``, ``diarize``, ``session_id``, ...), ``url`` of an
    :class:`AudioURL`, or one the client is built with (``api_key``, ``base_url``,
    ``http_client``)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class APIConnectionError(OpenRouterSTTError):
    """The request got no HTTP response. The original httpx error is the ``__cause__``."""

    request: httpx.Request
    """The request that failed."""

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out (connecting, sending, waiting for, or reading the answer)."""

    def __init__(self, message: str = "Request timed out.", *, request: httpx.Request) -> None:
        super().__init__(message, request=request)


class APIStatusError(OpenRouterSTTError):
    """The service answered with a 4xx or 5xx status.

    Subclasses stand for the statuses OpenRouter documents; any other status raises this class.
    """

    status_code: int
    """The HTTP status of the response."""
    code: int | None
    """``error.code`` from the body (equal to the status), or ``None`` when the body has none."""
    message: str
    """``error.message`` from the body, or the best description the response allows."""
    metadata: dict[str, Any] | None
    """``error.metadata`` from the body, e.g. ``provider_name`` and ``raw`` on a 502."""
    error: ErrorData | None
    """The parsed ``error`` object, or ``None`` when the body is not OpenRouter's error shape."""
    body: object
    """The body as parsed JSON, or as text when it is not JSON; kept whatever its shape."""
    generation_id: str | None
    """The ``X-Generation-Id`` header, when the response has one."""
    response: httpx.Response
    """The HTTP response."""
    request: httpx.Request
    """The HTTP request."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        error: ErrorData | None,
    ) -> None:
        status = f"{response.status_code} {reason_phrase(response)}".strip()
        super().__init__(f"{status}: {message}")
        self.status_code = response.status_code
        self.message = message
        self.error = error
        self.code = error.code if error is not None else None
        self.metadata = error.metadata if error is not None else None
        self.body = body
        self.generation_id = response.headers.get("x-generation-id")
        self.response = response
        self.request = response.request


class BadRequestError(APIStatusError):
    """400: invalid or missing parameters, or audio the service cannot decode."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, invalid or disabled."""


class PaymentRequiredError(APIStatusError):
    """402: not enough credits for the request."""


class ForbiddenError(APIStatusError):
    """403: the key may not make this request, e.g. a guardrail policy blocks the model."""


class NotFoundError(APIStatusError):
    """404: the model has no usable endpoint."""


class RequestTimeoutError(APIStatusError):
    """408: the request did not arrive in time (a stalled upload); retried automatically."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body exceeds the size limit."""


class RateLimitError(APIStatusError):
    """429: rate limited; retried automatically, honouring ``Retry-After``."""


class InternalServerError(APIStatusError):
    """500: an unexpected error on OpenRouter's side."""


class BadGatewayError(APIStatusError):
    """502: the model's provider is down or answered invalidly (see ``metadata``)."""


class ServiceUnavailableError(APIStatusError):
    """503: no provider is available for the model."""


class GatewayTimeoutError(APIStatusError):
    """504: the provider did not answer before OpenRouter's deadline; retried automatically."""


class EdgeTimeoutError(APIStatusError):
    """524: the request timed out upstream, at OpenRouter's edge."""


class ProviderOverloadedError(APIStatusError):
    """529: the provider is temporarily overloaded."""


class APIResponseValidationError(OpenRouterSTTError):
    """A successful (2xx) response whose body is not a valid ``STTResponse``."""

    response: httpx.Response
    """The HTTP response."""
    status_code: int
    """The HTTP status of the response."""
    body: object
    """The body as parsed JSON, or as text when it is not JSON."""

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: ForbiddenError,
    404: NotFoundError,
    408: RequestTimeoutError,
    413: PayloadTooLargeError,
    429: RateLimitError,
    500: InternalServerError,
    502: BadGatewayError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
    524: EdgeTimeoutError,
    529: ProviderOverloadedError,
}

#: Phrases of the statuses OpenRouter uses that HTTP does not name (Cloudflare's 524, 529).
_REASONS: Final = {524: "A Timeout Occurred", 529: "Provider Overloaded"}


def reason_phrase(response: httpx.Response) -> str:
    """The response's reason phrase, or the one OpenRouter's documents give its own statuses."""
    return response.reason_phrase or _REASONS.get(response.status_code, "")


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The most specific :class:`APIStatusError` subclass for ``status_code``."""
    return _STATUS_ERRORS.get(status_code, APIStatusError)
