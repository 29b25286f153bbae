"""The mock served by uvicorn in a child process on a free loopback port.

Shared by ``scripts/soak`` and the reliability tests: one way to start it, wait until it answers,
read its memory and stop it. The child exits by itself when its parent is gone or its lifetime
is over, so an interrupted run never leaves a server behind.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

__all__ = ["free_port", "rss_bytes", "start", "stop"]

# Runs in the child: it serves with `openrouter-stt mock` and exits when the parent is gone.
_LAUNCH = """
import os, sys, threading, time
from openrouter_stt_mock.cli import main
parent, end = os.getppid(), time.monotonic() + float(sys.argv[1])
def watch():
    while os.getppid() == parent and time.monotonic() < end:
        time.sleep(0.2)
    os._exit(3)
threading.Thread(target=watch, daemon=True).start()
sys.exit(main(sys.argv[2:]))
"""


def free_port() -> int:
    """A port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (psutil, or the kernel's own account on Linux).

    Raises ``ProcessLookupError`` once the process is gone, whichever way it was read.
    """
    try:
        import psutil
    except ImportError:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            raise ProcessLookupError(pid) from None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise ProcessLookupError(pid) from None
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.NoSuchProcess:
        raise ProcessLookupError(pid) from None


def start(
    args: Sequence[str], log: Path, *, lifetime: float = 300.0, ready_seconds: float = 20.0
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``openrouter-stt mock ARGS --port N``; return the process and its URL once it answers.

    Its stderr goes to ``log``. Raises ``RuntimeError`` (with that log) if it never answers.
    """
    for _ in range(5):  # another program may take the free port first
        port = free_port()
        with log.open("wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCH, str(lifetime), "--port", str(port), *args],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        url = f"http://127.0.0.1:{port}"
        if _wait_ready(process, url, ready_seconds):
            return process, url
        stop(process)
    raise RuntimeError(f"the mock server did not start:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server as Ctrl-C would, and kill it if it does not go."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_ready(process: subprocess.Popen[bytes], url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/openapi.json", timeout=1.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return False
