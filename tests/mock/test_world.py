"""Worlds: the default one matches the contract's tables, and TOML builds the same objects."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from openrouter_stt_mock import KeySpec, Limits, ProviderSpec, RateLimit, World, WorldFileError

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
"ABABabababababababababababababababababababababababababababababab" = "hi"
"""
#: A made-up sha256 (the one DEFAULT_TOML names, there in capitals).
SHA_A = "ab" * 32
SHA_B = "cd" * 32


def test_default_world_is_the_contract() -> None:
    world = World.default()
    assert world.keys["sk-or-mock-ok"] == KeySpec(Decimal(1000))
    assert world.keys["sk-or-mock-broke"].credit_usd == 0
    assert world.keys["sk-or-mock-limited"].rate_limit == RateLimit(2, 60.0)
    assert world.keys["sk-or-mock-disabled"].disabled
    assert set(world.models) == {
        "openai/whisper-large-v3",
        "openai/whisper-1",
        "mock/json-only",
        "mock/diarizer",
        "mock/provider-down",
        "mock/no-provider",
        "mock/slow-provider",
        "mock/overloaded",
    }
    assert world.keys["sk-or-mock-guarded"].allowed_models == {"openai/whisper-large-v3"}
    (diarizer,) = world.models["mock/diarizer"].providers
    assert (diarizer.diarize, diarizer.keyterms, diarizer.url_input) == (True, True, True)
    assert diarizer.openai_compatible
    # Every audio URL of the default world serves a shipped sample; one is slower than the gateway.
    assert all(audio.path.is_file() for audio in world.urls.values())
    slow_url = world.urls["https://slow.example.com/hello.wav"]
    assert slow_url.latency_seconds > world.limits.gateway_timeout_seconds
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
        ({SHA_A: "hi", SHA_B: {"text": "yo", "size": 10}}, None),  # one size unknown: hash all
        ({SHA_A: {"text": "hi", "size": 10}, SHA_B: {"text": "yo", "size": 20}}, {10, 20}),
        ({}, set()),  # nothing to look up: hash nothing
    ],
)
def test_transcript_sizes_from_a_world_file(
    entries: dict[str, object], sizes: set[int] | None
) -> None:
    world = World.from_dict({"transcripts": entries})
    assert world.transcript_sizes == (None if sizes is None else frozenset(sizes))
    assert world.transcripts[SHA_A] == "hi" if entries else not world.transcripts
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
    assert world.transcripts == {SHA_A: "hi"}  # looked up as hashlib writes it: lowercase


BROKEN_TOML = """
[limits]
max_body_byts = 1024

[keys."sk-abc"]
credit_usd = "abc"

[keys."sk-negative"]
credit_usd = "-5"

[keys."sk-typo"]
credit = 10
rate_limit = { requests = "2", window_seconds = 60 }

[[models."m".providers]]
name = "P"
price_per_secnd = "0.0001"
formats = ["wav", "opus"]
"""
USD = 'a number of USD, 0 or more (a string such as "0.001016" keeps exact decimals)'


def test_a_broken_world_file_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = tmp_path / "world.toml"
    path.write_text(BROKEN_TOML, encoding="utf-8")
    with pytest.raises(WorldFileError) as caught:
        World.from_toml(path)
    # Each names the table, the key and the field, what was wrong and what is accepted.
    assert caught.value.problems == (
        "[keys.\"sk-abc\"] credit_usd = 'abc': should be a valid decimal; accepted: " + USD,
        "[keys.\"sk-negative\"] credit_usd = '-5': should be greater than or equal to 0; "
        "accepted: " + USD,
        "[keys.\"sk-typo\"] rate_limit.requests = '2': should be a valid integer; "
        "accepted: a whole number of requests, 0 or more",
        "[keys.\"sk-typo\"] credit: unknown field (did you mean 'credit_usd'?); "
        "accepted: credit_usd, rate_limit, disabled, allowed_models",
        "[[models.\"m\".providers]] #1 formats[1] = 'opus': should be 'wav', 'mp3', 'flac', "
        "'m4a', 'ogg', 'webm' or 'aac'; accepted: an array of wav, mp3, flac, m4a, ogg, webm, aac",
        '[[models."m".providers]] #1 price_per_secnd: unknown field (did you mean '
        "'price_per_second'?); accepted: name, price_per_second, formats, latency_seconds, "
        "health, capacity, usage, openai_compatible, diarize, keyterms, url_input, "
        "max_url_seconds",
        "[limits] max_body_byts: unknown field (did you mean 'max_body_bytes'?); accepted: "
        "max_body_bytes, upstream_timeout_seconds, unavailable_retry_after_seconds, "
        "gateway_timeout_seconds",
    )
    assert str(caught.value).startswith(f"7 problems in {path}:\n  [keys.")
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"nonsense": {}}, "nonsense: unknown table; accepted: keys, models, transcripts, limits"),
        ({"keys": {"k": 5}}, '[keys] "k" = 5: should be a table; accepted: a table of credit_usd'),
        (
            {"keys": {"k": {"disabled": "yes"}}},
            "[keys.\"k\"] disabled = 'yes': should be a valid boolean; accepted: true or false",
        ),
        (
            {"models": {"m": {"providers": [{"price_per_second": 1}]}}},
            '[[models."m".providers]] #1 name: missing; accepted: the provider\'s name',
        ),
        (
            {"models": {"m": {"providers": [{"name": "p", "usage": "cost"}]}}},
            "[[models.\"m\".providers]] #1 usage = 'cost': should be an array; accepted: an "
            "array of seconds, tokens, cost",
        ),
        (
            {"models": {"m": {"providers": [{"name": "p", "health": "sleepy"}]}}},
            "[[models.\"m\".providers]] #1 health = 'sleepy': should be 'healthy', 'down', "
            "'unavailable' or 'overloaded'; accepted: one of healthy, down, unavailable, "
            "overloaded",
        ),
        (
            {"keys": {"k": {"rate_limit": {"requests": 1, "window_seconds": 0}}}},
            '[keys."k"] rate_limit.window_seconds = 0: should be greater than 0;',
        ),
        (
            {"transcripts": {"abc": "hi"}},
            '[transcripts] "abc": not a sha256; accepted: the audio\'s sha256, 64 hex digits',
        ),
        (
            {"transcripts": {"ab" * 32: {"text": "hi", "size": 0}}},
            f'[transcripts."{"ab" * 32}"] size = 0: should be greater than 0;',
        ),
        ({"keys": {"k": {"credit_usd": "NaN"}}}, "[keys.\"k\"] credit_usd = 'NaN': should be a"),
    ],
)
def test_from_dict_names_what_is_wrong_and_what_is_accepted(
    data: dict[str, object], problem: str
) -> None:
    with pytest.raises(WorldFileError) as caught:
        World.from_dict(data)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(problem)


def test_a_world_file_that_is_not_toml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "world.toml"
    path.write_text('[keys."k"]\ncredit_usd = \n', encoding="utf-8")
    with pytest.raises(WorldFileError, match=r"not valid TOML: .*line 2"):
        World.from_toml(path)


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


def test_a_world_file_maps_urls_to_files_beside_it(tmp_path: Path) -> None:
    (tmp_path / "speech.wav").write_bytes((DATA / "hello.wav").read_bytes())
    world_file = tmp_path / "world.toml"
    world_file.write_text(
        '[urls]\n"https://example.com/a.wav" = { file = "speech.wav", latency_seconds = 0.5 }\n'
        '"https://example.com/b.mp3" = { sample = "mp3" }\n',
        encoding="utf-8",
    )
    world = World.from_toml(world_file)
    assert world.urls["https://example.com/a.wav"].path == tmp_path / "speech.wav"
    assert world.urls["https://example.com/a.wav"].latency_seconds == 0.5
    assert world.urls["https://example.com/b.mp3"].path.name == "hello.mp3"


def test_a_url_entry_says_what_is_wrong_with_it(tmp_path: Path) -> None:
    world_file = tmp_path / "world.toml"
    world_file.write_text(
        '[urls]\n"https://example.com/a.wav" = { file = "missing.wav" }\n'
        '"https://example.com/b.wav" = { sample = "wav", file = "x.wav" }\n'
        '"ftp://example.com/c.wav" = { sample = "wav" }\n',
        encoding="utf-8",
    )
    with pytest.raises(WorldFileError) as caught:
        World.from_toml(world_file)
    text = str(caught.value)
    assert "exactly one of sample and file" in text
    assert '"ftp://example.com/c.wav": not an http(s) URL' in text
    # A missing file is found once the entries are well formed.
    world_file.write_text('[urls]\n"https://example.com/a.wav" = { file = "missing.wav" }\n')
    with pytest.raises(WorldFileError, match="no such file"):
        World.from_toml(world_file)
