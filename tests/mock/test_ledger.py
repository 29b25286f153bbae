"""Credit that really runs out, rate windows that reset, and exact books under concurrency."""

from __future__ import annotations

from decimal import Decimal

import anyio
import httpx
import pytest

from openrouter_stt_mock import (
    KeySpec,
    MockConfig,
    ModelSpec,
    ProviderSpec,
    RateLimit,
    World,
    async_transport,
    create_app,
    get_handle,
)
from openrouter_stt_mock.errors import MockError
from openrouter_stt_mock.ledger import Ledger

from .conftest import ENDPOINT, ROOT_URL, auth, body, error_of, make_client

PAGE_COST = Decimal("0.000508")


class FakeClock:
    """Seconds since the epoch that move only when told to."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _world(credit: Decimal, limit: RateLimit | None = None, latency: float = 0.0) -> World:
    default = World.default()
    provider = ProviderSpec("OpenAI", Decimal("0.0000552"), latency_seconds=latency)
    return World(
        keys={"k": KeySpec(credit, rate_limit=limit)},
        models={"openai/whisper-large-v3": ModelSpec((provider,))},
        transcripts=default.transcripts,
    )


def test_credit_runs_out_after_n_successful_calls() -> None:
    client, handle = make_client(MockConfig(world=_world(PAGE_COST * 3)))
    with client:
        statuses = [client.post(ENDPOINT, json=body(), headers=auth("k")) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 402]
    assert handle.balance("k") == 0
    assert error_of(statuses[-1])["metadata"]["balance_usd"] == "0.000000"


def test_402_when_credit_is_short_of_the_cost() -> None:
    client, handle = make_client(MockConfig(world=_world(PAGE_COST - Decimal("0.000001"))))
    with client:
        response = client.post(ENDPOINT, json=body(), headers=auth("k"))
    assert response.status_code == 402
    assert handle.balance("k") == PAGE_COST - Decimal("0.000001")


def test_429_then_recovery_after_the_window() -> None:
    clock = FakeClock()
    config = MockConfig(world=_world(Decimal(1), RateLimit(2, 60.0)), clock=clock)
    client, _ = make_client(config)
    with client:
        assert client.post(ENDPOINT, json=body(), headers=auth("k")).status_code == 200
        clock.now += 10
        assert client.post(ENDPOINT, json=body(), headers=auth("k")).status_code == 200
        clock.now += 20
        limited = client.post(ENDPOINT, json=body(), headers=auth("k"))
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "30"
        assert limited.headers["x-ratelimit-limit"] == "2"
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert limited.headers["x-ratelimit-reset"] == str((1_700_000_000 + 60) * 1000)
        clock.now += 29.9
        assert client.post(ENDPOINT, json=body(), headers=auth("k")).status_code == 429
        clock.now += 0.1
        assert client.post(ENDPOINT, json=body(), headers=auth("k")).status_code == 200


def test_rate_limited_requests_are_not_charged() -> None:
    clock = FakeClock()
    client, handle = make_client(
        MockConfig(world=_world(Decimal(1), RateLimit(1, 60.0)), clock=clock)
    )
    with client:
        client.post(ENDPOINT, json=body(), headers=auth("k"))
        client.post(ENDPOINT, json=body(), headers=auth("k"))
    assert handle.balance("k") == Decimal(1) - PAGE_COST


@pytest.mark.anyio
async def test_concurrent_requests_on_one_key_keep_credit_exact() -> None:
    # Credit for exactly 3 of 12 overlapping requests: the reservation makes the rest 402.
    app = create_app(MockConfig(world=_world(PAGE_COST * 3, latency=0.05)))
    statuses: list[int] = []
    async with httpx.AsyncClient(transport=async_transport(app), base_url=ROOT_URL) as client:

        async def one() -> None:
            response = await client.post(ENDPOINT, json=body(), headers=auth("k"))
            statuses.append(response.status_code)

        async with anyio.create_task_group() as group:
            for _ in range(12):
                group.start_soon(one)
    assert sorted(statuses) == [200] * 3 + [402] * 9
    assert get_handle(app).balance("k") == 0


@pytest.mark.anyio
async def test_concurrent_requests_on_a_limited_key_admit_exactly_the_limit() -> None:
    app = create_app(MockConfig(world=_world(Decimal(1), RateLimit(5, 60.0), latency=0.02)))
    statuses: list[int] = []
    async with httpx.AsyncClient(transport=async_transport(app), base_url=ROOT_URL) as client:

        async def one() -> None:
            response = await client.post(ENDPOINT, json=body(), headers=auth("k"))
            statuses.append(response.status_code)

        async with anyio.create_task_group() as group:
            for _ in range(9):
                group.start_soon(one)
    assert sorted(statuses) == [200] * 5 + [429] * 4
    assert get_handle(app).balance("k") == Decimal(1) - 5 * PAGE_COST


def test_ledger_reserve_settle() -> None:
    ledger = Ledger(_world(Decimal("0.002")), FakeClock())
    first = ledger.reserve("k", Decimal("0.0015"))
    with pytest.raises(MockError) as short:
        ledger.reserve("k", Decimal("0.001"))
    assert short.value.status == 402
    ledger.settle(first, Decimal(0))
    second = ledger.reserve("k", Decimal("0.001"))
    with pytest.raises(ValueError, match="cannot charge"):
        ledger.settle(second, Decimal("0.002"))
    ledger.settle(second, Decimal("0.0008"))
    assert ledger.balance("k") == Decimal("0.0012")


def test_ledger_zero_limit_refuses_everything() -> None:
    world = _world(Decimal(1), RateLimit(0, 1.0))
    with pytest.raises(MockError) as limited:
        Ledger(world, FakeClock()).admit("k", world.keys["k"])
    assert limited.value.status == 429
    assert limited.value.headers["X-RateLimit-Remaining"] == "0"
