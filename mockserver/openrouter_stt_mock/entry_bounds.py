"""What a journal entry keeps: bounds on headers, a body's fields and a response body, so that no
run of requests can make one entry, or the journal, grow without end (see :mod:`.journal`).

:func:`bounded_headers` also says what it left out, in the words of the entry's ``cut``;
:func:`json_size` is how an entry's kept text is counted against the journal's bound.
"""

from __future__ import annotations

import itertools
from typing import Any, Final

import orjson

__all__ = [
    "ENTRY_OVERHEAD",
    "KEPT_BODY",
    "KEPT_CHARS",
    "KEPT_VALUES",
    "bounded_fields",
    "bounded_headers",
    "json_size",
]

# What a request keeps of a large body's fields (the audio aside): enough to judge its shape,
# while a 30 MB model name, a million provider options or a deep tree is not held for every entry.
KEPT_CHARS: Final = 1024
KEPT_VALUES: Final = 64
_FIELDS: Final = ("input_audio", "model", "language", "temperature", "provider")
# What an entry keeps of headers (each way) and of a response body.
_KEPT_HEADERS: Final = 64
_KEPT_HEADER_BYTES: Final = 8 * 1024
KEPT_BODY: Final = 64 * 1024
# The headers the spec's verdict reads: kept first, so a flood of others cannot push them out.
_FIRST_HEADERS: Final = ("authorization", "content-type", "content-length", "prefer")
# What an entry costs beyond its text: about what tracemalloc shows for a small request's entry.
ENTRY_OVERHEAD: Final = 2048


def json_size(document: Any) -> int:
    """The size of ``document`` as JSON (0 for ``None``), whatever it holds."""
    if document is None:
        return 0
    try:
        return len(orjson.dumps(document, default=repr, option=orjson.OPT_NON_STR_KEYS))
    except (TypeError, orjson.JSONEncodeError):  # a lone surrogate, a tree deeper than orjson goes
        return len(repr(document))


def bounded_headers(side: str, headers: dict[str, str]) -> tuple[dict[str, str], list[str], int]:
    """``headers`` as an entry keeps them, what was left out, and the bytes kept.

    The spec's headers go first; then each in order while there are fewer than 64 and their
    names and values come to at most 8 KiB; a name or value is cut to 1 KiB.
    """
    total = sum(len(name) + len(value) for name, value in headers.items())
    if total <= KEPT_CHARS and len(headers) <= _KEPT_HEADERS:
        return headers, [], total  # the usual few hundred bytes: nothing to cut
    kept: dict[str, str] = {}
    size = shortened = 0
    for name in itertools.chain((h for h in _FIRST_HEADERS if h in headers), headers):
        value = headers[name]
        short_name, short_value = name[:KEPT_CHARS], value[:KEPT_CHARS]
        cost = len(short_name) + len(short_value)
        if name in kept or len(kept) >= _KEPT_HEADERS or size + cost > _KEPT_HEADER_BYTES:
            continue
        kept[short_name] = short_value
        size += cost
        shortened += len(short_name) + len(short_value) < len(name) + len(value)
    cut = []
    if shortened:
        cut.append(f"{side} headers: {shortened} cut to {KEPT_CHARS} characters")
    if len(kept) < len(headers):
        cut.append(f"{side} headers: {len(headers) - len(kept)} of {len(headers)} left out")
    return kept, cut, size


def bounded_fields(document: Any) -> Any:
    """A copy of a parsed body: strings cut to 1 KiB, 64 values at most, spec fields first."""
    budget = KEPT_VALUES

    def keep(value: Any) -> Any:
        nonlocal budget
        budget -= 1
        if isinstance(value, str):
            return value[:KEPT_CHARS]
        if isinstance(value, list):
            return [keep(item) for item in itertools.islice(value, max(budget, 0))]
        if not isinstance(value, dict):
            return value
        kept: dict[str, Any] = {}
        for key in itertools.chain((f for f in _FIELDS if f in value), value):
            if budget <= 0:
                break
            if key not in kept:
                kept[key[:KEPT_CHARS]] = keep(value[key])
        return kept

    return keep(document)
