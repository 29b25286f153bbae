"""``python -m openrouter_stt``: the ``openrouter-stt`` command line."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
