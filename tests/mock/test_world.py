"""Worlds: the default one matches the contract's tables, and TOML builds the same objects."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from openrouter_stt_mock import KeySpec, Limits, ProviderSpec, RateLimit, World

from .conftest import DATA, FORMATS

DEFAULT_TOML = """
[limits]
max_body_bytes = 1024
upstream_timeout_seconds = 0.5

[keys."sk-a"]
credit_usd = "0.001016"
rate_limit = { requests = 2, window_seconds = 60 }

[keys."sk-b"]
disabled = true

[[models."openai/whisper-large-v3".providers]]
name = "OpenAI"
price_per_second = "0.0000552"

[[models."mock/slow".providers]]
name = "Slow"
price_per_second = 0.0001
formats = ["wav"]
latency_seconds = 3.0
health = "healthy"
capacity = 2
usage = ["seconds", "cost"]

[transcripts]
"abc" = "hi"
"""


def test_default_world_is_the_contract() -> None:
    world = World.default()
    assert world.keys["sk-or-mock-ok"] == KeySpec(Decimal(1000))
    assert world.keys["sk-or-mock-broke"].credit_usd == 0
    assert world.keys["sk-or-mock-limited"].rate_limit == RateLimit(2, 60.0)
    assert world.keys["sk-or-mock-disabled"].disabled
    assert set(world.models) == {
        "openai/whisper-large-v3",
        "openai/whisper-1",
        "mock/provider-down",
        "mock/no-provider",
        "mock/slow-provider",
        "mock/overloaded",
    }
    large = world.models["openai/whisper-large-v3"].providers[0]
    assert large.price_per_second == Decimal("0.0000552")
    assert large.formats == set(FORMATS)
    slow = world.models["mock/slow-provider"].providers[0]
    assert slow.latency_seconds > world.limits.upstream_timeout_seconds == 2.0
    assert world.limits.max_body_bytes == 32 * 1024 * 1024


@pytest.mark.parametrize("fmt", FORMATS)
def test_default_transcripts_cover_every_bundled_sample(fmt: str) -> None:
    digest = hashlib.sha256((DATA / f"hello.{fmt}").read_bytes()).hexdigest()
    expected = (DATA / "hello.txt").read_text(encoding="utf-8").strip()
    assert World.default().transcripts[digest] == expected
    assert World.default().may_know(len((DATA / f"hello.{fmt}").read_bytes()))


@pytest.mark.parametrize(
    ("entries", "sizes"),
    [
        ({"a": "hi", "b": {"text": "yo", "size": 10}}, None),  # one size unknown: hash them all
        ({"a": {"text": "hi", "size": 10}, "b": {"text": "yo", "size": 20}}, {10, 20}),
        ({}, set()),  # nothing to look up: hash nothing
    ],
)
def test_transcript_sizes_from_a_world_file(
    entries: dict[str, object], sizes: set[int] | None
) -> None:
    world = World.from_dict({"transcripts": entries})
    assert world.transcript_sizes == (None if sizes is None else frozenset(sizes))
    assert world.transcripts["a"] == "hi" if entries else not world.transcripts
    assert world.may_know(10) is (sizes is None or 10 in sizes)
    assert world.may_know(15) is (sizes is None)


def test_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "world.toml"
    path.write_text(DEFAULT_TOML, encoding="utf-8")
    world = World.from_toml(path)
    assert world.limits == Limits(max_body_bytes=1024, upstream_timeout_seconds=0.5)
    assert world.keys["sk-a"] == KeySpec(Decimal("0.001016"), RateLimit(2, 60.0))
    assert world.keys["sk-b"].disabled
    assert world.models["openai/whisper-large-v3"].providers[0].formats == set(FORMATS)
    assert world.models["mock/slow"].providers[0] == ProviderSpec(
        "Slow",
        Decimal("0.0001"),
        formats=frozenset({"wav"}),
        latency_seconds=3.0,
        capacity=2,
        usage=frozenset({"seconds", "cost"}),
    )
    assert world.transcripts == {"abc": "hi"}


@pytest.mark.parametrize(
    "data",
    [
        {"nonsense": {}},
        {"models": {"m": {"providers": [{"name": "p", "formats": ["opus"]}]}}},
        {"models": {"m": {"providers": [{"name": "p", "health": "sleepy"}]}}},
        {"keys": {"k": {"rate_limit": {"requests": 1, "window_seconds": 0}}}},
    ],
)
def test_from_dict_refuses_nonsense(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        World.from_dict(data)


def test_world_is_read_only() -> None:
    world = World.default()
    with pytest.raises(TypeError):
        world.keys["sk-new"] = KeySpec()  # type: ignore[index]


def test_the_default_world_file_names_every_bundled_sample_by_its_size() -> None:
    # World.default() is the bundled file: its sizes must be the samples' own, or a sample would
    # never be hashed and its transcript never found.
    sizes = {len((DATA / f"hello.{fmt}").read_bytes()) for fmt in FORMATS}
    assert World.default().transcript_sizes == sizes
    assert World.default() is World.default()  # read once, shared: a world is immutable
