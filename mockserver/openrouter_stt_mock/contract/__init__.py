"""Tools that keep the contract true: excerpt, diff, record, verify and replay.

``openrouter-stt contract excerpt|diff|drift|verify`` and ``openrouter-stt mock --record|--replay``
are built from these. They read YAML (PyYAML) and resolve ``$ref``s with ``referencing``, both
carried by the ``mock`` extra.
"""

from __future__ import annotations

from ._document import Document, DocumentError, load, read_document
from ._excerpt import DEFAULT_PATH, excerpt, excerpt_yaml

__all__ = [
    "DEFAULT_PATH",
    "Document",
    "DocumentError",
    "excerpt",
    "excerpt_yaml",
    "load",
    "read_document",
]
