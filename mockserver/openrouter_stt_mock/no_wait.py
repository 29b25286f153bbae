"""A client clock for tests: retries that do not wait, deadlines that still see the wait."""

from __future__ import annotations

import time

import anyio.lowlevel

from openrouter_stt import Clock

__all__ = ["NoWaitClock"]


class NoWaitClock(Clock):
    """A :class:`~openrouter_stt.Clock` whose sleeps return at once: it adds each to
    :attr:`slept` and moves its monotonic time on by as much, so that a client's total deadline
    counts the waits that did not happen. The ``openrouter_mock`` fixture's clients use it."""

    def __init__(self) -> None:
        #: The seconds the clients' retries would have slept so far.
        self.slept = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        self.slept += seconds

    async def asleep(self, seconds: float) -> None:
        self.slept += seconds
        await anyio.lowlevel.checkpoint()  # other tasks still get to run, as in a real sleep
