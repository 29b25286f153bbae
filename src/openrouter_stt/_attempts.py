"""The bookkeeping of one call's attempts, without I/O: the deadline over them all, each
attempt's timeouts, and after a failure the delay before the next or the error to raise."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import httpx

from ._config import Clock, RetryPolicy
from ._response import make_status_error, map_transport_error
from ._retry import attempt_timeout, retry_delay

__all__ = ["Attempts"]

# The package's name: "openrouter_stt", or a vendored copy's own ("acme._vendor.openrouter_stt").
log = logging.getLogger(__name__.rpartition(".")[0])

_DEADLINE_PASSED = "the call's total timeout ran out while the answer was being read"


class _DeadlineStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that stops with :class:`httpx.ReadTimeout` once the call's deadline has
    passed: httpx's read timeout bounds each read, not the whole answer, so a body that trickles
    in would otherwise outlast the deadline."""

    def __init__(
        self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, check: Callable[[], None]
    ) -> None:
        self._stream = stream
        self._check = check

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._stream, httpx.SyncByteStream)
        for chunk in self._stream:
            self._check()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        async for chunk in self._stream:
            self._check()
            yield chunk

    def close(self) -> None:
        assert isinstance(self._stream, httpx.SyncByteStream)
        self._stream.close()

    async def aclose(self) -> None:
        assert isinstance(self._stream, httpx.AsyncByteStream)
        await self._stream.aclose()


class Attempts:
    """The bookkeeping of one call's attempts, without I/O, so that the sync and async loops
    only send and sleep: the deadline, each attempt's timeouts, the retries made, and after a
    failure either the delay before the next attempt (logged) or the error to raise."""

    def __init__(
        self, timeout: httpx.Timeout, policy: RetryPolicy, clock: Clock, url: httpx.URL
    ) -> None:
        self._timeout = timeout
        self._policy = policy
        self._clock = clock
        self._url = url
        self._started = clock.monotonic()
        self._retries = 0

    def timeout(self) -> httpx.Timeout:
        """The next attempt's timeouts: the call's, shrunk to the time left overall."""
        return attempt_timeout(self._timeout, self._policy, self._elapsed())

    def watch(self, response: httpx.Response) -> None:
        """Make reading ``response``'s body give up once the call's deadline has passed."""
        if self._policy.total_timeout is not None:
            check = functools.partial(self._check_deadline, response.request)
            response.stream = _DeadlineStream(response.stream, check)

    def retry_after_error(self, exc: httpx.RequestError, request: httpx.Request) -> float:
        """Seconds to wait before retrying after ``exc``; raises it, translated, when the call
        must end."""
        delay = self._retry(None, type(exc).__name__)
        if delay is None:
            raise map_transport_error(exc, request) from exc
        return delay

    def retry_after_status(self, response: httpx.Response) -> float:
        """Seconds to wait before retrying after an error status; raises the matching
        :class:`APIStatusError` when the call must end."""
        delay = self._retry(response, f"status {response.status_code}")
        if delay is None:
            raise make_status_error(response)
        return delay

    def _elapsed(self) -> float:
        return self._clock.monotonic() - self._started

    def _check_deadline(self, request: httpx.Request) -> None:
        total = self._policy.total_timeout
        if total is not None and self._elapsed() > total:
            raise httpx.ReadTimeout(_DEADLINE_PASSED, request=request)

    def _retry(self, response: httpx.Response | None, reason: str) -> float | None:
        delay = retry_delay(
            retries_done=self._retries,
            max_retries=self._policy.max_retries,
            policy=self._policy,
            elapsed=self._elapsed(),
            status_code=response.status_code if response is not None else None,
            headers=response.headers if response is not None else None,
            now=self._clock.time(),
            random_fraction=self._clock.jitter(),
        )
        if delay is not None:
            self._retries += 1
            log.info(
                "Retrying POST %s in %.2f s (retry %d of %d) after %s",
                self._url,
                delay,
                self._retries,
                self._policy.max_retries,
                reason,
            )
        return delay
