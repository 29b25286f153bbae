"""The mock as a real separate process: ``openrouter-stt mock --port N`` on a free 127.0.0.1 port.

One server per test module, started from this venv's ``openrouter-stt`` command with the default
world file, its limits made small (a 64 KiB body limit, a 0.2 s upstream timeout and as long a
wait for audio by URL) so that a 413, a 524 and a 504 come for their real reasons, and fast.
Each test starts from a reset world; the server is terminated (then killed, if it must be) at
the end of the module.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import openrouter_stt_mock

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
# One way to find a port and stop a server, shared with scripts/soak and the reliability tests.
from _mockproc import free_port, stop

COMMAND = Path(sys.executable).with_name("openrouter-stt")
DEFAULT_WORLD = Path(openrouter_stt_mock.__file__).with_name("default_world.toml")
MAX_BODY_BYTES = 64 * 1024
UPSTREAM_TIMEOUT = 0.2
GATEWAY_TIMEOUT = 0.2
STARTUP_SECONDS = 20.0


@dataclass(frozen=True)
class Server:
    """A running mock process."""

    host: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.url + "/api/v1"


def _world_file(folder: Path) -> Path:
    text = DEFAULT_WORLD.read_text(encoding="utf-8")
    text, found = re.subn(r"(?m)^max_body_bytes = \d+", f"max_body_bytes = {MAX_BODY_BYTES}", text)
    assert found == 1, "the default world file no longer sets max_body_bytes"
    text, found = re.subn(
        r"(?m)^upstream_timeout_seconds = [\d.]+",
        f"upstream_timeout_seconds = {UPSTREAM_TIMEOUT}",
        text,
    )
    assert found == 1, "the default world file no longer sets upstream_timeout_seconds"
    text, found = re.subn(
        r"(?m)^gateway_timeout_seconds = [\d.]+",
        f"gateway_timeout_seconds = {GATEWAY_TIMEOUT}",
        text,
    )
    assert found == 1, "the default world file no longer sets gateway_timeout_seconds"
    path = folder / "world.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _start(folder: Path) -> Server:
    world = _world_file(folder)
    log = (folder / "server.log").open("wb")
    port = free_port()
    process = subprocess.Popen(
        [str(COMMAND), "mock", "--host", "127.0.0.1", "--port", str(port), "--world", str(world)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    server = Server("127.0.0.1", port, process)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            answer = httpx.get(server.url + "/openapi.json", timeout=1.0, verify=False)
            if answer.status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.05)
    stop(process)
    output = (folder / "server.log").read_text(errors="replace")
    raise RuntimeError(f"the mock did not start on port {port}:\n{output}")


@pytest.fixture(scope="module")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``openrouter-stt mock`` running in its own process for this module."""
    if not COMMAND.exists():
        pytest.fail(f"{COMMAND} is missing: install the package into this venv")
    folder = tmp_path_factory.mktemp("mock-server")
    server: Server | None = None
    failures: list[str] = []
    for _ in range(3):  # another process may take the free port between probe and bind
        try:
            server = _start(folder)
            break
        except RuntimeError as exc:
            failures.append(str(exc))
    if server is None:
        pytest.fail("the mock server did not start in three tries:\n" + "\n".join(failures))
    try:
        yield server
    finally:
        stop(server.process)
    assert server.process.returncode is not None


@pytest.fixture
def server(mock_server: Server) -> Server:
    """The module's server, with its world reset (credit, rate windows, journal)."""
    assert mock_server.process.poll() is None, "the mock process died"
    reset = httpx.post(mock_server.url + "/_mock/reset", timeout=5.0, verify=False)
    assert reset.status_code == 200
    return mock_server
