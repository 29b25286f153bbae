"""The body's idle deadline, both kinds: asyncio's own, and anyio's (trio, Python 3.10)."""

from __future__ import annotations

import time

import anyio
import pytest

from openrouter_stt_mock.deadline import _AnyioDeadline, idle_deadline


@pytest.mark.anyio
async def test_the_deadline_expires_as_timeout_error() -> None:
    deadline, _ = idle_deadline(0.05)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with deadline:
            await anyio.sleep(5)
    assert time.monotonic() - started < 2


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["asyncio's", "anyio's"])
async def test_a_rescheduled_deadline_lets_a_slow_but_moving_wait_through(kind: str) -> None:
    if kind == "anyio's":
        deadline, clock = _AnyioDeadline(anyio.current_time() + 0.2), anyio.current_time
    else:
        deadline, clock = idle_deadline(0.2)
    async with deadline:
        for _ in range(4):  # 0.4 s in all, each step within the deadline moved on
            await anyio.sleep(0.1)
            deadline.reschedule(clock() + 0.2)


@pytest.mark.anyio
async def test_anyios_deadline_expires_as_timeout_error_too() -> None:
    with pytest.raises(TimeoutError):
        async with _AnyioDeadline(anyio.current_time() + 0.05):
            await anyio.sleep(5)
    async with _AnyioDeadline(anyio.current_time() + 5):
        pass  # not expired: nothing raised
