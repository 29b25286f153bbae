"""What the gateway asks of the mock's state, whether it is kept in memory or on a store.

Two implementations of each: in memory (:class:`.ledger.Ledger`, :class:`.scenarios.Scenarios`,
the default, one process) and on Valkey/Redis (:class:`.store_ledger.StoreLedger`,
:class:`.store_queue.StoreScenarios`, shared by every worker and process pointed at one store).
The journal's store version is a :class:`.journal.Journal` itself (:mod:`.store_journal`).
Every method is synchronous, so the in-memory path costs what it did before the store existed.
The gateway's calls that need the store's answer go through :func:`take`, :func:`admit` and
:func:`reserve`, which await a store's answer without blocking the event loop
(:class:`WaitingOutcomes`, :class:`WaitingAccounts`) and call the in-memory state directly.
On a store, settling does not wait at all: it is posted (see :mod:`.store`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from .ledger import Reservation
from .scenarios import Outcome
from .world import KeySpec

__all__ = [
    "Accounts",
    "PlannedOutcomes",
    "WaitingAccounts",
    "WaitingOutcomes",
    "admit",
    "reserve",
    "take",
]


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


class WaitingOutcomes:
    """Planned outcomes that can be taken without blocking the event loop (on a store)."""

    async def take_soon(self) -> Outcome | None:
        """:meth:`PlannedOutcomes.take`, awaited."""
        raise NotImplementedError


class WaitingAccounts:
    """Accounts that can admit and reserve without blocking the event loop (on a store)."""

    async def admit_soon(self, key: str, spec: KeySpec) -> None:
        """:meth:`Accounts.admit`, awaited."""
        raise NotImplementedError

    async def reserve_soon(self, key: str, amount: Decimal) -> Reservation:
        """:meth:`Accounts.reserve`, awaited."""
        raise NotImplementedError


async def take(outcomes: PlannedOutcomes) -> Outcome | None:
    """``outcomes.take()``, without blocking the event loop on a store."""
    if isinstance(outcomes, WaitingOutcomes):
        return await outcomes.take_soon()
    return outcomes.take()


async def admit(accounts: Accounts, key: str, spec: KeySpec) -> None:
    """``accounts.admit(key, spec)``, without blocking the event loop on a store."""
    if isinstance(accounts, WaitingAccounts):
        await accounts.admit_soon(key, spec)
    else:
        accounts.admit(key, spec)


async def reserve(accounts: Accounts, key: str, amount: Decimal) -> Reservation:
    """``accounts.reserve(key, amount)``, without blocking the event loop on a store."""
    if isinstance(accounts, WaitingAccounts):
        return await accounts.reserve_soon(key, amount)
    return accounts.reserve(key, amount)
