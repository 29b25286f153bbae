"""``python -m openrouter_stt_mock``: the same as ``openrouter-stt mock``."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
