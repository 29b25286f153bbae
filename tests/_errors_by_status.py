"""CONTRACT §4 as data: the exception class users catch for each documented error status.

Written out here, apart from the client's own mapping, so that tests check the client against the
contract rather than against itself.
"""

from __future__ import annotations

from openrouter_stt import (
    APIStatusError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    EdgeTimeoutError,
    ForbiddenError,
    GatewayTimeoutError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    ProviderOverloadedError,
    RateLimitError,
    RequestTimeoutError,
    ServiceUnavailableError,
)

ERRORS_BY_STATUS: dict[int, type[APIStatusError]] = {
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
