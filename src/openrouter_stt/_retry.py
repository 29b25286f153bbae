"""Retry decisions as pure functions: no clock, no sleep, no randomness of their own.

The clients measure time, draw the random jitter and sleep; everything they decide goes through
:func:`retry_delay` and :func:`attempt_timeout`, so the decisions can be tested exhaustively.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping
from typing import Final

import httpx

from ._config import RetryPolicy

__all__ = [
    "RETRYABLE_STATUS_CODES",
    "attempt_timeout",
    "backoff_delay",
    "is_retryable_status",
    "parse_retry_after",
    "retry_delay",
]

#: Statuses that say "try again later": request timeout, rate limit, and server-side failures
#: that are usually transient (a gateway timeout, 504, as the edge's 524). 4xx errors about the
#: request itself would fail again.
RETRYABLE_STATUS_CODES: Final = frozenset({408, 429, 500, 502, 503, 504, 524, 529})


def is_retryable_status(status_code: int) -> bool:
    """Whether a response with ``status_code`` is worth retrying."""
    return status_code in RETRYABLE_STATUS_CODES


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait according to ``retry-after-ms`` or ``Retry-After``, or ``None``.

    ``Retry-After`` may be a number of seconds or an HTTP date; ``now`` (a Unix timestamp)
    turns a date into seconds. A negative, non-finite or unreadable value gives ``None``.
    ``headers`` must look names up case-insensitively, as :class:`httpx.Headers` does.
    """
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            millis = float(raw_ms)
        except ValueError:
            millis = math.nan
        if math.isfinite(millis) and millis >= 0:
            return millis / 1000.0
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is GMT even when it fails to say so
            return None
        seconds = max(0.0, when.timestamp() - now)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def backoff_delay(retry: int, policy: RetryPolicy, random_fraction: float) -> float:
    """The delay before retry number ``retry`` (0 for the first) without a server hint.

    ``random_fraction`` is a number in [0, 1) drawn by the caller; it removes up to
    ``policy.jitter`` of the delay.
    """
    base = min(policy.initial_delay * 2.0 ** min(retry, 62), policy.max_delay)
    return max(0.0, base * (1.0 - policy.jitter * random_fraction))


def retry_delay(
    *,
    retries_done: int,
    max_retries: int,
    policy: RetryPolicy,
    elapsed: float,
    status_code: int | None = None,
    headers: Mapping[str, str] | None = None,
    now: float = 0.0,
    random_fraction: float = 0.0,
) -> float | None:
    """How long to sleep before retrying, or ``None`` when the failure must be raised.

    ``status_code`` is the failed response's status, or ``None`` for a connection error or a
    timeout (always retryable). ``retries_done`` counts retries already made, ``elapsed`` the
    seconds since the call began. A retry whose sleep would reach ``policy.total_timeout`` is
    not made: sleeping only to time out would waste the caller's time.
    """
    if retries_done >= max_retries:
        return None
    if status_code is not None and not is_retryable_status(status_code):
        return None
    hinted = parse_retry_after(headers, now) if headers is not None else None
    if hinted is not None:
        delay = min(hinted, policy.max_retry_after)
    else:
        delay = backoff_delay(retries_done, policy, random_fraction)
    if policy.total_timeout is not None and elapsed + delay >= policy.total_timeout:
        return None
    return delay


def attempt_timeout(timeout: httpx.Timeout, policy: RetryPolicy, elapsed: float) -> httpx.Timeout:
    """The timeouts of one attempt: the configured ones, shrunk to the time left overall."""
    if policy.total_timeout is None:
        return timeout
    left = max(policy.total_timeout - elapsed, 0.001)
    phases = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    bounded = [value for value in phases if value is not None]
    if len(bounded) == len(phases) and max(bounded) <= left:
        return timeout  # the usual case, long before the deadline: nothing to shrink

    def shrink(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=shrink(timeout.connect),
        read=shrink(timeout.read),
        write=shrink(timeout.write),
        pool=shrink(timeout.pool),
    )
