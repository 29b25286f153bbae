"""State under load: hundreds of concurrent requests on one key, in process and over a real
server, spend exactly the credit there is and get exactly the rate limit's number of answers.

The worlds give the key credit for exactly ``N`` requests (or a limit of ``K`` per window); every
other request must be refused with 402 (or 429 with ``Retry-After``), and the books must balance
to the last millionth of a dollar.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from decimal import Decimal
from pathlib import Path

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

from ._support import (
    ENDPOINT,
    MODEL,
    PRICE,
    ROOT_URL,
    auth,
    check_error_shape,
    request_body,
    sample_cost,
    server_process,
    world_toml,
)

CONCURRENT = 300
PAID = 120  # requests the credit covers
ALLOWED = 40  # requests the rate limit lets through in one window
# Over a real server the client's side costs as much CPU as the server's: CI sends 200 at once,
# the slow run 600.
_PER_CLIENT = 25
REAL = [pytest.param(200, id="200"), pytest.param(600, id="600", marks=pytest.mark.slow)]


class FrozenClock:
    """Seconds since the epoch that move only when told to."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def _world(keys: dict[str, KeySpec], latency: float) -> World:
    # Latency keeps every request in flight at once, between reserving credit and settling it.
    provider = ProviderSpec("OpenAI", PRICE, latency_seconds=latency)
    return World(keys=keys, models={MODEL: ModelSpec((provider,))})


async def _storm(
    clients: httpx.AsyncClient | list[httpx.AsyncClient], key: str, count: int
) -> list[httpx.Response]:
    """``count`` requests on ``key``, all started at once (spread over ``clients``)."""
    pool = clients if isinstance(clients, list) else [clients]
    answers: list[httpx.Response] = []
    payload = request_body("ogg")

    async def one(client: httpx.AsyncClient) -> None:
        answers.append(await client.post(ENDPOINT, json=payload, headers=auth(key)))

    async with anyio.create_task_group() as group:
        for number in range(count):
            group.start_soon(one, pool[number % len(pool)])
    return answers


def _check_credit_storm(answers: list[httpx.Response], cost: Decimal, paid: int) -> None:
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: paid, 402: len(answers) - paid}
    for answer in answers:
        if answer.status_code == 200:
            assert Decimal(str(answer.json()["usage"]["cost"])) == cost
        else:
            check_error_shape(402, answer.json())


def _check_rate_storm(answers: list[httpx.Response], allowed: int) -> None:
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: allowed, 429: len(answers) - allowed}
    for answer in answers:
        if answer.status_code == 429:
            check_error_shape(429, answer.json())
            assert int(answer.headers["retry-after"]) >= 1
            assert answer.headers["x-ratelimit-remaining"] == "0"
            assert answer.headers["x-ratelimit-limit"] == str(allowed)


@pytest.mark.anyio
async def test_credit_for_n_requests_serves_exactly_n_in_process(cost: Decimal) -> None:
    app = create_app(MockConfig(world=_world({"k": KeySpec(PAID * cost)}, latency=0.05)))
    transport = async_transport(app)
    async with httpx.AsyncClient(transport=transport, base_url=ROOT_URL) as client:
        answers = await _storm(client, "k", CONCURRENT)
    _check_credit_storm(answers, cost, PAID)
    handle = get_handle(app)
    assert handle.balance("k") == Decimal(0)
    assert len(handle.journal) == CONCURRENT


@pytest.mark.anyio
async def test_rate_limit_lets_exactly_k_through_in_process(cost: Decimal) -> None:
    clock = FrozenClock()
    keys = {"k": KeySpec(Decimal(1000), rate_limit=RateLimit(ALLOWED, 60.0))}
    app = create_app(MockConfig(world=_world(keys, latency=0.01), clock=clock))
    async with httpx.AsyncClient(transport=async_transport(app), base_url=ROOT_URL) as client:
        answers = await _storm(client, "k", CONCURRENT)
        _check_rate_storm(answers, ALLOWED)
        # Refused requests spend no credit.
        assert get_handle(app).balance("k") == Decimal(1000) - ALLOWED * cost
        clock.now += 60.0
        again = await client.post(ENDPOINT, json=request_body("ogg"), headers=auth("k"))
        assert again.status_code == 200


def _real_world(count: int, cost: Decimal) -> str:
    return world_toml(
        {
            "credit": {"credit": count * 2 // 5 * cost},
            "rated": {"credit": Decimal(1000), "rate": (count // 5, 3600)},
        },
        latency=0.05,
    )


@asynccontextmanager
async def _real_clients(url: str, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    # A connection per request, spread over small pools: httpx's pool scans all of its
    # connections for every request, which at hundreds costs the client more than the server.
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=url, limits=httpx.Limits(max_connections=_PER_CLIENT), timeout=60.0
                )
            )
            for _ in range(-(-count // _PER_CLIENT))
        ]


@pytest.mark.anyio
@pytest.mark.parametrize("count", REAL)
async def test_credit_and_rate_limit_stay_exact_over_a_real_server(
    count: int, cost: Decimal, tmp_path: Path
) -> None:
    paid, allowed = count * 2 // 5, count // 5
    with server_process(tmp_path, world=_real_world(count, cost)) as server:
        async with _real_clients(server.url, count) as clients:
            _check_credit_storm(await _storm(clients, "credit", count), cost, paid)
            _check_rate_storm(await _storm(clients, "rated", count), allowed)
            journal = (await clients[0].get("/_mock/journal")).json()
            # No credit left for one more.
            extra = await clients[0].post(
                ENDPOINT, json=request_body("ogg"), headers=auth("credit")
            )
            assert extra.status_code == 402
        assert "Traceback" not in server.stderr()
    charged = [
        Decimal(str(entry["response"]["body"]["usage"]["cost"]))
        for entry in journal
        if entry["request"]["headers"].get("authorization") and entry["response"]["status"] == 200
    ]
    # The server's own books: it charged exactly the credit it held, to the millionth.
    assert sum(charged, Decimal(0)) == paid * cost + allowed * cost
    assert Counter(entry["response"]["status"] for entry in journal) == {
        200: paid + allowed,
        402: count - paid,
        429: count - allowed,
    }


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_world_file_for_the_real_server_matches_the_in_process_world(tmp_path: Path) -> None:
    # The subprocess reads its world from TOML: the key's credit must arrive exact, as a Decimal.
    cost = sample_cost("ogg")
    (tmp_path / "w.toml").write_text(world_toml({"credit": {"credit": PAID * cost}}))
    world = World.from_toml(tmp_path / "w.toml")
    assert world.keys["credit"].credit_usd == PAID * cost
    assert world.models[MODEL].providers[0].price_per_second == PRICE
