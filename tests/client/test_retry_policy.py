"""The retry decisions alone: pure functions, no client, no clock."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from openrouter_stt import RetryPolicy
from openrouter_stt._retry import (
    attempt_timeout,
    backoff_delay,
    is_retryable_status,
    parse_retry_after,
    retry_delay,
)

NOW = 1_800_000_000.0  # a fixed "now", as a Unix timestamp
POLICY = RetryPolicy()


def http_date(offset: float) -> str:
    return email.utils.formatdate(NOW + offset, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "1"}, 1.0),
        ({"Retry-After": "  5 "}, 5.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"Retry-After": "60"}, 60.0),
        ({"Retry-After": "61"}, 61.0),
        ({"Retry-After": "3600"}, 3600.0),
        ({"Retry-After": "-1"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": http_date(10)}, 10.0),
        ({"Retry-After": http_date(0)}, 0.0),
        ({"Retry-After": http_date(-30)}, 0.0),
        ({"Retry-After": http_date(120)}, 120.0),
        ({"Retry-After": "Fri, 31 Dec 1999 23:59:59"}, None),  # no zone: not an HTTP date
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "0"}, 0.0),
        ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),
        ({"retry-after-ms": "bogus", "Retry-After": "9"}, 9.0),
        ({"retry-after-ms": "-5", "Retry-After": "4"}, 4.0),
        ({"RETRY-AFTER": "3"}, 3.0),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers), NOW) == expected


@pytest.mark.parametrize(
    ("retry_after", "expected_delay"),
    [
        ("0", 0.0),
        ("1", 1.0),
        ("59", 59.0),
        ("60", 60.0),
        ("61", 60.0),
        ("100000", 60.0),
        ("-3", 0.5),  # unusable: the backoff applies
        ("later", 0.5),
    ],
)
def test_retry_after_is_capped_in_the_delay(retry_after: str, expected_delay: float) -> None:
    delay = retry_delay(
        retries_done=0,
        max_retries=2,
        policy=POLICY,
        elapsed=0.0,
        status_code=429,
        headers=httpx.Headers({"Retry-After": retry_after}),
        now=NOW,
    )
    assert delay == expected_delay


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, 524, 529])
def test_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [200, 400, 401, 402, 403, 404, 409, 413, 422, 501, 505])
def test_non_retryable_statuses(status: int) -> None:
    assert not is_retryable_status(status)
    assert (
        retry_delay(retries_done=0, max_retries=5, policy=POLICY, elapsed=0, status_code=status)
        is None
    )


@pytest.mark.parametrize(
    ("retry", "expected"), [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (80, 8.0)]
)
def test_backoff_doubles_up_to_the_max(retry: int, expected: float) -> None:
    assert backoff_delay(retry, POLICY, 0.0) == expected


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5, 0.999])
def test_jitter_only_shortens_by_at_most_its_share(fraction: float) -> None:
    delay = backoff_delay(2, POLICY, fraction)
    assert 2.0 * (1 - POLICY.jitter) <= delay <= 2.0
    assert delay == pytest.approx(2.0 * (1 - 0.25 * fraction))


def test_connection_errors_are_retryable() -> None:
    assert retry_delay(retries_done=0, max_retries=2, policy=POLICY, elapsed=0.0) == 0.5


@pytest.mark.parametrize(("retries_done", "max_retries"), [(2, 2), (0, 0), (5, 3)])
def test_no_retry_beyond_max(retries_done: int, max_retries: int) -> None:
    assert (
        retry_delay(
            retries_done=retries_done,
            max_retries=max_retries,
            policy=POLICY,
            elapsed=0.0,
            status_code=500,
        )
        is None
    )


@pytest.mark.parametrize(
    ("elapsed", "retry_after", "retried"),
    [
        (0.0, "10", True),
        (589.0, "10", True),
        (590.0, "10", False),  # would wake exactly at the deadline
        (599.9, None, False),
        (700.0, None, False),
    ],
)
def test_deadline_bounds_the_sleep(elapsed: float, retry_after: str | None, retried: bool) -> None:
    headers = httpx.Headers({"Retry-After": retry_after} if retry_after else {})
    delay = retry_delay(
        retries_done=0,
        max_retries=2,
        policy=POLICY,
        elapsed=elapsed,
        status_code=503,
        headers=headers,
        now=NOW,
    )
    assert (delay is not None) is retried


def test_no_deadline_when_total_timeout_is_none() -> None:
    policy = RetryPolicy(total_timeout=None)
    assert retry_delay(retries_done=0, max_retries=1, policy=policy, elapsed=1e9) == 0.5
    timeout = httpx.Timeout(None)
    assert attempt_timeout(timeout, policy, 1e9) is timeout


@pytest.mark.parametrize(
    ("timeout", "elapsed", "expected"),
    [
        (httpx.Timeout(5.0, read=120.0), 0.0, (5.0, 120.0, 5.0, 5.0)),
        (httpx.Timeout(5.0, read=120.0), 550.0, (5.0, 50.0, 5.0, 5.0)),
        (httpx.Timeout(None), 100.0, (500.0, 500.0, 500.0, 500.0)),
        (httpx.Timeout(30.0), 599.0, (1.0, 1.0, 1.0, 1.0)),
    ],
)
def test_attempt_timeout_shrinks_to_the_time_left(
    timeout: httpx.Timeout, elapsed: float, expected: tuple[float, ...]
) -> None:
    got = attempt_timeout(timeout, POLICY, elapsed)
    assert (got.connect, got.read, got.write, got.pool) == expected


def test_attempt_timeout_is_the_configured_one_while_it_fits_the_time_left() -> None:
    timeout = httpx.Timeout(5.0, read=120.0)
    assert attempt_timeout(timeout, POLICY, 0.0) is timeout
    assert attempt_timeout(timeout, POLICY, 480.0) is timeout
    assert attempt_timeout(timeout, POLICY, 480.5) == httpx.Timeout(5.0, read=119.5)


def test_attempt_timeout_stays_positive_past_the_deadline() -> None:
    got = attempt_timeout(httpx.Timeout(10.0), POLICY, 10_000.0)
    assert got.read is not None
    assert 0 < got.read < 0.01


@pytest.mark.parametrize(
    "kwargs",
    [{"max_retries": -1}, {"jitter": 1.5}, {"jitter": -0.1}, {"total_timeout": 0}],
)
def test_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_defaults() -> None:
    defaults = RetryPolicy()
    assert defaults == RetryPolicy(
        max_retries=2,
        initial_delay=0.5,
        max_delay=8.0,
        jitter=0.25,
        max_retry_after=60.0,
        total_timeout=600.0,
    )
    with pytest.raises(AttributeError):
        defaults.max_retries = 3  # type: ignore[misc]
