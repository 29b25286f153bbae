"""What a successful transcription answers: the text, and usage computed from the audio itself.

Deterministic, so tests can state exact numbers: ``seconds`` is the duration rounded to 3 decimals,
``cost = round(seconds * price per second, 6)`` (half up), ``input_tokens = ceil(seconds * 9)``,
``output_tokens = max(1, len(text) // 2)``, ``total_tokens`` their sum. 9.2 s of the reference
page's text on ``openai/whisper-large-v3`` gives the page's example: 0.000508 USD, 83 + 30 = 113.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from .measure import Audio
from .world import ProviderSpec

__all__ = ["Bill", "seconds_of", "transcript_of", "url_hold"]

_MICRO_USD: Final = Decimal("0.000001")
_MILLISECOND: Final = Decimal("0.001")
_TOKENS_PER_SECOND: Final = 9


def seconds_of(audio: Audio) -> Decimal:
    """The billed duration: the decoded duration rounded to milliseconds."""
    return Decimal(repr(audio.seconds)).quantize(_MILLISECOND, rounding=ROUND_HALF_UP)


def transcript_of(
    audio: Audio, transcripts: Mapping[str, str], keyterms: Sequence[str] | None = None
) -> str:
    """The known transcript of the audio, or a deterministic description of what was received.

    Key terms that occur in it (as whole words, in any case) take the spelling they were given,
    as a recogniser biased toward them would write them.
    """
    known = transcripts.get(audio.sha256) if audio.sha256 is not None else None
    text = known
    if text is None:
        text = (
            f"[mock transcript: {audio.seconds:.2f} s of {audio.format} audio, {audio.size} bytes]"
        )
    for term in keyterms or ():
        spelled = term.strip()
        pattern = re.compile(r"(?<!\w)" + re.escape(spelled) + r"(?!\w)", re.IGNORECASE)
        # Joined from the pieces around each match: a term's backslashes are its own, never
        # the escapes of a replacement template.
        text = spelled.join(pattern.split(text))
    return text


def url_hold(provider: ProviderSpec) -> Decimal:
    """What audio by URL is held at before it is fetched: the price of the longest audio the
    provider takes by URL (the credit must cover it, as on OpenRouter)."""
    seconds = Decimal(repr(provider.max_url_seconds))
    return (seconds * provider.price_per_second).quantize(_MICRO_USD, ROUND_HALF_UP)


class Bill:
    """The billed seconds of one audio, and its cost at each provider, each worked out once.

    One request asks for the cost several times (the reservation, the usage, the charge), and
    exact Decimal arithmetic is the dearest part of it.
    """

    __slots__ = ("_costs", "seconds")

    def __init__(self, audio: Audio) -> None:
        self.seconds = seconds_of(audio)
        self._costs: dict[Decimal, Decimal] = {}

    def cost(self, provider: ProviderSpec) -> Decimal:
        """What the audio costs at ``provider``, in USD, rounded to a millionth."""
        price = provider.price_per_second
        cost = self._costs.get(price)
        if cost is None:
            cost = self._costs[price] = (self.seconds * price).quantize(_MICRO_USD, ROUND_HALF_UP)
        return cost

    def usage(self, text: str, provider: ProviderSpec) -> dict[str, Any]:
        """The usage object ``provider`` reports for the audio, with only the fields it reports."""
        usage: dict[str, Any] = {}
        if "cost" in provider.usage:
            usage["cost"] = float(self.cost(provider))
        if "tokens" in provider.usage:
            input_tokens = math.ceil(self.seconds * _TOKENS_PER_SECOND)
            output_tokens = max(1, len(text) // 2)
            usage |= {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            }
        if "seconds" in provider.usage:
            usage["seconds"] = float(self.seconds)
        return usage
