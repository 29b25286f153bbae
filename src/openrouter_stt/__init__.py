"""Typed sync and async client for OpenRouter's speech-to-text endpoint.

>>> from openrouter_stt import OpenRouterSTT
>>> client = OpenRouterSTT()  # reads OPENROUTER_API_KEY  # doctest: +SKIP
>>> client.transcribe("hello.wav", model="openai/whisper-large-v3").text  # doctest: +SKIP
"""

import typing as _typing

from ._client import (
    AsyncOpenRouterSTT,
    AsyncTranscriptionsWithRawResponse,
    OpenRouterSTT,
    TranscriptionsWithRawResponse,
)
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MODEL,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    Clock,
    NotGiven,
    RetryPolicy,
)
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    EdgeTimeoutError,
    ForbiddenError,
    GatewayTimeoutError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    OpenRouterSTTError,
    PayloadTooLargeError,
    PaymentRequiredError,
    ProviderOverloadedError,
    RateLimitError,
    RequestTimeoutError,
    ServiceUnavailableError,
)
from ._logs import setup_logging as _setup_logging
from ._response import RawResponse
from ._types import AudioInput, DataCollection
from ._url import AudioURL
from ._version import __version__
from .formats import AUDIO_FORMATS, AudioFormat

if _typing.TYPE_CHECKING:
    from openrouter_stt_models import (
        STTEntity,
        STTResponse,
        STTSegment,
        STTUsage,
        STTVerboseResponse,
        STTWord,
    )

__all__ = [
    "AUDIO_FORMATS",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MODEL",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncOpenRouterSTT",
    "AsyncTranscriptionsWithRawResponse",
    "AudioFormat",
    "AudioInput",
    "AudioURL",
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "Clock",
    "DataCollection",
    "EdgeTimeoutError",
    "ForbiddenError",
    "GatewayTimeoutError",
    "InternalServerError",
    "InvalidRequestError",
    "NotFoundError",
    "NotGiven",
    "OpenRouterSTT",
    "OpenRouterSTTError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "ProviderOverloadedError",
    "RateLimitError",
    "RawResponse",
    "RequestTimeoutError",
    "RetryPolicy",
    "STTEntity",
    "STTResponse",
    "STTSegment",
    "STTUsage",
    "STTVerboseResponse",
    "STTWord",
    "ServiceUnavailableError",
    "TranscriptionsWithRawResponse",
    "__version__",
]

#: Re-exported from the generated models, which are built on first use: importing pydantic's
#: model machinery would otherwise cost more than importing httpx and pydantic together.
_FROM_MODELS = frozenset(
    {"STTEntity", "STTResponse", "STTSegment", "STTUsage", "STTVerboseResponse", "STTWord"}
)


if not _typing.TYPE_CHECKING:  # type checkers see the imports above, and no catch-all

    def __getattr__(name: str) -> _typing.Any:
        """The models' names, imported on first use (then kept in the module like any other)."""
        if name in _FROM_MODELS:
            import openrouter_stt_models as models

            found = {model: getattr(models, model) for model in _FROM_MODELS}
            globals().update(found)
            return found[name]
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        """Every name of the module, the ones not yet imported included."""
        return sorted(set(globals()) | _FROM_MODELS)


# Tracebacks and reprs show the public path (openrouter_stt.RateLimitError), not the private
# module; a vendored copy shows its own (acme._vendor.openrouter_stt.RateLimitError). The
# generated models keep their own module: they live in openrouter_stt_models.
_locals = locals()
for _name in __all__:
    _obj = _locals.get(_name)
    if isinstance(_obj, type) and _obj.__module__.startswith(__name__ + "._"):
        _obj.__module__ = __name__
del _locals, _name, _obj

# OPENROUTER_LOG=debug|info turns the package's logger on; a vendored copy reads it too.
_setup_logging(__name__)
