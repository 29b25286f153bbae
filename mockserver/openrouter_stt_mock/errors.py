"""The one error the mock answers with, rendered as the spec's error body.

A :class:`MockError` carries its status, message, optional metadata and extra response headers,
as Starlette's ``HTTPException`` carries ``status_code``, ``detail`` and ``headers``: statuses
are values, not classes. :func:`bad_request` builds the field-precise 400. :func:`error_response`
renders any of them with the same generated ``ErrorResponse`` model the client parses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson
from starlette.responses import Response

from openrouter_stt_models import ErrorData, ErrorResponse

__all__ = ["MockError", "bad_request", "error_body", "error_response", "json_response"]

#: The most characters of an error message, and of the request text a 400 repeats: a huge field
#: must not come back in the answer (or stay in the journal) at several times its size.
_MESSAGE_LIMIT: Final = 1000
_ECHO_LIMIT: Final = 200


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters in all)"


class MockError(Exception):
    """An error answer: HTTP status, message, optional metadata and extra response headers.

    >>> MockError(404, "Model 'x' not found").status
    404
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        message = _clip(message, _MESSAGE_LIMIT)
        super().__init__(message)
        self.status = status
        self.message = message
        self.metadata = dict(metadata) if metadata is not None else None
        self.headers = dict(headers or {})

    def __repr__(self) -> str:
        return f"MockError({self.status}, {self.message!r})"


def bad_request(field: str, problem: str, accepted: str) -> MockError:
    """A 400 naming the field (a dotted path), what was wrong with it, and what is accepted."""
    field, problem = _clip(field, _ECHO_LIMIT), _clip(problem, _ECHO_LIMIT)
    return MockError(
        400,
        f"{field}: {problem}; expected {accepted}",
        metadata={"field": field, "problem": problem, "accepted": accepted},
    )


def error_body(status: int, message: str, metadata: Mapping[str, Any] | None = None) -> bytes:
    """The spec's error body for ``status`` as JSON bytes, built with the generated models."""
    body = ErrorResponse(
        error=ErrorData(
            code=status, message=message, metadata=dict(metadata) if metadata else None
        ),
        user_id=None,
    )
    # openrouter_metadata is left out rather than sent as null: the mock has none to give.
    return orjson.dumps(body.model_dump(mode="json", exclude={"openrouter_metadata"}))


def error_response(exc: MockError) -> Response:
    """Render ``exc`` as a response in the spec's error shape."""
    return json_response(exc.status, error_body(exc.status, exc.message, exc.metadata), exc.headers)


def json_response(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response from already serialised ``body``."""
    return Response(
        body, status_code=status, headers=dict(headers or {}), media_type="application/json"
    )
