"""The scenario handle: a test's grip on a running mock (world, credit, queue, journal, reset)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .config import MockConfig
from .journal import Journal
from .ledger import Ledger
from .scenarios import Fault, Outcome, Scenarios
from .state import Accounts, PlannedOutcomes
from .world import World

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .store_state import StoreState

__all__ = ["MockHandle", "get_handle"]


class MockHandle:
    """State of one mock app, reachable as ``get_handle(app)``.

    In memory by default; on the Valkey/Redis store ``config.state`` names otherwise, where
    every worker and process serving the same world shares it (see :mod:`.store`).

    >>> handle = MockHandle(MockConfig())
    >>> handle.queue(429)  # the next request gets a spec-valid 429
    >>> handle.balance("sk-or-mock-ok")
    Decimal('1000')
    """

    def __init__(self, config: MockConfig) -> None:
        self.config = config
        #: The world being served (static; reset restores what changes).
        self.world: World = config.load_world()
        #: The state on a store, when ``config.state`` names one.
        self.store_state: StoreState | None = None
        #: Every exchange with the endpoint.
        self.journal: Journal
        #: Planned outcomes, one taken per request.
        self.scenarios: PlannedOutcomes
        #: Credit, reservations, rate windows and requests in flight.
        self.ledger: Accounts
        if config.state is None:
            self.journal = Journal(
                config.journal_limit, config.clock, max_bytes=config.journal_max_bytes
            )
            self.scenarios = Scenarios()
            self.ledger = Ledger(self.world, config.clock)
        else:
            from .store_state import StoreState  # redis is needed only here

            self.store_state = state = StoreState.open(config, self.world)
            self.journal, self.scenarios, self.ledger = state.journal, state.scenarios, state.ledger

    def queue(
        self,
        status: int | None = None,
        *,
        latency: float = 0.0,
        fault: Fault | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        times: int = 1,
    ) -> None:
        """Plan the outcome of the next ``times`` requests.

        ``handle.queue(503, times=2)`` answers two 503s; ``handle.queue(latency=0.5)`` delays the
        next request, then handles it for real; ``handle.queue(fault="reset")`` drops the
        connection; ``handle.queue(200, body=b"{")`` answers malformed JSON.
        """
        outcome = Outcome(status, latency, fault, dict(headers or {}), body)
        self.scenarios.add([outcome] * times)

    def balance(self, key: str) -> Decimal:
        """The credit left on ``key``, in USD."""
        return self.ledger.balance(key)

    def reset(self) -> None:
        """Restore the world: credit, rate windows, the queue and the journal (on a store, for
        every worker at once)."""
        if self.store_state is not None:
            self.store_state.reset()
            return
        self.ledger = Ledger(self.world, self.config.clock)
        self.scenarios.clear()
        self.journal.clear()

    def close(self) -> None:
        """Close the connections to the state store, if any (in memory: nothing to do)."""
        if self.store_state is not None:
            self.store_state.store.close()

    def __repr__(self) -> str:
        extra: dict[str, Any] = {"keys": len(self.world.keys), "models": len(self.world.models)}
        return f"MockHandle({', '.join(f'{k}={v}' for k, v in extra.items())})"


def get_handle(app: Starlette) -> MockHandle:
    """The scenario handle of an app built by :func:`~openrouter_stt_mock.create_app`."""
    handle: MockHandle = app.state.mock
    return handle
