"""Retry decisions never exceed the attempts or the deadline, and every delay stays in bounds."""

from __future__ import annotations

import math
from collections.abc import Mapping

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openrouter_stt import APIStatusError, Clock, OpenRouterSTT, RetryPolicy
from openrouter_stt._retry import (
    RETRYABLE_STATUS_CODES,
    attempt_timeout,
    parse_retry_after,
    retry_delay,
)
from openrouter_stt_mock import DEFAULT_API_KEY, create_app, get_handle, sync_transport
from tests.properties.strategies import (
    bundled,
    elapsed_seconds,
    random_fractions,
    retry_headers,
    retry_policies,
    statuses,
    unix_times,
)


def _cap(policy: RetryPolicy, headers: Mapping[str, str] | None, now: float) -> float:
    hinted = parse_retry_after(httpx.Headers(headers), now) if headers is not None else None
    return policy.max_retry_after if hinted is not None else policy.max_delay


@given(
    policy=retry_policies,
    retries_done=st.integers(0, 20),
    status=statuses,
    headers=retry_headers,
    elapsed=elapsed_seconds,
    now=unix_times,
    fraction=random_fractions,
)
def test_a_retry_delay_stays_within_attempts_deadline_and_cap(
    policy: RetryPolicy,
    retries_done: int,
    status: int | None,
    headers: dict[str, str] | None,
    elapsed: float,
    now: float,
    fraction: float,
) -> None:
    wrapped = httpx.Headers(headers) if headers is not None else None
    delay = retry_delay(
        retries_done=retries_done,
        max_retries=policy.max_retries,
        policy=policy,
        elapsed=elapsed,
        status_code=status,
        headers=wrapped,
        now=now,
        random_fraction=fraction,
    )
    if retries_done >= policy.max_retries:
        assert delay is None
    if status is not None and status not in RETRYABLE_STATUS_CODES:
        assert delay is None
    if delay is not None:
        assert math.isfinite(delay)
        assert 0 <= delay <= _cap(policy, headers, now)
        if policy.total_timeout is not None:
            assert elapsed + delay < policy.total_timeout


@given(headers=retry_headers, now=unix_times)
def test_a_retry_after_reads_as_nothing_or_a_finite_wait(
    headers: dict[str, str] | None, now: float
) -> None:
    seconds = parse_retry_after(httpx.Headers(headers), now)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


@given(
    policy=retry_policies,
    failures=st.lists(st.sampled_from(sorted(RETRYABLE_STATUS_CODES)) | st.none(), max_size=25),
    headers=retry_headers,
    attempt_seconds=st.floats(0, 120, allow_nan=False),
    fraction=random_fractions,
)
def test_a_whole_call_makes_at_most_max_retries_plus_one_attempts_within_the_deadline(
    policy: RetryPolicy,
    failures: list[int | None],
    headers: dict[str, str] | None,
    attempt_seconds: float,
    fraction: float,
) -> None:
    """The clients' loop, replayed with a clock that moves by each attempt and each sleep."""
    elapsed = 0.0
    attempts = 0
    timeout = httpx.Timeout(30.0)
    for status in [*failures, 200]:
        per_attempt = attempt_timeout(timeout, policy, elapsed)
        if policy.total_timeout is not None:
            left = max(policy.total_timeout - elapsed, 0.001)
            for value in per_attempt.as_dict().values():
                assert value is not None
                assert 0 < value <= left + 1e-9
        attempts += 1
        elapsed += attempt_seconds
        if status == 200:
            break
        delay = retry_delay(
            retries_done=attempts - 1,
            max_retries=policy.max_retries,
            policy=policy,
            elapsed=elapsed,
            status_code=status,
            headers=httpx.Headers(headers) if status is not None and headers else None,
            random_fraction=fraction,
        )
        if delay is None:
            break
        assert delay >= 0
        elapsed += delay
        if policy.total_timeout is not None:
            # No sleep is started that would reach the deadline.
            assert elapsed < policy.total_timeout
    assert attempts <= policy.max_retries + 1


@given(
    failures=st.integers(0, 5),
    status=st.sampled_from(sorted(RETRYABLE_STATUS_CODES - {408})),
    max_retries=st.integers(0, 3),
)
def test_the_client_against_the_mock_sends_at_most_max_retries_plus_one_requests(
    failures: int, status: int, max_retries: int
) -> None:
    app = create_app()
    handle = get_handle(app)
    handle.queue(status, times=failures)
    sleeps: list[float] = []

    class Recorded(Clock):
        def sleep(self, seconds: float) -> None:
            sleeps.append(seconds)

    policy = RetryPolicy(max_retries=max_retries, max_delay=0.5, max_retry_after=0.25)
    with OpenRouterSTT(
        api_key=DEFAULT_API_KEY,
        base_url="http://mock.invalid/api/v1",
        http_client=httpx.Client(transport=sync_transport(app)),
        retry_policy=policy,
        clock=Recorded(),
    ) as client:
        http = client._client
        try:
            if failures <= max_retries:
                assert client.transcribe(bundled("wav").data, model="openai/whisper-1").text
            else:
                with pytest.raises(APIStatusError) as caught:
                    client.transcribe(bundled("wav").data, model="openai/whisper-1")
                assert caught.value.status_code == status
        finally:
            http.close()
    sent = len(handle.journal)
    assert sent == min(failures, max_retries) + 1
    assert len(sleeps) == sent - 1
    assert all(0 <= s <= 0.5 for s in sleeps)
