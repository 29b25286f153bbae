"""The two clients. They keep the same methods in the same order, and differ only by
``async``/``await``; everything else lives in :mod:`._base`."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from ._base import (
    Attempts,
    BaseClient,
    async_to_raw_response_wrapper,
    check_fields,
    make_body,
    to_raw_response_wrapper,
)
from ._config import NOT_GIVEN, NotGiven
from ._files import aload_audio, load_audio
from ._types import AudioInput, TimeoutTypes
from .formats import AudioFormat

if TYPE_CHECKING:
    from openrouter_stt_models import STTResponse

__all__ = [
    "AsyncOpenRouterSTT",
    "AsyncTranscriptionsWithRawResponse",
    "OpenRouterSTT",
    "TranscriptionsWithRawResponse",
]


class OpenRouterSTT(BaseClient[httpx.Client]):
    """Synchronous client of OpenRouter's speech-to-text endpoint.

    >>> from openrouter_stt import OpenRouterSTT
    >>> with OpenRouterSTT() as client:  # reads OPENROUTER_API_KEY  # doctest: +SKIP
    ...     result = client.transcribe("meeting.mp3", model="openai/whisper-large-v3")
    ...     print(result.text, result.usage)

    ``api_key`` falls back to ``OPENROUTER_API_KEY``; with neither, construction raises
    :class:`InvalidRequestError` (a ``ValueError``), so a missing key shows up before any audio is
    read. ``base_url`` falls back to ``OPENROUTER_BASE_URL``, then to OpenRouter itself.

    ``timeout`` applies to each attempt (an :class:`httpx.Timeout`, a number of seconds, or
    ``None``); failed attempts are retried ``max_retries`` times (default 2) as ``retry_policy``
    says, and the policy's ``total_timeout`` bounds the whole call. ``http_client`` lets you
    bring your own :class:`httpx.Client` (proxies, transports); the client does not close a
    client it did not create. ``http_referer``, ``app_title`` and ``app_categories`` (a string
    or a list, sent comma-separated) attribute usage to your app on openrouter.ai.
    ``max_retries``, when given, overrides the ``retry_policy``'s. ``clock`` (a :class:`Clock`)
    is the seam for tests: the time, the sleep and the jitter the retries use.

    For the status code, headers and generation id of a successful call, use
    ``client.with_raw_response.transcribe(...)``, which returns a :class:`RawResponse`::

        raw = client.with_raw_response.transcribe("meeting.mp3", model="openai/whisper-1")
        print(raw.generation_id, raw.parse().text)
    """

    _http_client_class = httpx.Client

    def _new_http_client(self) -> httpx.Client:
        return httpx.Client()

    @property
    def with_raw_response(self) -> TranscriptionsWithRawResponse:
        """The same calls, returning a :class:`RawResponse` (status, headers, generation id)."""
        return TranscriptionsWithRawResponse(self)

    def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        language: str | None = None,
        temperature: float | None = None,
        format: AudioFormat | None = None,
        provider_options: Mapping[str, Mapping[str, Any]] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> STTResponse:
        """Transcribe ``audio`` (a path, bytes, or a binary file object) with ``model``.

        ``format`` is inferred from the audio's bytes, then from its file name; give it only
        for audio whose bytes carry no signature. ``language`` is an ISO-639-1 code (detected
        when omitted), ``temperature`` a number between 0 and 1, ``provider_options`` options
        keyed by provider slug. ``timeout`` and ``max_retries`` override the client's for this
        call. Invalid arguments raise :class:`InvalidRequestError` before anything is sent.

        The body is streamed: a path or file object is read chunk by chunk while sending, and
        read again from the start for each retry. A file object is read from its current
        position and left open; one that cannot seek (a pipe) is read into memory once, so
        that retries can send it again.
        """
        fields = check_fields(
            model=model,
            language=language,
            temperature=temperature,
            provider_options=provider_options,
        )
        body = make_body(load_audio(audio, format), fields)
        attempts = self._attempts(timeout, max_retries)
        while True:
            request = self._build_request(body, iter(body), attempts, extra_headers)
            try:
                response = self._send(request, attempts)
            except httpx.RequestError as exc:
                delay = attempts.retry_after_error(exc, request)
            else:
                if response.is_success:
                    return self._result(response)
                delay = attempts.retry_after_status(response)
            finally:
                body.close()
            self._clock.sleep(delay)

    def _send(self, request: httpx.Request, attempts: Attempts) -> httpx.Response:
        response = self._client.send(request, stream=True)
        try:
            attempts.watch(response)
            response.read()
        finally:
            response.close()
        return response

    def close(self) -> None:
        """Close the HTTP client, unless it was passed in as ``http_client``."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> OpenRouterSTT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncOpenRouterSTT(BaseClient[httpx.AsyncClient]):
    """Asynchronous client of OpenRouter's speech-to-text endpoint (asyncio or trio).

    >>> from openrouter_stt import AsyncOpenRouterSTT
    >>> async with AsyncOpenRouterSTT() as client:  # reads OPENROUTER_API_KEY  # doctest: +SKIP
    ...     result = await client.transcribe("meeting.mp3", model="openai/whisper-large-v3")
    ...     print(result.text)

    Takes the same arguments as :class:`OpenRouterSTT`, with an :class:`httpx.AsyncClient` as
    ``http_client``. Files are read in a worker thread, chunk by chunk, as the body is sent
    (a file of 64 KiB or less is read at once, without one).
    """

    _http_client_class = httpx.AsyncClient

    def _new_http_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient()

    @property
    def with_raw_response(self) -> AsyncTranscriptionsWithRawResponse:
        """The same calls, returning a :class:`RawResponse` (status, headers, generation id)."""
        return AsyncTranscriptionsWithRawResponse(self)

    async def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        language: str | None = None,
        temperature: float | None = None,
        format: AudioFormat | None = None,
        provider_options: Mapping[str, Mapping[str, Any]] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> STTResponse:
        """Transcribe ``audio``; see :meth:`OpenRouterSTT.transcribe`."""
        fields = check_fields(
            model=model,
            language=language,
            temperature=temperature,
            provider_options=provider_options,
        )
        body = make_body(await aload_audio(audio, format), fields)
        attempts = self._attempts(timeout, max_retries)
        while True:
            request = self._build_request(body, aiter(body), attempts, extra_headers)
            try:
                response = await self._send(request, attempts)
            except httpx.RequestError as exc:
                delay = attempts.retry_after_error(exc, request)
            else:
                if response.is_success:
                    return self._result(response)
                delay = attempts.retry_after_status(response)
            finally:
                await body.aclose()
            await self._clock.asleep(delay)

    async def _send(self, request: httpx.Request, attempts: Attempts) -> httpx.Response:
        response = await self._client.send(request, stream=True)
        try:
            attempts.watch(response)
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def aclose(self) -> None:
        """Close the HTTP client, unless it was passed in as ``http_client``."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> AsyncOpenRouterSTT:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class TranscriptionsWithRawResponse:
    """``client.with_raw_response``: its ``transcribe`` returns a :class:`RawResponse`."""

    def __init__(self, client: OpenRouterSTT) -> None:
        self.transcribe = to_raw_response_wrapper(client.transcribe)


class AsyncTranscriptionsWithRawResponse:
    """``client.with_raw_response``: its ``transcribe`` returns a :class:`RawResponse`."""

    def __init__(self, client: AsyncOpenRouterSTT) -> None:
        self.transcribe = async_to_raw_response_wrapper(client.transcribe)
