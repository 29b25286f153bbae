"""Tools that keep the contract true: excerpt, diff, record, verify and replay.

``openrouter-stt contract excerpt|diff|drift|verify`` and ``openrouter-stt mock --record|--replay``
are built from these. They read YAML (PyYAML) and resolve ``$ref``s with ``referencing``, both
carried by the ``mock`` extra.
"""

from __future__ import annotations

from ._diff import KINDS, Difference, diff
from ._document import Document, DocumentError, load, read_document
from ._drift import Drift, drift, drift_problems, newest_upstream
from ._excerpt import DEFAULT_PATH, excerpt, excerpt_yaml

__all__ = [
    "DEFAULT_PATH",
    "KINDS",
    "Difference",
    "Document",
    "DocumentError",
    "Drift",
    "diff",
    "drift",
    "drift_problems",
    "excerpt",
    "excerpt_yaml",
    "load",
    "newest_upstream",
    "read_document",
]
