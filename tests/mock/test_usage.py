"""Usage computed from the audio: exact numbers for stated inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openrouter_stt_mock import ProviderSpec
from openrouter_stt_mock.measure import Audio
from openrouter_stt_mock.usage import Bill, seconds_of, transcript_of

PAGE_TEXT = "Hello, this is a test of OpenAI speech-to-text transcription."
LARGE_V3 = ProviderSpec("OpenAI", Decimal("0.0000552"))


def _audio(seconds: float, sha: str | None = "ab" * 32) -> Audio:
    return Audio("wav", 1000, sha, seconds)


def test_page_example() -> None:
    assert Bill(_audio(9.2)).usage(PAGE_TEXT, LARGE_V3) == {
        "cost": 0.000508,
        "input_tokens": 83,
        "output_tokens": 30,
        "total_tokens": 113,
        "seconds": 9.2,
    }


@pytest.mark.parametrize(
    ("seconds", "billed", "tokens"),
    [(9.0, "9.000", 81), (1.0005, "1.001", 10), (0.0004, "0.000", 0), (2.2999999, "2.300", 21)],
)
def test_rounding(seconds: float, billed: str, tokens: int) -> None:
    audio = _audio(seconds)
    assert seconds_of(audio) == Bill(audio).seconds == Decimal(billed)
    assert Bill(audio).usage("", LARGE_V3)["input_tokens"] == tokens


def test_cost_rounds_half_up_to_a_millionth_and_is_worked_out_once_per_price() -> None:
    bill = Bill(_audio(1.0))
    assert bill.cost(ProviderSpec("p", Decimal("0.0000005"))) == Decimal("0.000001")
    assert bill.cost(ProviderSpec("q", Decimal("0.0000005"))) is bill.cost(
        ProviderSpec("p", Decimal("0.0000005"))
    )


def test_output_tokens_at_least_one() -> None:
    assert Bill(_audio(1.0)).usage("", LARGE_V3)["output_tokens"] == 1


def test_fields_follow_the_provider() -> None:
    provider = ProviderSpec("p", Decimal("0.0001"), usage=frozenset({"tokens"}))
    assert set(Bill(_audio(1.0)).usage("abc", provider)) == {
        "input_tokens",
        "output_tokens",
        "total_tokens",
    }


def test_transcripts_known_and_described() -> None:
    audio = _audio(2.5, "1a2b3c4d" + "0" * 56)
    assert transcript_of(audio, {"1a2b3c4d" + "0" * 56: "hi"}) == "hi"
    assert transcript_of(audio, {}) == "[mock transcript: 2.50 s of wav audio, 1000 bytes]"
    # Audio the world could not know was never hashed: it is described, never looked up.
    unhashed = _audio(2.5, None)
    assert transcript_of(unhashed, {"1a2b3c4d" + "0" * 56: "hi"}) == transcript_of(audio, {})
