"""Defaults in one place: timeouts, the retry policy, the clock, and the "not given" sentinel;
and the checks of what a client is built with (its base URL and HTTP client)."""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from typing import Final, Literal

import anyio
import httpx

from ._exceptions import InvalidRequestError
from ._version import __version__
from ._words import arg, setting

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MODEL",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "USER_AGENT",
    "Clock",
    "NotGiven",
    "RetryPolicy",
    "check_http_client",
    "resolve_api_key",
    "resolve_base_url",
]

#: Where requests go when neither ``base_url`` nor ``OPENROUTER_BASE_URL`` says otherwise.
DEFAULT_BASE_URL: Final = "https://openrouter.ai/api/v1"
#: The model the command line uses when ``--model`` is not given.
DEFAULT_MODEL: Final = "openai/whisper-large-v3"
#: How many times a failed request is retried by default (three attempts in all).
DEFAULT_MAX_RETRIES: Final = 2
#: Per-attempt timeouts. Reading is generous because providers may take up to 60 s to answer
#: and the edge waits a little longer; writing covers uploading a large file on a slow link.
DEFAULT_TIMEOUT: Final = httpx.Timeout(connect=5.0, read=120.0, write=120.0, pool=10.0)
#: Sent as ``User-Agent`` on every request.
USER_AGENT: Final = f"openrouter-stt/{__version__}"


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried.

    The delay before retry ``n`` (counting from 0) is ``initial_delay * 2**n`` capped at
    ``max_delay``, reduced by up to ``jitter`` (a fraction) at random so that clients do not retry
    in step. A ``Retry-After`` (or ``retry-after-ms``) header replaces that delay, capped at
    ``max_retry_after``. ``total_timeout`` bounds the whole call across every attempt and sleep:
    no retry is started that would sleep past it, and each attempt's timeouts shrink to the time
    left. ``None`` means no overall bound.

    >>> policy = RetryPolicy(max_retries=5, total_timeout=30.0)
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0
    total_timeout: float | None = 600.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {self.max_retries}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter}")
        if self.total_timeout is not None and self.total_timeout <= 0:
            raise ValueError(f"total_timeout must be positive or None, got {self.total_timeout}")


class Clock:
    """Time and chance as the clients see them: the seam through which tests control both.

    The clients read :meth:`monotonic` for deadlines, :meth:`time` to read a ``Retry-After``
    date, :meth:`jitter` to spread their retries, and wait with :meth:`sleep` (sync) or
    :meth:`asleep` (async). Pass a subclass as ``clock=`` to run retries without waiting::

        class NoWait(Clock):
            def sleep(self, seconds: float) -> None:
                pass

        client = OpenRouterSTT(clock=NoWait())
    """

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        return time.monotonic()

    def time(self) -> float:
        """The current Unix time."""
        return time.time()

    def jitter(self) -> float:
        """A random fraction in [0, 1): how much of its jitter a backoff delay loses."""
        return random.random()  # noqa: S311 - spreading retries, not a secret

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (the sync client)."""
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """Wait ``seconds`` (the async client, on asyncio or trio)."""
        await anyio.sleep(seconds)


class NotGiven:
    """The type of :data:`NOT_GIVEN`: "use the client's setting", as opposed to ``None``."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


#: Default of per-call overrides such as ``timeout=``, where ``None`` already means "no timeout".
NOT_GIVEN: Final = NotGiven()


def resolve_api_key(api_key: str | None) -> str:
    """The key a client sends: ``api_key``, then ``OPENROUTER_API_KEY``, stripped.

    Raises :class:`InvalidRequestError` (field ``api_key``) when neither gives one.
    """
    key = api_key if api_key is not None else os.environ.get("OPENROUTER_API_KEY")
    if not key or not key.strip():
        raise InvalidRequestError(
            f"{arg('api_key')}: no API key; pass {setting('api_key')} or set the "
            "OPENROUTER_API_KEY environment variable (keys look like 'sk-or-v1-...')",
            field="api_key",
        )
    return key.strip()


def resolve_base_url(base_url: str | None) -> str:
    """The base URL a client sends to: ``base_url``, then ``OPENROUTER_BASE_URL``, then
    :data:`DEFAULT_BASE_URL`, without a trailing slash.

    Raises :class:`InvalidRequestError` (field ``base_url``) unless it is an absolute http or
    https URL: without a scheme, every attempt would fail as a connection error, and be retried.

    >>> resolve_base_url("http://127.0.0.1:8080/api/v1/")
    'http://127.0.0.1:8080/api/v1'
    """
    source = arg("base_url")
    if not base_url:
        from_env = os.environ.get("OPENROUTER_BASE_URL")
        if from_env:
            base_url, source = from_env, f"{source} (from OPENROUTER_BASE_URL)"
        else:
            base_url = DEFAULT_BASE_URL
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        problem = f"cannot be parsed ({exc})"
    else:
        if url.scheme not in ("http", "https"):
            problem = "has no http:// or https:// scheme"
        elif not url.host:
            problem = "has no host"
        else:
            return base_url.rstrip("/")
    raise InvalidRequestError(
        f"{source}: {base_url!r} {problem}; pass an absolute URL such as {DEFAULT_BASE_URL!r}",
        field="base_url",
    )


def check_http_client(
    http_client: object, expected: type[httpx.Client] | type[httpx.AsyncClient], owner: str
) -> None:
    """Raise :class:`InvalidRequestError` (field ``http_client``) unless ``http_client`` is an
    ``expected``: the sync client sends with an ``httpx.Client``, the async one with an
    ``httpx.AsyncClient``, and the other kind would fail only on the first call."""
    if not isinstance(http_client, expected):
        given = type(http_client)
        raise InvalidRequestError(
            f"http_client: {owner} needs an httpx.{expected.__name__}, got "
            f"{given.__module__}.{given.__qualname__}",
            field="http_client",
        )
