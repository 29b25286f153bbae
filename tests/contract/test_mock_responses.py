"""Every response the mock gives, judged against the OpenAPI documents themselves.

Each status comes once for its real reason and once forced with ``Prefer: code=NNN``. Request and
response are validated with openapi-core against our fragment, and against OpenRouter's first
published document, where the only differences are the ones named in
:data:`tests.contract._exchanges.UPSTREAM_DIFFERENCES`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract._contract import Contract
from tests.contract._exchanges import (
    FORCED,
    INTERNAL,
    OVER_SOCKETS,
    REAL,
    UPSTREAM_DIFFERENCES,
    Case,
    Exchange,
    check_body,
    check_headers,
    expected_upstream_differences,
    run,
    split_errors,
    without_nulls,
)


@pytest.fixture
def broken_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mock fails unexpectedly while answering, as a bug in it would."""
    from openrouter_stt_mock import gateway

    def fail(*args: Any) -> Any:
        raise RuntimeError("an unexpected fault")

    monkeypatch.setattr(gateway, "transcript_of", fail)


def judge(case: Case, exchange: Exchange, ours: Contract, upstream: Contract) -> None:
    response = exchange.response
    assert response.status_code == case.status, response.text
    assert ours.response_errors(exchange.request, exchange.sent, response) == []
    check_headers(exchange)
    document = check_body(exchange)
    assert split_errors(upstream.response_errors(exchange.request, exchange.sent, response)) == (
        expected_upstream_differences(case.status, document, upstream.edition)
    )
    if f"{case.status} is not documented" not in UPSTREAM_DIFFERENCES[upstream.edition]:
        # Apart from the named differences, each upstream document accepts the answer too.
        assert (
            upstream.response_errors(exchange.request, exchange.sent, without_nulls(response)) == []
        )
    request_errors = ours.request_errors(exchange.request, exchange.sent)
    assert (request_errors == []) == case.request_fits, request_errors
    upstream_errors = upstream.request_errors(exchange.request, exchange.sent)
    assert (upstream_errors == []) == case.fits(upstream.edition), upstream_errors


@pytest.mark.parametrize("case", REAL, ids=str)
def test_each_status_for_its_real_reason(case: Case, ours: Contract, upstream: Contract) -> None:
    exchanges = run(case)
    for exchange in exchanges:  # the 429 case makes two successful requests first
        assert ours.response_errors(exchange.request, exchange.sent, exchange.response) == []
    judge(case, exchanges[-1], ours, upstream)


@pytest.mark.usefixtures("broken_gateway")
def test_an_internal_fault_is_a_masked_500(ours: Contract, upstream: Contract) -> None:
    (exchange,) = run(INTERNAL)
    judge(INTERNAL, exchange, ours, upstream)
    assert exchange.response.json()["error"]["message"] == "Internal Server Error"


@pytest.mark.parametrize("case", FORCED, ids=str)
def test_each_status_forced_with_prefer(case: Case, ours: Contract, upstream: Contract) -> None:
    (exchange,) = run(case)
    judge(case, exchange, ours, upstream)


def test_every_documented_status_is_covered_both_ways(ours: Contract) -> None:
    documented = {
        int(s) for s in ours.document["paths"]["/audio/transcriptions"]["post"]["responses"]
    }
    assert {case.status for case in (*REAL, INTERNAL)} | OVER_SOCKETS == documented
    assert {case.status for case in FORCED} == documented


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (
            "openai/whisper-large-v3",
            {"seconds", "cost", "input_tokens", "output_tokens", "total_tokens"},
        ),
        ("openai/whisper-1", {"seconds", "cost"}),
    ],
)
def test_success_usage_has_each_providers_fields(model: str, fields: set[str]) -> None:
    case = next(c for c in REAL if c.status == 200 and model.split("/")[1] in c.name)
    (exchange,) = run(case)
    usage = exchange.response.json()["usage"]
    assert set(usage) == fields
    if model == "openai/whisper-large-v3":
        # The reference page's example, to the unit.
        assert usage == {
            "cost": 0.000508,
            "input_tokens": 83,
            "output_tokens": 30,
            "seconds": 9.2,
            "total_tokens": 113,
        }
    else:
        assert usage["cost"] == round(usage["seconds"] * 0.0001, 6)


def test_the_named_upstream_differences_are_all_needed_and_all_there_is(
    upstream: Contract,
) -> None:
    seen: set[tuple[str, str]] = set()
    for case in (*REAL, *FORCED):
        exchange = run(case)[-1]
        seen |= split_errors(
            upstream.response_errors(exchange.request, exchange.sent, exchange.response)
        )
    assert seen == set(UPSTREAM_DIFFERENCES[upstream.edition].values())
