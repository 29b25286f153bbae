"""The test suite's wall time: ``pytest -m "not slow" -q``, as CI runs it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["run"]

ROOT = Path(__file__).resolve().parents[2]


def run(timeout: float = 1800) -> dict[str, Any]:
    """Run the bounded suite once; its wall time, exit status and pytest's summary line."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return {
        "seconds": time.perf_counter() - started,
        "exit_code": done.returncode,
        "summary": lines[-1] if lines else "",
    }
