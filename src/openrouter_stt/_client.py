"""The two clients. They keep the same methods in the same order, and differ only by
``async``/``await`` and how they sleep; everything else lives in :mod:`._base`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ._base import (
    BaseClient,
    RawResponse,
    check_fields,
    make_body,
    make_status_error,
    map_transport_error,
)
from ._config import DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven, RetryPolicy
from ._files import aload_audio, load_audio
from ._types import AudioInput, TimeoutTypes

if TYPE_CHECKING:
    from openrouter_stt_models import STTResponse

__all__ = [
    "AsyncOpenRouterSTT",
    "AsyncTranscriptionsWithRawResponse",
    "OpenRouterSTT",
    "TranscriptionsWithRawResponse",
]

_DEADLINE_PASSED = "the call's total timeout ran out while the answer was being read"


class OpenRouterSTT(BaseClient):
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
    ``max_retries``, when given, overrides the ``retry_policy``'s.

    For the status code, headers and generation id of a successful call, use
    ``client.with_raw_response.transcribe(...)``, which returns a :class:`RawResponse`::

        raw = client.with_raw_response.transcribe("meeting.mp3", model="openai/whisper-1")
        print(raw.generation_id, raw.parse().text)
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        http_referer: str | None = None,
        app_title: str | None = None,
        app_categories: str | Sequence[str] | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            http_referer=http_referer,
            app_title=app_title,
            app_categories=app_categories,
            default_headers=default_headers,
        )
        self._owns_client = http_client is None
        self._client = http_client if http_client is not None else httpx.Client()
        self._sleep = time.sleep

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
        format: str | None = None,
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
        return self._transcribe(
            audio,
            model=model,
            language=language,
            temperature=temperature,
            format=format,
            provider_options=provider_options,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        ).parse()

    def _transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        language: str | None,
        temperature: float | None,
        format: str | None,
        provider_options: Mapping[str, Mapping[str, Any]] | None,
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
        extra_headers: Mapping[str, str] | None,
    ) -> RawResponse:
        fields = check_fields(
            model=model,
            language=language,
            temperature=temperature,
            provider_options=provider_options,
        )
        source = load_audio(audio, format)
        call_timeout, policy = self._call_settings(timeout, max_retries)
        started = self._clock()
        deadline = None if policy.total_timeout is None else started + policy.total_timeout
        retries_done = 0
        while True:
            body = make_body(source, fields)
            request = self._build_request(
                body,
                timeout=self._attempt_timeout(call_timeout, policy, started),
                extra_headers=extra_headers,
                client_headers=self._client.headers,
            )
            try:
                response = self._send(request, deadline)
            except httpx.RequestError as exc:
                error = map_transport_error(exc, request)
                delay = self._retry_delay(
                    policy=policy,
                    retries_done=retries_done,
                    started=started,
                    response=None,
                    reason=type(exc).__name__,
                )
                if delay is None:
                    raise error from exc
            else:
                if response.is_success:
                    return RawResponse(response)
                delay = self._retry_delay(
                    policy=policy,
                    retries_done=retries_done,
                    started=started,
                    response=response,
                    reason=f"status {response.status_code}",
                )
                if delay is None:
                    raise make_status_error(response)
            finally:
                body.close()
            self._sleep(delay)
            retries_done += 1

    def _send(self, request: httpx.Request, deadline: float | None) -> httpx.Response:
        # httpx's read timeout bounds each read, not the whole answer: a body that trickles in
        # would outlast the call's deadline, so it is read here with an eye on the clock.
        response = self._client.send(request, stream=True)
        try:
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if deadline is not None and self._clock() > deadline:
                    raise httpx.ReadTimeout(_DEADLINE_PASSED, request=request)
        finally:
            response.close()
        response._content = b"".join(chunks)  # what response.read() would keep
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


class AsyncOpenRouterSTT(BaseClient):
    """Asynchronous client of OpenRouter's speech-to-text endpoint (asyncio or trio).

    >>> from openrouter_stt import AsyncOpenRouterSTT
    >>> async with AsyncOpenRouterSTT() as client:  # reads OPENROUTER_API_KEY  # doctest: +SKIP
    ...     result = await client.transcribe("meeting.mp3", model="openai/whisper-large-v3")
    ...     print(result.text)

    Takes the same arguments as :class:`OpenRouterSTT`, with an :class:`httpx.AsyncClient` as
    ``http_client``. Files are read in a worker thread, chunk by chunk, as the body is sent
    (a file of 64 KiB or less is read at once, without one).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        http_referer: str | None = None,
        app_title: str | None = None,
        app_categories: str | Sequence[str] | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            http_referer=http_referer,
            app_title=app_title,
            app_categories=app_categories,
            default_headers=default_headers,
        )
        self._owns_client = http_client is None
        self._client = http_client if http_client is not None else httpx.AsyncClient()
        self._sleep = anyio.sleep

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
        format: str | None = None,
        provider_options: Mapping[str, Mapping[str, Any]] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,  # noqa: ASYNC109 - an httpx timeout per attempt
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> STTResponse:
        """Transcribe ``audio``; see :meth:`OpenRouterSTT.transcribe`."""
        raw = await self._transcribe(
            audio,
            model=model,
            language=language,
            temperature=temperature,
            format=format,
            provider_options=provider_options,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )
        return raw.parse()

    async def _transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        language: str | None,
        temperature: float | None,
        format: str | None,
        provider_options: Mapping[str, Mapping[str, Any]] | None,
        timeout: TimeoutTypes | NotGiven,  # noqa: ASYNC109 - an httpx timeout per attempt
        max_retries: int | NotGiven,
        extra_headers: Mapping[str, str] | None,
    ) -> RawResponse:
        fields = check_fields(
            model=model,
            language=language,
            temperature=temperature,
            provider_options=provider_options,
        )
        source = await aload_audio(audio, format)
        call_timeout, policy = self._call_settings(timeout, max_retries)
        started = self._clock()
        deadline = None if policy.total_timeout is None else started + policy.total_timeout
        retries_done = 0
        while True:
            body = make_body(source, fields)
            request = self._build_request(
                body,
                timeout=self._attempt_timeout(call_timeout, policy, started),
                extra_headers=extra_headers,
                client_headers=self._client.headers,
            )
            try:
                response = await self._send(request, deadline)
            except httpx.RequestError as exc:
                error = map_transport_error(exc, request)
                delay = self._retry_delay(
                    policy=policy,
                    retries_done=retries_done,
                    started=started,
                    response=None,
                    reason=type(exc).__name__,
                )
                if delay is None:
                    raise error from exc
            else:
                if response.is_success:
                    return RawResponse(response)
                delay = self._retry_delay(
                    policy=policy,
                    retries_done=retries_done,
                    started=started,
                    response=response,
                    reason=f"status {response.status_code}",
                )
                if delay is None:
                    raise make_status_error(response)
            finally:
                await body.aclose()
            await self._sleep(delay)
            retries_done += 1

    async def _send(self, request: httpx.Request, deadline: float | None) -> httpx.Response:
        # httpx's read timeout bounds each read, not the whole answer: a body that trickles in
        # would outlast the call's deadline, so it is read here with an eye on the clock.
        response = await self._client.send(request, stream=True)
        try:
            chunks = []
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                if deadline is not None and self._clock() > deadline:
                    raise httpx.ReadTimeout(_DEADLINE_PASSED, request=request)
        finally:
            await response.aclose()
        response._content = b"".join(chunks)  # what response.aread() would keep
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
    """``client.with_raw_response``: :meth:`transcribe` returns a :class:`RawResponse`."""

    def __init__(self, client: OpenRouterSTT) -> None:
        self._client = client

    def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        language: str | None = None,
        temperature: float | None = None,
        format: str | None = None,
        provider_options: Mapping[str, Mapping[str, Any]] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse:
        """As :meth:`OpenRouterSTT.transcribe`, returning the response unparsed."""
        return self._client._transcribe(
            audio,
            model=model,
            language=language,
            temperature=temperature,
            format=format,
            provider_options=provider_options,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )


class AsyncTranscriptionsWithRawResponse:
    """``client.with_raw_response``: :meth:`transcribe` returns a :class:`RawResponse`."""

    def __init__(self, client: AsyncOpenRouterSTT) -> None:
        self._client = client

    async def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        language: str | None = None,
        temperature: float | None = None,
        format: str | None = None,
        provider_options: Mapping[str, Mapping[str, Any]] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,  # noqa: ASYNC109 - an httpx timeout per attempt
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RawResponse:
        """As :meth:`AsyncOpenRouterSTT.transcribe`, returning the response unparsed."""
        return await self._client._transcribe(
            audio,
            model=model,
            language=language,
            temperature=temperature,
            format=format,
            provider_options=provider_options,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )
