"""What the gateway asks of the mock's state, whether it is kept in memory or on a store.

Two implementations of each: in memory (:class:`.ledger.Ledger`, :class:`.scenarios.Scenarios`,
the default, one process) and on Valkey/Redis (:class:`.store_ledger.StoreLedger`,
:class:`.store_queue.StoreScenarios`, shared by every worker and process pointed at one store).
The journal's store version is a :class:`.journal.Journal` itself (:mod:`.store_journal`).
Every method is synchronous, so the in-memory path costs what it did before the store existed.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from .ledger import Reservation
from .scenarios import Outcome
from .world import KeySpec

__all__ = ["Accounts", "PlannedOutcomes"]


class Accounts(Protocol):
    """Credit, reservations, rate-limit windows and requests in flight (see :class:`.Ledger`)."""

    def balance(self, key: str) -> Decimal:
        """The key's credit in USD (charges included, open reservations not)."""
        ...

    def admit(self, key: str, spec: KeySpec) -> None:
        """Count one request against the key's rate limit, or raise a 429."""
        ...

    def reserve(self, key: str, amount: Decimal) -> Reservation:
        """Set ``amount`` aside, or raise a 402 when credit falls short."""
        ...

    def settle(self, reservation: Reservation, charged: Decimal) -> None:
        """End a reservation, charging ``charged`` (at most the amount held)."""
        ...

    def enter(self, model: str, provider: int, capacity: int | None) -> None:
        """Count a request in flight at a provider, or raise a 529."""
        ...

    def leave(self, model: str, provider: int) -> None:
        """A request left the provider."""
        ...


class PlannedOutcomes(Protocol):
    """The queue of planned outcomes (see :class:`.Scenarios`)."""

    def add(self, outcomes: Iterable[Outcome]) -> None:
        """Append outcomes to the queue."""
        ...

    def take(self) -> Outcome | None:
        """Remove and return the next outcome, or ``None``."""
        ...

    def pending(self) -> tuple[Outcome, ...]:
        """The outcomes not used yet, in order."""
        ...

    def clear(self) -> None:
        """Forget every planned outcome."""
        ...
