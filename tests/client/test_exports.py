"""The package's front door: one sorted ``__all__``, public module names, a light import."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import openrouter_stt


def _sort_key(name: str) -> tuple[int, str]:
    # Constants, then classes, then everything else, as ruff's RUF022 orders __all__.
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_and_unique() -> None:
    names = openrouter_stt.__all__
    assert len(set(names)) == len(names)
    assert names == sorted(names, key=_sort_key)


def test_all_matches_what_is_exported() -> None:
    # dir() lists the names imported on first use too; getattr resolves each of them.
    public = {
        name
        for name in dir(openrouter_stt)
        if not name.startswith("_")
        and not isinstance(getattr(openrouter_stt, name), types.ModuleType)
    }
    assert public | {"__version__"} == set(openrouter_stt.__all__)


def test_model_names_resolve_to_the_generated_models() -> None:
    import openrouter_stt_models

    names = ("STTEntity", "STTResponse", "STTSegment", "STTUsage", "STTVerboseResponse", "STTWord")
    for name in names:
        assert getattr(openrouter_stt, name) is getattr(openrouter_stt_models, name)


def test_exported_classes_and_functions_show_the_public_module() -> None:
    for name in openrouter_stt.__all__:
        value = getattr(openrouter_stt, name)
        if name.startswith("STT"):
            assert value.__module__ == "openrouter_stt_models"
        elif inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__ == "openrouter_stt", name


def test_every_exported_class_has_a_docstring() -> None:
    for name in openrouter_stt.__all__:
        value = getattr(openrouter_stt, name)
        if inspect.isclass(value):
            assert inspect.getdoc(value), name


def test_client_docstrings_show_usage() -> None:
    for cls in (openrouter_stt.OpenRouterSTT, openrouter_stt.AsyncOpenRouterSTT):
        assert ".transcribe(" in (cls.__doc__ or "")


def test_modules_declare_all() -> None:
    from openrouter_stt import (
        _attempts,
        _base,
        _body,
        _checks,
        _cli,
        _client,
        _config,
        _exceptions,
        _files,
        _logs,
        _multipart,
        _response,
        _retry,
        _types,
        _url,
        _version,
        _words,
        formats,
    )

    for module in (
        _attempts,
        _base,
        _body,
        _checks,
        _cli,
        _client,
        _config,
        _exceptions,
        _files,
        _logs,
        _multipart,
        _response,
        _retry,
        _types,
        _url,
        _version,
        _words,
        formats,
    ):
        assert isinstance(module.__all__, list), module.__name__
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_import_stays_light() -> None:
    code = (
        "import sys, openrouter_stt; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "{'openrouter_stt_mock', 'starlette', 'uvicorn', 'mutagen', 'jsonschema', 'argparse', "
        "'openrouter_stt_models'} "
        "or m == 'openrouter_stt._cli']; print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
