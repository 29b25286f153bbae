"""How error messages name the caller's arguments: as Python keywords (``format=``), or, while the
command line runs a call, as its options (``--format``).

A message is written once, with :func:`arg` and :func:`setting` where it names an argument; the
command line wraps its call in :func:`command_line`, so a user who typed ``--format`` is told
about ``--format``, never about a keyword they cannot see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

__all__ = ["CLI_OPTIONS", "arg", "command_line", "setting", "unset"]

#: The command line's option for each argument it offers.
CLI_OPTIONS: Final = {
    "api_key": "--api-key",
    "base_url": "--base-url",
    "max_retries": "--max-retries",
    "model": "--model",
    "format": "--format",
    "language": "--language",
    "temperature": "--temperature",
    "response_format": "--response-format",
    "timestamp_granularities": "--granularity",
    "upload": "--upload",
    "url": "--url",
    "diarize": "--diarize",
    "keyterms": "--keyterm",
    "session_id": "--session-id",
    "user": "--user",
    "trace": "--trace",
    "provider_zdr": "--zdr",
    "provider_data_collection": "--data-collection",
}

_ON_COMMAND_LINE: ContextVar[bool] = ContextVar("openrouter_stt_command_line", default=False)


@contextmanager
def command_line() -> Iterator[None]:
    """Within this block, messages name the command line's options."""
    token = _ON_COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _ON_COMMAND_LINE.reset(token)


def _option(name: str) -> str | None:
    return CLI_OPTIONS.get(name) if _ON_COMMAND_LINE.get() else None


def arg(name: str) -> str:
    """The argument as the caller writes it: ``language``, or ``--language`` on the command line.

    >>> arg("session_id")
    'session_id'
    """
    return _option(name) or name


def setting(name: str, value: object = ...) -> str:
    """The argument given a value, as the caller writes it: ``format='wav'`` or ``--format wav``;
    without a value, what to type before one (``format=``, ``--format``); a flag given ``True``
    is the flag alone (``--diarize``).

    >>> setting("response_format", "verbose_json")
    "response_format='verbose_json'"
    """
    option = _option(name)
    if option is None:
        return f"{name}=" if value is ... else f"{name}={value!r}"
    if value is ... or value is True:
        return option
    return f"{option} {value}"


def unset(name: str) -> str:
    """How the caller leaves an argument out: ``None`` in Python, no option on the command line.

    >>> unset("language")
    'None'
    """
    option = _option(name)
    return "None" if option is None else f"no {option}"
