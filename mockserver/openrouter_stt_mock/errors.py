"""Errors the mock answers with, each rendered as the spec's error body.

Every class fixes its HTTP status; :func:`error_response` turns any of them into the shared body,
built with the same generated ``ErrorResponse`` model the client parses, so both sides agree on it::

    MockError
    ├── BadRequestError            400  (metadata names the field, what was wrong, what is accepted)
    ├── UnauthorizedError          401
    ├── PaymentRequiredError       402
    ├── ModelNotFoundError         404
    ├── PayloadTooLargeError       413
    ├── RateLimitedError           429  (Retry-After, X-RateLimit-*)
    ├── InternalServerError         500  (message always masked)
    ├── BadGatewayError            502  (metadata: provider_name, raw)
    ├── ServiceUnavailableError    503  (Retry-After)
    ├── EdgeTimeoutError           524
    └── ProviderOverloadedError    529
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

import orjson
from starlette.responses import Response

from openrouter_stt_models import ErrorData, ErrorResponse

__all__ = [
    "BadGatewayError",
    "BadRequestError",
    "EdgeTimeoutError",
    "InternalServerError",
    "MockError",
    "ModelNotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "ProviderOverloadedError",
    "RateLimitedError",
    "ServiceUnavailableError",
    "UnauthorizedError",
    "error_body",
    "error_response",
    "json_response",
]


#: The most characters of an error message, and of the request text a 400 repeats: a huge field
#: must not come back in the answer (or stay in the journal) at several times its size.
_MESSAGE_LIMIT: Final = 1000
_ECHO_LIMIT: Final = 200


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters in all)"


class MockError(Exception):
    """An error answer: status, message, optional metadata and extra response headers."""

    status: ClassVar[int] = 500

    def __init__(
        self,
        message: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        message = _clip(message, _MESSAGE_LIMIT)
        super().__init__(message)
        self.message = message
        self.metadata = dict(metadata) if metadata is not None else None
        self.headers = dict(headers or {})


class BadRequestError(MockError):
    """400: invalid or missing parameters, bad base64, audio that is not its declared format."""

    status = 400

    def __init__(self, field: str, problem: str, accepted: str) -> None:
        field, problem = _clip(field, _ECHO_LIMIT), _clip(problem, _ECHO_LIMIT)
        super().__init__(
            f"{field}: {problem}; expected {accepted}",
            metadata={"field": field, "problem": problem, "accepted": accepted},
        )
        self.field = field


class UnauthorizedError(MockError):
    """401: missing, malformed, unknown or disabled API key."""

    status = 401


class PaymentRequiredError(MockError):
    """402: not enough credit for the request."""

    status = 402


class ModelNotFoundError(MockError):
    """404: no such model, or no endpoint for it."""

    status = 404


class PayloadTooLargeError(MockError):
    """413: the request body exceeds the world's limit."""

    status = 413


class RateLimitedError(MockError):
    """429: the key's rate limit is spent for the current window."""

    status = 429


class InternalServerError(MockError):
    """500: an unexpected fault in the mock; the message is always masked."""

    status = 500

    def __init__(self, message: str = "Internal Server Error") -> None:
        super().__init__(message)


class BadGatewayError(MockError):
    """502: the provider failed or answered invalidly."""

    status = 502


class ServiceUnavailableError(MockError):
    """503: no provider is available for the model."""

    status = 503


class EdgeTimeoutError(MockError):
    """524: the provider did not answer within the upstream timeout."""

    status = 524


class ProviderOverloadedError(MockError):
    """529: the provider is at capacity."""

    status = 529


def error_body(status: int, message: str, metadata: Mapping[str, Any] | None = None) -> bytes:
    """The spec's error body for ``status`` as JSON bytes, built with the generated models."""
    body = ErrorResponse(
        error=ErrorData(
            code=status, message=message, metadata=dict(metadata) if metadata else None
        ),
        user_id=None,
    )
    return orjson.dumps(body.model_dump(mode="json"))


def error_response(exc: MockError) -> Response:
    """Render ``exc`` as a response in the spec's error shape."""
    return json_response(exc.status, error_body(exc.status, exc.message, exc.metadata), exc.headers)


def json_response(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response from already serialised ``body``."""
    return Response(
        body, status_code=status, headers=dict(headers or {}), media_type="application/json"
    )
