"""Typed sync and async client for OpenRouter's speech-to-text endpoint.

>>> from openrouter_stt import OpenRouterSTT
>>> client = OpenRouterSTT()  # reads OPENROUTER_API_KEY  # doctest: +SKIP
>>> client.transcribe("hello.wav", model="openai/whisper-large-v3").text  # doctest: +SKIP
"""

from openrouter_stt_models import STTResponse, STTUsage

from ._base import RawResponse
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
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    OpenRouterSTTError,
    PayloadTooLargeError,
    PaymentRequiredError,
    ProviderOverloadedError,
    RateLimitError,
    ServiceUnavailableError,
)
from ._formats import AUDIO_FORMATS, AudioFormat
from ._types import AudioInput
from ._version import __version__

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
    "AuthenticationError",
    "BadGatewayError",
    "BadRequestError",
    "EdgeTimeoutError",
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
    "RetryPolicy",
    "STTResponse",
    "STTUsage",
    "ServiceUnavailableError",
    "TranscriptionsWithRawResponse",
    "__version__",
]

# Tracebacks and reprs show the public path (openrouter_stt.RateLimitError), not the private
# module. The generated models keep their own module: they live in openrouter_stt_models.
_locals = locals()
for _name in __all__:
    _obj = _locals[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("openrouter_stt._"):
        _obj.__module__ = __name__
del _locals, _name, _obj
