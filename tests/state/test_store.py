"""The mock's state on a real Valkey server, in one process: the same answers as in memory, the
key layout, reset, leases, settling once, and a store that fails."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import redis

from openrouter_stt_mock import DEFAULT_API_KEY, MockConfig, MockHandle, World
from openrouter_stt_mock.errors import MockError
from openrouter_stt_mock.store import PAUSE_SECONDS, Store, from_units, to_units, world_digest
from openrouter_stt_mock.store_ledger import StoreLedger, StoreReservation

from ..mock.conftest import auth, body, error_of
from ._valkey import ValkeyProcess
from .conftest import OpenMock, when_served

ENDPOINT = "/api/v1/audio/transcriptions"
COST = Decimal("0.000508")  # the wav sample on openai/whisper-large-v3


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def served(
    valkey: ValkeyProcess, namespace: str, clock: Clock, open_mock: OpenMock
) -> Iterator[tuple[httpx.Client, MockHandle]]:
    config = MockConfig(state=valkey.url, state_namespace=namespace, clock=clock, lease_seconds=5)
    client, handle = open_mock(config)
    yield client, handle
    handle.reset()


def test_charges_reserves_and_answers_as_in_memory(served: tuple[httpx.Client, MockHandle]):
    client, handle = served
    response = client.post(ENDPOINT, json=body(), headers=auth())
    assert response.status_code == 200
    assert response.json()["usage"]["cost"] == float(COST)
    assert handle.balance(DEFAULT_API_KEY) == Decimal(1000) - COST
    broke = client.post(ENDPOINT, json=body(), headers=auth("sk-or-mock-broke"))
    assert broke.status_code == 402
    assert error_of(broke)["metadata"] == {"balance_usd": "0", "required_usd": str(COST)}


def test_rate_window_counts_and_reopens(served: tuple[httpx.Client, MockHandle], clock: Clock):
    client, _ = served
    key = auth("sk-or-mock-limited")
    statuses = [client.post(ENDPOINT, json=body(), headers=key).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.post(ENDPOINT, json=body(), headers=key)
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["x-ratelimit-reset"] == str(int((clock.now + 60) * 1000))
    clock.now += 60
    assert client.post(ENDPOINT, json=body(), headers=key).status_code == 200


def test_queue_journal_and_reset_are_shared_by_two_apps(
    valkey: ValkeyProcess, namespace: str, open_mock: OpenMock
):
    config = MockConfig(state=valkey.url, state_namespace=namespace)
    first, one = open_mock(config)
    second, two = open_mock(config)
    with first, second:
        one.queue(503, times=2)
        assert [o.status for o in two.scenarios.pending()] == [503, 503]
        assert first.post(ENDPOINT, json=body(), headers=auth()).status_code == 503
        assert second.post(ENDPOINT, json=body(), headers=auth()).status_code == 503
        assert second.post(ENDPOINT, json=body(), headers=auth()).status_code == 200
        entries = one.journal.entries
        assert [e.number for e in entries] == [1, 2, 3]
        assert [e.request.forced_by for e in entries] == ["queue", "queue", None]
        assert entries[-1].verdict.request_valid
        assert entries[-1].verdict.response_valid
        served = first.get("/_mock/journal", params={"order": "newest", "limit": 1}).json()
        assert [e["number"] for e in served] == [3]
        assert two.balance(DEFAULT_API_KEY) == Decimal(1000) - COST
        assert first.post("/_mock/reset").status_code == 200
        assert len(two.journal) == 0
        assert two.scenarios.pending() == ()
        assert two.balance(DEFAULT_API_KEY) == Decimal(1000)


def test_journal_keeps_its_bounds_on_the_store(
    valkey: ValkeyProcess, namespace: str, open_mock: OpenMock
):
    config = MockConfig(state=valkey.url, state_namespace=namespace, journal_limit=3)
    client, handle = open_mock(config)
    with client:
        for _ in range(5):
            client.post(ENDPOINT, json={"model": "x"}, headers=auth())
        assert [e.number for e in handle.journal] == [3, 4, 5]
        assert handle.journal.nbytes == sum(e.size for e in handle.journal)
        assert handle.journal.last.number == 5
        assert handle.journal[0].number == 3


def test_keys_are_namespaced_by_name_and_world(
    valkey: ValkeyProcess, namespace: str, open_mock: OpenMock
):
    client, handle = open_mock(MockConfig(state=valkey.url, state_namespace=namespace))
    with client:
        client.post(ENDPOINT, json=body(), headers=auth())
    other, stranger = open_mock(MockConfig(state=valkey.url, state_namespace=namespace + "x"))
    with other:
        assert stranger.balance(DEFAULT_API_KEY) == Decimal(1000)
        assert len(stranger.journal) == 0
    with redis.Redis.from_url(valkey.url) as direct:
        keys = direct.keys(f"{namespace}:*")
        digest = world_digest(World.default())
        assert keys
        assert all(k.decode().startswith(f"{namespace}:{{{digest}}}:") for k in keys)
        handle.reset()
        assert direct.keys(f"{namespace}:*") == []


def test_a_lease_left_by_a_dead_worker_expires(
    valkey: ValkeyProcess, namespace: str, open_mock: OpenMock
):
    clock = Clock()
    world = World(keys={"k": World.default().keys[DEFAULT_API_KEY].__class__(credit_usd=COST)})
    config = MockConfig(
        state=valkey.url, state_namespace=namespace, world=world, clock=clock, lease_seconds=5
    )
    _, handle = open_mock(config)
    handle.ledger.reserve("k", COST)  # never settled, as by a worker that died
    with pytest.raises(MockError) as refused:
        handle.ledger.reserve("k", COST)
    assert refused.value.status == 402
    clock.now += 5
    again = handle.ledger.reserve("k", COST)
    handle.ledger.settle(again, COST)
    handle.ledger.settle(again, COST)  # a retry: charged once
    assert handle.balance("k") == 0
    handle.reset()


def test_settle_after_the_lease_expired_charges_nothing(
    valkey: ValkeyProcess, namespace: str, open_mock: OpenMock
):
    clock = Clock()
    config = MockConfig(state=valkey.url, state_namespace=namespace, clock=clock, lease_seconds=5)
    _, handle = open_mock(config)
    late = handle.ledger.reserve(DEFAULT_API_KEY, COST)
    assert isinstance(late, StoreReservation)
    clock.now += 6
    handle.ledger.reserve(DEFAULT_API_KEY, COST)  # releases the expired lease
    handle.ledger.settle(late, COST)
    assert handle.balance(DEFAULT_API_KEY) == Decimal(1000)
    handle.reset()


def test_amounts_are_kept_in_whole_nano_usd(open_mock: OpenMock):
    assert to_units(Decimal("0.000508")) == 508_000
    assert from_units(508_000) == Decimal("0.000508")
    with pytest.raises(ValueError, match="9 decimals"):
        to_units(Decimal("0.0000000001"))
    with pytest.raises(ValueError, match="lease_seconds"):
        open_mock(MockConfig(state="redis://127.0.0.1:1/0", lease_seconds=1))


def test_a_store_that_is_down_gives_a_bounded_503_then_recovers(
    own_valkey: ValkeyProcess, open_mock: OpenMock
):
    config = MockConfig(state=own_valkey.url, state_timeout_seconds=0.5)
    client, handle = open_mock(config)
    with client:
        assert client.post(ENDPOINT, json=body(), headers=auth()).status_code == 200
        own_valkey.stop()
        for _ in range(3):
            started = time.monotonic()
            answer = client.post(ENDPOINT, json=body(), headers=auth())
            assert time.monotonic() - started < 1.5
            assert answer.status_code == 503
            assert answer.headers["retry-after"] == str(PAUSE_SECONDS)
            assert "state store" in error_of(answer)["message"]
        own_valkey.start()
        assert (
            when_served(lambda: client.post(ENDPOINT, json=body(), headers=auth())).status_code
            == 200
        )
        # The store came back empty (no persistence): a fresh world, charged once since.
        assert handle.balance(DEFAULT_API_KEY) == Decimal(1000) - COST


def test_the_journal_with_the_store_down_is_a_503_before_any_header(
    own_valkey: ValkeyProcess, open_mock: OpenMock
):
    client, _ = open_mock(MockConfig(state=own_valkey.url, state_timeout_seconds=0.5))
    with client:
        assert client.post(ENDPOINT, json=body(), headers=auth()).status_code == 200
        own_valkey.stop()
        started = time.monotonic()
        answer = client.get("/_mock/journal")
        assert time.monotonic() - started < 1.5
        # A whole answer in the error shape, not a 200 whose stream breaks after its headers.
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == str(PAUSE_SECONDS)
        assert answer.headers["content-type"] == "application/json"
        assert "state store" in error_of(answer)["message"]
        own_valkey.start()
        answer = when_served(lambda: client.get("/_mock/journal"))
        assert answer.status_code == 200
        assert answer.json() == []  # the store came back empty


def test_in_memory_stays_the_default(open_mock: OpenMock):
    from openrouter_stt_mock.journal import Journal
    from openrouter_stt_mock.ledger import Ledger
    from openrouter_stt_mock.scenarios import Scenarios

    _, handle = open_mock(MockConfig())
    assert handle.store_state is None
    assert type(handle.ledger) is Ledger
    assert type(handle.scenarios) is Scenarios
    assert type(handle.journal) is Journal


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"state": "http://x"}, "Valkey/Redis URL"),
        ({"workers": 2}, "workers"),
        ({"state": "redis://x", "state_namespace": "a b"}, "state_namespace"),
        ({"state": "redis://x", "lease_seconds": 0}, "lease_seconds"),
    ],
)
def test_config_refuses_what_cannot_work(options: dict[str, object], message: str):
    with pytest.raises(ValueError, match=message):
        MockConfig(**options)  # type: ignore[arg-type]


def test_the_world_digest_is_the_same_in_every_process():
    import subprocess
    import sys

    code = (
        "from openrouter_stt_mock import World;"
        "from openrouter_stt_mock.store import world_digest;"
        "print(world_digest(World.default()))"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for seed in ("1", "2")
    }
    assert seen == {world_digest(World.default()) + "\n"}


def test_a_slow_store_gives_a_503_within_the_timeout(
    own_valkey: ValkeyProcess, open_mock: OpenMock
):
    client, handle = open_mock(MockConfig(state=own_valkey.url, state_timeout_seconds=0.3))
    assert client.post(ENDPOINT, json=body(), headers=auth()).status_code == 200
    with redis.Redis.from_url(own_valkey.url) as direct:
        direct.execute_command("CLIENT", "PAUSE", 1500, "ALL")  # every client waits 1.5 s
    started = time.monotonic()
    answer = client.post(ENDPOINT, json=body(), headers=auth())
    assert time.monotonic() - started < 1.0
    assert answer.status_code == 503
    assert "TimeoutError" in error_of(answer)["message"]
    assert (
        when_served(lambda: client.post(ENDPOINT, json=body(), headers=auth())).status_code == 200
    )
    # Charged for the two requests answered 200 only: the one that timed out was not settled.
    time.sleep(0.1)
    assert handle.balance(DEFAULT_API_KEY) == Decimal(1000) - 2 * COST


_FORKED: list[Store] = []


def _client_id_in_child() -> int:
    client_id: int = _FORKED[0].run("CLIENT", "ID")
    return client_id


def test_a_forked_worker_talks_on_connections_of_its_own(valkey: ValkeyProcess, namespace: str):
    # The commands of a request go to the store's own connections, not redis-py's pool: a
    # worker forked from a parent that used them must open its own, as --workers N does.
    store = Store(valkey.url, namespace, World.default())
    try:
        parent = store.run("CLIENT", "ID")
        _FORKED[:] = [store]
        with multiprocessing.get_context("fork").Pool(1) as pool:
            child = pool.apply(_client_id_in_child)
        assert child != parent
        assert store.run("CLIENT", "ID") == parent  # the child left the parent's socket open
    finally:
        _FORKED.clear()
        store.close()


def test_a_request_waiting_on_the_store_leaves_the_event_loop_free(
    valkey: ValkeyProcess, namespace: str
):
    world = World.default()
    store = Store(valkey.url, namespace, world, timeout_seconds=2)
    ledger = StoreLedger(store, world, time.time, lease_seconds=600)

    async def reserve_while_paused() -> tuple[int, StoreReservation]:
        await store.fetch("PING")  # the loop's connection is open before the store pauses
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        with redis.Redis.from_url(valkey.url) as direct:
            direct.execute_command("CLIENT", "PAUSE", 300, "ALL")
        reservation = await ledger.reserve_soon(DEFAULT_API_KEY, COST)
        ticker.cancel()
        return ticks, reservation

    try:
        ticks, reservation = asyncio.run(reserve_while_paused())
        assert ticks >= 10  # the loop ran on while the reservation waited about 300 ms
        ledger.settle(reservation, COST)
        assert ledger.balance(DEFAULT_API_KEY) == Decimal(1000) - COST
    finally:
        store.close()
