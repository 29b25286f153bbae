"""The package's front door: one sorted ``__all__``, every name documented and importable."""

from __future__ import annotations

import inspect

import openrouter_stt_mock


def test_all_is_sorted_and_complete() -> None:
    names = openrouter_stt_mock.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(openrouter_stt_mock, name) is not None
    assert set(names) <= set(dir(openrouter_stt_mock))


def test_public_names_are_documented_and_shown_at_the_front_door() -> None:
    for name in openrouter_stt_mock.__all__:
        value = getattr(openrouter_stt_mock, name)
        if isinstance(value, type) or inspect.isfunction(value):
            assert value.__doc__, name
        if isinstance(value, type):
            assert value.__module__ == "openrouter_stt_mock", name


def test_default_key() -> None:
    assert openrouter_stt_mock.DEFAULT_API_KEY == "sk-or-mock-ok"
    assert openrouter_stt_mock.ENDPOINT_PATH == "/api/v1/audio/transcriptions"


def test_unknown_name() -> None:
    import pytest

    with pytest.raises(AttributeError):
        _ = openrouter_stt_mock.nothing_here  # type: ignore[attr-defined]
