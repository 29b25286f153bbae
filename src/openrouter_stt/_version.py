"""The package version, kept in one place for the ``User-Agent`` header."""

from __future__ import annotations

from typing import Final

__all__ = ["__version__"]

__version__: Final = "0.1.0"
