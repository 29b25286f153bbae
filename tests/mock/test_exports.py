"""The package's front door: one sorted ``__all__``, each name loaded from the module that defines
it and lists it, documented, and shown under the package's name."""

from __future__ import annotations

import importlib
import inspect

import pytest

import openrouter_stt_mock

HOMES: dict[str, str] = openrouter_stt_mock._HOMES  # type: ignore[attr-defined]


def test_all_is_sorted_and_every_name_has_a_home() -> None:
    names = openrouter_stt_mock.__all__
    # Constants, then classes, then functions, each alphabetical (the order ruff's RUF022 keeps).
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert set(names) == set(HOMES)


@pytest.mark.parametrize("name", sorted(HOMES))
def test_each_name_is_the_one_its_home_module_defines_and_lists(name: str) -> None:
    home = importlib.import_module(f"openrouter_stt_mock.{HOMES[name]}")
    assert name in home.__all__, (name, home.__name__)
    assert getattr(openrouter_stt_mock, name) is getattr(home, name)
    assert name in dir(openrouter_stt_mock)


def test_public_names_are_documented_and_shown_at_the_front_door() -> None:
    for name in openrouter_stt_mock.__all__:
        value = getattr(openrouter_stt_mock, name)
        if isinstance(value, type) or inspect.isfunction(value):
            assert value.__doc__, name
        if isinstance(value, type):
            assert value.__module__ == "openrouter_stt_mock", name


def test_constants() -> None:
    assert openrouter_stt_mock.DEFAULT_API_KEY == "sk-or-mock-ok"
    assert openrouter_stt_mock.ENDPOINT_PATH == "/api/v1/audio/transcriptions"
    assert openrouter_stt_mock.IN_PROCESS_BASE_URL.endswith("/api/v1")


def test_unknown_name() -> None:
    with pytest.raises(AttributeError):
        _ = openrouter_stt_mock.nothing_here  # type: ignore[attr-defined]
