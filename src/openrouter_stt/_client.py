"""The two clients. They keep the same methods in the same order, and differ only by
``async``/``await``; everything else lives in modules without I/O (:mod:`._base`, :mod:`._checks`,
:mod:`._body`, :mod:`._response`, :mod:`._attempts`)."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Literal, overload

import httpx

from ._attempts import Attempts
from ._base import BaseClient
from ._body import make_body
from ._files import aload_audio, load_audio
from ._response import async_to_raw_response_wrapper, to_raw_response_wrapper
from ._types import AudioInput, TranscribeOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from openrouter_stt_models import STTResponse, STTResponseFormat, STTVerboseResponse

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

    # The first two declare the result's type for a type checker; the options are declared once,
    # in TranscribeOptions.
    @overload
    def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        response_format: Literal["verbose_json"],
        **options: Unpack[TranscribeOptions],
    ) -> STTVerboseResponse: ...
    @overload
    def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        response_format: Literal["json"] | None = None,
        **options: Unpack[TranscribeOptions],
    ) -> STTResponse: ...
    def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        response_format: STTResponseFormat | None = None,
        **options: Unpack[TranscribeOptions],
    ) -> STTResponse:
        """Transcribe ``audio`` (a path, bytes, a binary file object, or an
        :class:`AudioURL` the provider downloads) with ``model``.

        ``response_format="verbose_json"`` returns an :class:`STTVerboseResponse`, with the
        task, language, duration and timestamped segments, and the words when
        ``timestamp_granularities`` (a list of ``"segment"`` and ``"word"``) asks for them;
        granularities without ``verbose_json`` are refused, as they would bring nothing.
        ``diarize=True`` labels each word and segment with its speaker (``speaker_label``); it
        too needs ``verbose_json``, and brings the words without asking.

        ``format`` is inferred from the audio's bytes, then from its file name (for a URL, from
        its path); give it only when neither tells it. ``language`` is an ISO-639-1 code
        (detected when omitted), ``temperature`` a number between 0 and 1, ``keyterms`` the
        names and terms to recognise (a list of strings). ``session_id`` (at most 256
        characters) groups related requests, ``user`` names your end-user, ``trace`` (a mapping:
        ``trace_id``, ``trace_name``, ``span_name``, ``generation_name``, ``parent_span_id``
        and keys of your own) goes to your observability tools; none reaches the provider.
        ``provider_zdr=True`` routes only to zero-data-retention endpoints,
        ``provider_data_collection="deny"`` only to providers that keep no data, and
        ``provider_options`` passes options keyed by provider slug. Only some models diarize,
        take keyterms or audio by URL; others answer 400.

        ``timeout`` and ``max_retries`` override the client's for this call;
        ``extra_headers`` add to (or replace) the headers sent, ``extra_query`` adds query
        parameters, and ``extra_body`` adds fields this client does not know yet (or replaces
        its own): top-level keys of the JSON body, or text parts of the form (a string as it
        is, anything else as JSON). Invalid arguments raise :class:`InvalidRequestError`
        before anything is sent.

        ``upload`` picks the body's form: ``"json"`` (base64 audio in JSON, any size),
        ``"multipart"`` (multipart/form-data, the audio as it is: a quarter fewer bytes, at
        most 25 MB), or ``"auto"``, the default: multipart when it can carry the call, else
        JSON. The file part is named and typed after the audio's format (``audio.wav``,
        ``audio/wav``) even for bytes or a nameless file object. Audio by URL goes as the
        ``source_url`` part, or in JSON when it needs a ``format`` its path does not say.

        The body is streamed: a path or file object is read chunk by chunk while sending, and
        read again from the start for each retry. A file object is read from its current
        position and left open; one that cannot seek (a pipe) is read into memory once, so
        that retries can send it again.
        """
        call = self._prepare(audio, model, response_format, options)
        source = call.url or load_audio(audio, call.format)
        body = make_body(source, call.fields, call.upload, call.extra_body)
        while True:
            request = self._build_request(call, body, iter(body))
            try:
                response = self._send(request, call.attempts)
            except httpx.RequestError as exc:
                delay = call.attempts.retry_after_error(exc, request)
            else:
                if response.is_success:
                    return self._result(call, response)
                delay = call.attempts.retry_after_status(response)
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

    @overload
    async def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        response_format: Literal["verbose_json"],
        **options: Unpack[TranscribeOptions],
    ) -> STTVerboseResponse: ...
    @overload
    async def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        response_format: Literal["json"] | None = None,
        **options: Unpack[TranscribeOptions],
    ) -> STTResponse: ...
    async def transcribe(
        self,
        audio: AudioInput,
        *,
        model: str,
        response_format: STTResponseFormat | None = None,
        **options: Unpack[TranscribeOptions],
    ) -> STTResponse:
        """Transcribe ``audio``; see :meth:`OpenRouterSTT.transcribe`."""
        call = self._prepare(audio, model, response_format, options)
        source = call.url or await aload_audio(audio, call.format)
        body = make_body(source, call.fields, call.upload, call.extra_body)
        while True:
            request = self._build_request(call, body, aiter(body))
            try:
                response = await self._send(request, call.attempts)
            except httpx.RequestError as exc:
                delay = call.attempts.retry_after_error(exc, request)
            else:
                if response.is_success:
                    return self._result(call, response)
                delay = call.attempts.retry_after_status(response)
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
