"""The scenario handle: queue, balances and reset."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openrouter_stt_mock import MockConfig, MockHandle, Outcome


def test_queue_times_and_kinds() -> None:
    handle = MockHandle(MockConfig())
    handle.queue(429, times=2)
    handle.queue(fault="reset")
    handle.queue(latency=0.5, headers={"X-A": "1"})
    assert handle.scenarios.pending() == (
        Outcome(429),
        Outcome(429),
        Outcome(fault="reset"),
        Outcome(latency=0.5, headers={"X-A": "1"}),
    )


def test_balance_and_reset() -> None:
    handle = MockHandle(MockConfig())
    reservation = handle.ledger.reserve("sk-or-mock-ok", Decimal(10))
    handle.ledger.settle(reservation, Decimal(10))
    assert handle.balance("sk-or-mock-ok") == 990
    balances = {key: handle.balance(key) for key in handle.world.keys}
    assert balances == {key: spec.credit_usd for key, spec in handle.world.keys.items()} | {
        "sk-or-mock-ok": 990
    }
    handle.reset()
    assert handle.balance("sk-or-mock-ok") == 1000
    with pytest.raises(KeyError):
        handle.balance("sk-unknown")
    assert f"keys={len(handle.world.keys)}" in repr(handle)
