"""Drift: the differences between our fragment and upstream's newest document, kept in a file.

The file (``openapi/expected-drift.json``) lists every breaking and additive difference
:func:`~._diff.diff` finds from our fragment to the newest document in ``openapi/upstream/``
(newest by the date in its name). :func:`drift_problems` names what the file does not foresee:
a difference it does not list (new drift, or an upstream excerpt newer than the one it was made
against) and one it lists that is gone. ``openrouter-stt contract drift --update`` rewrites it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ._diff import diff
from ._document import DocumentError, load

__all__ = [
    "DEFAULT_EXPECTED",
    "DEFAULT_OURS",
    "DEFAULT_UPSTREAM",
    "Drift",
    "drift",
    "drift_problems",
    "newest_upstream",
]

DEFAULT_OURS: Final = Path("openapi/openrouter-stt.yaml")
DEFAULT_UPSTREAM: Final = Path("openapi/upstream")
DEFAULT_EXPECTED: Final = Path("openapi/expected-drift.json")
_DATED: Final = re.compile(r"(\d{4}-\d{2}-\d{2})")


def newest_upstream(folder: Path) -> Path:
    """The document in ``folder`` with the latest date in its name."""
    dated = [
        (match.group(1), path.name, path)
        for path in folder.iterdir()
        if path.suffix in (".yaml", ".yml", ".json") and (match := _DATED.search(path.name))
    ]
    if not dated:
        raise DocumentError(f"no dated OpenAPI document in {folder}")
    return max(dated)[2]


@dataclass(frozen=True)
class Drift:
    """Our fragment against one upstream document: which, and the differences that matter."""

    ours: str
    upstream: str
    differences: tuple[dict[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """As kept in the file."""
        return {"ours": self.ours, "upstream": self.upstream, "differences": list(self.differences)}

    def to_json(self) -> str:
        """The file's text: sorted keys, one difference a line block, a final newline."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def drift(ours: Path, upstream: Path) -> Drift:
    """The breaking and additive differences from ``ours`` to ``upstream``."""
    found = [d.to_dict() for d in diff(load(ours), load(upstream)) if d.kind != "cosmetic"]
    return Drift(ours.name, upstream.name, tuple(found))


def _line(difference: dict[str, str]) -> str:
    d = difference
    return f"{d['kind']} {d['operation']} {d['where']}: {d['detail']} [{d['change']}]"


def drift_problems(expected: dict[str, Any], actual: Drift) -> list[str]:
    """What ``expected`` (the file's contents) does not foresee in ``actual``, one line each."""
    problems: list[str] = []
    if expected.get("upstream") != actual.upstream:
        problems.append(
            f"the newest upstream document is {actual.upstream}; the expected drift was made "
            f"against {expected.get('upstream')}"
        )
    listed = [dict(d) for d in expected.get("differences", [])]
    problems += [f"unexpected: {_line(d)}" for d in actual.differences if d not in listed]
    problems += [f"gone: {_line(d)}" for d in listed if d not in actual.differences]
    return problems
