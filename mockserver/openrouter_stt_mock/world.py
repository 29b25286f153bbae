"""The mock's world: API keys, the model catalogue, known transcripts and limits.

A :class:`World` is static data, frozen once built; what changes while the mock runs (credit spent,
rate windows, requests in flight) lives in the ledger, so a reset is simply a fresh ledger over the
same world. Build one in Python, load one from TOML with :meth:`World.from_toml`, or take
:meth:`World.default`, the world of the contract's tables.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from openrouter_stt.formats import AUDIO_FORMATS

__all__ = [
    "DEFAULT_API_KEY",
    "Health",
    "KeySpec",
    "Limits",
    "ModelSpec",
    "ProviderSpec",
    "RateLimit",
    "UrlAudio",
    "UsageField",
    "World",
]

Health = Literal["healthy", "down", "unavailable", "overloaded"]
UsageField = Literal["seconds", "tokens", "cost"]

#: The key of the default world with plenty of credit and no rate limit.
DEFAULT_API_KEY: Final = "sk-or-mock-ok"

#: The contract's world as a world file, shipped beside this module: :meth:`World.default` reads it.
_DEFAULT_WORLD_FILE: Final = Path(__file__).with_name("default_world.toml")
_ALL_USAGE: Final[frozenset[UsageField]] = frozenset(get_args(UsageField))


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` requests in a fixed window of ``window_seconds`` seconds."""

    requests: int
    window_seconds: float

    def __post_init__(self) -> None:
        if self.requests < 0 or self.window_seconds <= 0:
            raise ValueError("a rate limit needs requests >= 0 and window_seconds > 0")


@dataclass(frozen=True)
class KeySpec:
    """An API key: starting credit in USD, an optional rate limit, whether it is disabled, and
    the models its guardrail policy allows (``None``: any; a request for another is a 403)."""

    credit_usd: Decimal = Decimal(0)
    rate_limit: RateLimit | None = None
    disabled: bool = False
    allowed_models: frozenset[str] | None = None


@dataclass(frozen=True)
class ProviderSpec:
    """A provider serving a model.

    ``price_per_second`` is in USD per second of audio; ``latency_seconds`` is how long it takes to
    answer; ``capacity`` is how many requests it serves at once (``None``: unlimited), beyond which
    it is overloaded; ``usage`` names the usage fields it reports; ``openai_compatible`` says
    whether it speaks OpenAI's transcription API, which ``verbose_json`` needs. ``diarize``,
    ``keyterms`` and ``url_input`` say what else it can do; ``max_url_seconds`` is the longest
    audio it accepts by URL, whose price a request's credit must cover before it is fetched.
    """

    name: str
    price_per_second: Decimal
    formats: frozenset[str] = frozenset(AUDIO_FORMATS)
    latency_seconds: float = 0.0
    health: Health = "healthy"
    capacity: int | None = None
    usage: frozenset[UsageField] = _ALL_USAGE
    openai_compatible: bool = True
    diarize: bool = False
    keyterms: bool = False
    url_input: bool = False
    max_url_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.health not in get_args(Health):
            raise ValueError(f"health must be one of {get_args(Health)}, not {self.health!r}")
        if self.latency_seconds < 0 or self.price_per_second < 0:
            raise ValueError("latency_seconds and price_per_second must not be negative")
        if not set(self.usage) <= _ALL_USAGE:
            raise ValueError(f"usage fields must be among {sorted(_ALL_USAGE)}")


@dataclass(frozen=True)
class UrlAudio:
    """The audio a URL serves in the world (the mock never opens a connection): a file, and how
    long the provider takes to download it."""

    path: Path
    latency_seconds: float = 0.0


@dataclass(frozen=True)
class ModelSpec:
    """A model and the providers that serve it, tried in order."""

    providers: tuple[ProviderSpec, ...] = ()


@dataclass(frozen=True)
class Limits:
    """Gateway limits: request body size, upstream timeout (524 past it), the ``Retry-After`` of
    a 503, and how long a provider may take to fetch audio by URL (504 past it)."""

    max_body_bytes: int = 32 * 1024 * 1024
    upstream_timeout_seconds: float = 2.0
    unavailable_retry_after_seconds: int = 5
    gateway_timeout_seconds: float = 2.0


@dataclass(frozen=True)
class World:
    """Everything the mock knows: keys, models, transcripts by sha256 of the audio, and limits.

    ``transcript_sizes``, when given, holds the size in bytes of every audio file that has a
    transcript: audio of any other size cannot match one, so it is not hashed at all (on a large
    upload, hashing is the dearest step). ``None`` means the sizes are not known, and every
    upload is hashed to look it up; with no transcripts, nothing is hashed. ``urls`` maps each
    audio URL the world serves to its :class:`UrlAudio`.
    """

    keys: Mapping[str, KeySpec] = field(default_factory=dict)
    models: Mapping[str, ModelSpec] = field(default_factory=dict)
    transcripts: Mapping[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    transcript_sizes: frozenset[int] | None = None
    urls: Mapping[str, UrlAudio] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Read-only views: a world is shared by every request and must not drift.
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))
        object.__setattr__(self, "models", MappingProxyType(dict(self.models)))
        object.__setattr__(self, "transcripts", MappingProxyType(dict(self.transcripts)))
        object.__setattr__(self, "urls", MappingProxyType(dict(self.urls)))
        sizes = self.transcript_sizes
        if not self.transcripts:
            sizes = frozenset()
        elif sizes is not None:
            sizes = frozenset(sizes)
            if any(size <= 0 for size in sizes):
                raise ValueError("transcript_sizes must be positive byte counts")
        object.__setattr__(self, "transcript_sizes", sizes)

    def may_know(self, size: int) -> bool:
        """Whether audio of ``size`` bytes may have a known transcript (only then is it hashed).

        >>> world = World.default()
        >>> world.may_know(294444), world.may_know(100044)
        (True, False)
        """
        return self.transcript_sizes is None or size in self.transcript_sizes

    @classmethod
    def default(cls) -> World:
        """The contract's world: one key per account state, one model per provider state.

        It is ``default_world.toml``, next to this module, read once: copy and edit that file
        for ``openrouter-stt mock --world FILE``.
        """
        return _default_world()

    @classmethod
    def from_toml(cls, path: str | Path) -> World:
        """Load a world from a TOML file (needs Python 3.11+, or ``tomli`` installed on 3.10).

        Layout (every table optional; what is left out is empty, limits take their defaults)::

            [limits]
            max_body_bytes = 33554432
            upstream_timeout_seconds = 2.0
            unavailable_retry_after_seconds = 5

            [keys."sk-or-mock-ok"]
            credit_usd = 1000          # a string such as "0.001016" keeps exact decimals
            rate_limit = { requests = 2, window_seconds = 60 }
            disabled = false
            allowed_models = ["openai/whisper-1"]  # a guardrail: 403 for any other model

            [[models."openai/whisper-large-v3".providers]]
            name = "OpenAI"
            price_per_second = "0.0000552"
            formats = ["wav", "mp3"]   # default: all seven
            latency_seconds = 0.0
            health = "healthy"         # healthy | down | unavailable | overloaded
            capacity = 4               # default: unlimited
            usage = ["seconds", "cost"]  # default: seconds, tokens and cost
            openai_compatible = true   # verbose_json needs it
            diarize = false
            keyterms = false
            url_input = false          # audio by URL
            max_url_seconds = 3600     # the longest audio it takes by URL

            [urls]                     # what each audio URL serves; no connection is opened
            "https://example.com/a.mp3" = { sample = "mp3" }    # a sample shipped with the mock
            "https://example.com/b.wav" = { file = "b.wav", latency_seconds = 1.0 }

            [transcripts]
            "<sha256 of the audio bytes>" = "what it says"
            # or, with the file's size in bytes: when every entry gives one, audio of any
            # other size is not hashed to look it up
            "<sha256 of other audio>" = { text = "what it says", size = 294444 }

        The file is checked as a whole: a :class:`WorldFileError` (a ``ValueError``) lists
        every problem, each naming the table, key and field, what was wrong and what is
        accepted. A misspelled field is one of them, never a default silently taken.
        """
        path = Path(path)
        return _world_from_data(_load_toml(path), str(path), path.parent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> World:
        """Build a world from plain data laid out as in :meth:`from_toml`.

        The data is checked as a whole: a :class:`WorldFileError` (a ``ValueError``) lists every
        problem, each naming the table, key and field, what was wrong and what is accepted.
        """
        return _world_from_data(data)


def _world_from_data(data: Any, source: str = "the world", folder: Path | None = None) -> World:
    # The schema builds worlds, so it imports this module: it is reached on first use.
    from .worldfile import world_from_data

    return world_from_data(data, source, folder or Path.cwd())


@functools.cache
def _default_world() -> World:
    # A world is immutable, so every app can share the one read from the file.
    return World.from_toml(_DEFAULT_WORLD_FILE)


def _load_toml(path: Path) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised only on 3.10
        try:
            import tomli as tomllib
        except ImportError as exc:
            raise RuntimeError("loading a world from TOML needs Python 3.11+ or tomli") from exc
    from .worldfile import WorldFileError

    with path.open("rb") as handle:
        try:
            return tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise WorldFileError([f"not valid TOML: {exc}"], str(path)) from None
