"""What changes while the mock runs: credit, rate-limit windows and requests in flight.

All bookkeeping is synchronous code under one ``threading.Lock``, never held across an ``await``:
the same app may serve an event loop in a uvicorn thread and another in a blocking portal, and the
check and the charge must be one step for concurrent requests on one key to stay exact. Credit is
reserved when a request passes the 402 check and either charged or released when it ends, so two
requests can never both spend the same dollar.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .errors import MockError
from .world import KeySpec, World

__all__ = ["Clock", "Ledger", "Reservation"]

#: Seconds since the Unix epoch; injectable so tests can move time without sleeping.
Clock = Callable[[], float]


@dataclass
class _Window:
    start: float
    used: int


@dataclass(frozen=True)
class Reservation:
    """Credit set aside for one request, to be charged on success or released otherwise."""

    key: str
    amount: Decimal


class Ledger:
    """Balances, fixed rate-limit windows and in-flight counts over one :class:`World`."""

    def __init__(self, world: World, clock: Clock) -> None:
        self._world = world
        self._clock = clock
        self._lock = threading.Lock()
        self._balances = {name: spec.credit_usd for name, spec in world.keys.items()}
        self._held: dict[str, Decimal] = {}
        self._windows: dict[str, _Window] = {}
        self._in_flight: dict[tuple[str, int], int] = {}

    def balance(self, key: str) -> Decimal:
        """The key's credit in USD (charges included, open reservations not)."""
        with self._lock:
            return self._balances[key]

    def admit(self, key: str, spec: KeySpec) -> None:
        """Count one request against the key's rate limit, or raise a 429 :class:`MockError`."""
        limit = spec.rate_limit
        if limit is None:
            return
        with self._lock:
            now = self._clock()
            window = self._windows.get(key)
            if window is None or now >= window.start + limit.window_seconds:
                window = self._windows[key] = _Window(now, 0)
            reset = window.start + limit.window_seconds
            if window.used >= limit.requests:
                raise MockError(
                    429,
                    "Rate limit exceeded: "
                    f"{limit.requests} requests per {limit.window_seconds:g} s for this key",
                    headers={
                        "Retry-After": str(max(1, math.ceil(reset - now))),
                        "X-RateLimit-Limit": str(limit.requests),
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": str(math.ceil(reset * 1000)),
                    },
                )
            window.used += 1

    def reserve(self, key: str, amount: Decimal) -> Reservation:
        """Set ``amount`` aside, or raise a 402 :class:`MockError` when credit falls short."""
        with self._lock:
            available = self._balances[key] - self._held.get(key, Decimal(0))
            if available <= 0 or available < amount:
                raise MockError(
                    402,
                    "Insufficient credits. Add more using https://openrouter.ai/credits",
                    metadata={"balance_usd": str(available), "required_usd": str(amount)},
                )
            self._held[key] = self._held.get(key, Decimal(0)) + amount
            return Reservation(key, amount)

    def settle(self, reservation: Reservation, charged: Decimal) -> None:
        """End a reservation, charging ``charged`` (at most the amount held; zero on failure)."""
        if not 0 <= charged <= reservation.amount:
            raise ValueError(f"cannot charge {charged} against {reservation.amount} held")
        with self._lock:
            self._held[reservation.key] -= reservation.amount
            self._balances[reservation.key] -= charged

    def enter(self, model: str, provider: int, capacity: int | None) -> None:
        """Count a request in flight at a provider, or raise a 529 :class:`MockError`."""
        with self._lock:
            slot = (model, provider)
            busy = self._in_flight.get(slot, 0)
            if capacity is not None and busy >= capacity:
                raise MockError(
                    529, "Provider returned error", metadata={"reason": "provider at capacity"}
                )
            self._in_flight[slot] = busy + 1

    def leave(self, model: str, provider: int) -> None:
        """A request left the provider."""
        with self._lock:
            self._in_flight[(model, provider)] -= 1
