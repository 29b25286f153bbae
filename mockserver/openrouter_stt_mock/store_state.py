"""The mock's whole state on one Valkey/Redis store: built from a :class:`.MockConfig`, reset in
one step (imported only when ``MockConfig.state`` names a store)."""

from __future__ import annotations

from dataclasses import dataclass

from . import store_journal, store_ledger, store_queue
from .config import MockConfig
from .store import Store
from .store_journal import StoreJournal
from .store_ledger import StoreLedger
from .store_queue import StoreScenarios
from .world import World

__all__ = ["StoreState"]

_KEY_NAMES = (*store_ledger.KEY_NAMES, *store_queue.KEY_NAMES, *store_journal.KEY_NAMES)


@dataclass(frozen=True)
class StoreState:
    """The ledger, queue and journal of one world on the store ``config.state`` names."""

    store: Store
    ledger: StoreLedger
    scenarios: StoreScenarios
    journal: StoreJournal

    @classmethod
    def open(cls, config: MockConfig, world: World) -> StoreState:
        """Connect (lazily: nothing is sent until the first call) and build each part."""
        assert config.state is not None
        store = Store(
            config.state,
            config.state_namespace,
            world,
            timeout_seconds=config.state_timeout_seconds,
        )
        return cls(
            store,
            StoreLedger(store, world, config.clock, lease_seconds=config.lease_seconds),
            StoreScenarios(store),
            StoreJournal(
                store, config.journal_limit, config.clock, max_bytes=config.journal_max_bytes
            ),
        )

    def reset(self) -> None:
        """Forget credit spent, reservations, rate windows, the queue and the journal, at once
        for every worker (one ``DEL``): the next request finds the world as it starts."""
        keys = [self.store.key(name) for name in _KEY_NAMES]
        self.store.call(lambda client: client.delete(*keys))
