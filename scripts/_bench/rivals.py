"""What users pick instead of our mock, served as throughput baselines: WireMock and Prism.

Both come from npm, pinned below, into a git-ignored folder (``.bench-tools/`` at the repository's
root, or ``$BENCH_TOOLS``): installed on first use, reused afterwards, reinstalled only when a pin
changes. Without npm, java or node the baselines that need them are skipped with a reason.

* WireMock: the standalone jar the npm package ``wiremock`` ships, run with ``java -jar`` on
  127.0.0.1 and a static stub of the endpoint (a mapping file): POST with a bearer key answers 200
  with the spec's example body and an ``X-Generation-Id``. It runs with ``--no-request-journal``
  (the default journal keeps every request, body included, without bound: 133 KB a request here)
  and ``--disable-request-logging``, as WireMock's documentation advises for load, and
  ``--disable-banner``; everything else is left at its defaults.
* Prism: ``prism mock`` of ``@stoplight/prism-cli`` on the generated OpenAPI fragment, unchanged,
  with its defaults (static examples, request validation) and ``--verboseLevel warn``, so it does
  not log two lines per request. Prism routes on the document's ``paths`` alone, ignoring the
  path in ``servers`` (``https://openrouter.ai/api/v1``): it serves ``/audio/transcriptions``,
  where our client's ``base_url`` pointed at Prism sends it, and answers 404 at
  ``/api/v1/audio/transcriptions``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .load import PATH

__all__ = [
    "GENERATION_ID",
    "PRISM_VERSION",
    "SPEC",
    "TOOLS",
    "WIREMOCK_VERSION",
    "Rival",
    "ensure_installed",
    "rivals",
    "spec_example",
    "wiremock_mapping",
]

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(os.environ.get("BENCH_TOOLS") or ROOT / ".bench-tools")
WIREMOCK_VERSION = "3.13.2"
PRISM_VERSION = "5.14.2"
#: Prism 5 needs node 18.20.1 or later.
_NODE_MAJOR = 18
SPEC = ROOT / "generated" / "openrouter_stt_models" / "openapi.json"
#: Where Prism serves the endpoint: the document's path, without the servers' ``/api/v1``.
PRISM_PATH = "/audio/transcriptions"
GENERATION_ID = "gen-wiremock-0000000001"
_INSTALL_TIMEOUT = 900


@dataclass(frozen=True)
class Rival:
    """A server to load like the mock: its name in figures, its command, and the path it serves."""

    key: str
    label: str
    path: str
    command: Callable[[int], list[str]]
    #: Seconds to wait for its port: a JVM or node start is slower than uvicorn's.
    start_timeout: float = 90


def spec_example() -> dict[str, Any]:
    """The 200 answer's example body in the OpenAPI document: what both baselines answer."""
    document = json.loads(SPEC.read_text(encoding="utf-8"))
    operation = document["paths"]["/audio/transcriptions"]["post"]
    example: dict[str, Any] = operation["responses"]["200"]["content"]["application/json"][
        "example"
    ]
    return example


def wiremock_mapping() -> dict[str, Any]:
    """The static stub: POST to the endpoint with a bearer key, 200 with the example body."""
    return {
        "request": {
            "method": "POST",
            "urlPath": PATH,
            "headers": {"Authorization": {"matches": "Bearer .+"}},
        },
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json", "X-Generation-Id": GENERATION_ID},
            "body": json.dumps(spec_example(), separators=(",", ":")),
        },
    }


def _installed_version(package: str) -> str | None:
    manifest = TOOLS / "node_modules" / package / "package.json"
    try:
        version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None
    return version


def _wiremock_jar() -> Path | None:
    if _installed_version("wiremock") != WIREMOCK_VERSION:
        return None
    jars = sorted((TOOLS / "node_modules" / "wiremock").glob("**/wiremock-standalone-*.jar"))
    return jars[0] if jars else None


def _prism_cli() -> Path | None:
    if _installed_version("@stoplight/prism-cli") != PRISM_VERSION:
        return None
    cli = TOOLS / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"
    return cli if cli.is_file() else None


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    """One installer at a time (two test processes, or a test beside a bench run)."""
    TOOLS.mkdir(parents=True, exist_ok=True)
    with (TOOLS / ".install.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_installed(report: Callable[[str], None] = print) -> str | None:
    """Install the pinned packages into :data:`TOOLS` unless they are there already.

    Returns ``None`` when both are in place, else why not (npm missing, or npm failed).
    """
    if _wiremock_jar() is not None and _prism_cli() is not None:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm not found on PATH (install Node.js 18+ with npm)"
    with _lock():
        if _wiremock_jar() is not None and _prism_cli() is not None:
            return None  # another process installed them meanwhile
        packages = [f"wiremock@{WIREMOCK_VERSION}", f"@stoplight/prism-cli@{PRISM_VERSION}"]
        report(f"   installing {' '.join(packages)} into {TOOLS} (once) ...")
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(TOOLS),
                    "--save-exact",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    *packages,
                ],
                capture_output=True,
                text=True,
                timeout=_INSTALL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"npm install took over {_INSTALL_TIMEOUT} s"
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            return f"npm install failed ({done.returncode}): {last}"
        report(f"   installed in {time.perf_counter() - started:.1f} s")
    if _wiremock_jar() is None or _prism_cli() is None:
        return f"npm install left no WireMock jar or Prism CLI under {TOOLS}"
    return None


def _node_reason(node: str | None) -> str | None:
    if node is None:
        return "node not found on PATH (install Node.js 18+)"
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return f"{node} --version failed"
    found = re.match(r"v(\d+)", version.strip())
    if found is None or int(found.group(1)) < _NODE_MAJOR:
        return f"Prism {PRISM_VERSION} needs node {_NODE_MAJOR}.20+, found {version.strip()}"
    return None


def rivals(
    workdir: Path, report: Callable[[str], None] = print, install: bool = True
) -> tuple[list[Rival], dict[str, str]]:
    """The baselines that can run here, and why each of the others cannot.

    ``workdir`` receives WireMock's root folder (its mapping file); it must outlive the servers.
    """
    found: list[Rival] = []
    skipped: dict[str, str] = {}
    reason = ensure_installed(report) if install else None
    java, node = shutil.which("java"), shutil.which("node")
    jar, cli = _wiremock_jar(), _prism_cli()
    if jar is None:
        skipped["wiremock"] = reason or f"WireMock {WIREMOCK_VERSION} not installed in {TOOLS}"
    elif java is None:
        skipped["wiremock"] = "java not found on PATH (install a JRE 11+)"
    else:
        root = workdir / "wiremock"
        (root / "mappings").mkdir(parents=True, exist_ok=True)
        (root / "__files").mkdir(exist_ok=True)
        mapping = root / "mappings" / "transcriptions.json"
        mapping.write_text(json.dumps(wiremock_mapping(), indent=2), encoding="utf-8")
        java_path, jar_path = java, str(jar)

        def wiremock(port: int) -> list[str]:
            return [
                java_path,
                "-jar",
                jar_path,
                "--port",
                str(port),
                "--bind-address",
                "127.0.0.1",
                "--root-dir",
                str(root),
                "--disable-banner",
                "--no-request-journal",
                "--disable-request-logging",
            ]

        found.append(Rival("wiremock", f"WireMock {WIREMOCK_VERSION}", PATH, wiremock))
    node_reason = _node_reason(node)
    if cli is None:
        skipped["prism"] = reason or f"Prism {PRISM_VERSION} not installed in {TOOLS}"
    elif node_reason is not None or node is None:
        skipped["prism"] = node_reason or "node not found"
    else:
        node_path, cli_path = node, str(cli)

        def prism(port: int) -> list[str]:
            return [
                node_path,
                cli_path,
                "mock",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--verboseLevel",
                "warn",
                str(SPEC),
            ]

        found.append(Rival("prism", f"Prism {PRISM_VERSION}", PRISM_PATH, prism))
    return found, skipped
