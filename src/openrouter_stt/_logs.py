"""Logging switched on from the environment: ``OPENROUTER_LOG=debug`` (each request sent and
response received, and each retry) or ``OPENROUTER_LOG=info`` (retries only), as
openai-python's ``OPENAI_LOG`` does. The logger is the package's (``openrouter_stt``)."""

from __future__ import annotations

import logging
import os
from typing import Final

__all__ = ["LOG_ENV", "setup_logging"]

#: The environment variable read once, when the package is imported.
LOG_ENV: Final = "OPENROUTER_LOG"
_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}


def setup_logging(logger_name: str) -> None:
    """Set ``logger_name``'s level from :data:`LOG_ENV`; any other value (or none) leaves
    logging as the application set it.

    The records go to the root logger's handlers: ``logging.basicConfig`` gives it one on
    stderr only when the application has none, so an application's own setup wins.
    """
    level = _LEVELS.get(os.environ.get(LOG_ENV, "").strip().lower())
    if level is None:
        return
    logging.basicConfig(format="[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s")
    logging.getLogger(logger_name).setLevel(level)
