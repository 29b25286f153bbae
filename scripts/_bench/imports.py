"""Import time: ``import openrouter_stt`` beside ``import httpx, pydantic``, fresh processes.

Also checks what the client's import drags in: neither the mock, nor the model generator, nor
the command line's extras may load with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from .results import Figure

__all__ = ["run"]

_TIMER = "import time, sys; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
_HEAVY = (
    "openrouter_stt_mock", "starlette", "uvicorn", "mutagen", "jsonschema", "orjson",
    "datamodel_code_generator", "argparse", "openrouter_stt._cli",
)  # fmt: skip


def _seconds(statement: str, env: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(done.stdout.strip())


def _cached_bytecode_env(cache: str) -> dict[str, str]:
    # Installed packages import from cached bytecode; a checkout run with bytecode writing
    # switched off would compile every module of ours on each import, and measure that instead.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _heavy_modules() -> list[str]:
    code = (
        "import sys, json, openrouter_stt; "
        f"heavy = {_HEAVY!r}; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m in heavy or m.split('.')[0] in heavy)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(done.stdout)
    return found


def run(repeats: int = 15) -> list[Figure]:
    """Best of ``repeats`` fresh interpreters for each import, taking turns."""
    statements = {
        "ours": "import openrouter_stt",
        "baseline": "import httpx, pydantic",
        # pydantic imports its model machinery lazily: any package defining models pays this.
        "models": "import httpx, pydantic; from pydantic import BaseModel",
    }
    best = dict.fromkeys(statements, float("inf"))
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache:
        env = _cached_bytecode_env(cache)
        for statement in statements.values():
            _seconds(statement, env)  # writes the bytecode cache every later run reads
        for _ in range(repeats):
            for name, statement in statements.items():
                best[name] = min(best[name], _seconds(statement, env))
    heavy = _heavy_modules()
    return [
        Figure(
            section="import time",
            name="import openrouter_stt",
            unit="ms",
            ours=best["ours"] * 1000,
            baseline=best["baseline"] * 1000,
            baseline_name="import httpx, pydantic",
            bar=1.3,
            notes={"repeats": repeats, "heavy_modules_loaded": heavy},
        ),
        Figure(
            section="import time",
            name="vs pydantic loaded",
            unit="ms",
            ours=best["ours"] * 1000,
            baseline=best["models"] * 1000,
            baseline_name="httpx + pydantic.BaseModel",
            notes={"repeats": repeats},
        ),
    ]
