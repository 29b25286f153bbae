"""Helpers shared by the sections: sample audio, free ports, child processes, peak memory."""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from _mockproc import free_port

__all__ = [
    "MB",
    "command_server",
    "free_port",
    "peak_rss_bytes",
    "pinned_to",
    "run_child",
    "server",
    "split_cpus",
    "stop",
    "wav_bytes",
    "write_wav",
]

MB = 1_000_000
_SCRIPTS = Path(__file__).resolve().parent.parent


def wav_header(data_size: int, rate: int = 16_000) -> bytes:
    """The 44-byte header of a 16-bit mono WAV file holding ``data_size`` bytes of samples."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.setnframes(data_size // 2)
        writer.writeframesraw(b"")
    header = bytearray(buffer.getvalue())
    # wave writes the sizes of the frames it saw; state the ones that will follow.
    header[4:8] = (36 + data_size).to_bytes(4, "little")
    header[40:44] = data_size.to_bytes(4, "little")
    return bytes(header)


def wav_bytes(size: int) -> bytes:
    """A WAV file of exactly ``size`` bytes (an even size ≥ 46), samples from a fixed pattern."""
    samples = size - 44
    pattern = bytes(range(256)) * (samples // 256 + 1)
    return wav_header(samples) + pattern[:samples]


def write_wav(path: Path, size: int) -> Path:
    """Write a WAV file of exactly ``size`` bytes without holding it in memory."""
    samples = size - 44
    block = bytes(range(256)) * 4096  # 1 MiB
    with path.open("wb") as f:
        f.write(wav_header(samples))
        left = samples
        while left:
            part = block[: min(left, len(block))]
            f.write(part)
            left -= len(part)
    return path


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_SCRIPTS), env.get("PYTHONPATH")]))
    return env


def split_cpus() -> tuple[frozenset[int], frozenset[int]] | None:
    """The CPUs for a server under load and those for its load, when there are two or more to
    share: the server gets the last one, the load the others (``None`` where processes cannot
    be pinned, or there is one CPU)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return frozenset(cpus[-1:]), frozenset(cpus[:-1])


def pinned_to(cpus: frozenset[int] | None) -> Callable[[], None] | None:
    """What a child runs before its program so that it and its threads use only ``cpus``."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def run_child(
    module: str, args: Sequence[str], timeout: float = 300, cpus: frozenset[int] | None = None
) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh process (on ``cpus`` when given); return the
    JSON it prints last."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
        check=False,
        preexec_fn=pinned_to(cpus),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Wait until something accepts connections on ``port``, or the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


@contextlib.contextmanager
def server(argv: Sequence[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process (``argv`` after ``python``) until the block ends."""
    with command_server([sys.executable, *argv], port, env=_env()) as process:
        yield process


@contextlib.contextmanager
def command_server(
    command: Sequence[str],
    port: int,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
    keep_stdout: bool = False,
    cpus: frozenset[int] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (a server that listens on 127.0.0.1:``port``) until the block ends; with
    ``cpus``, it and every thread it starts run on those CPUs only.

    Waits up to ``timeout`` seconds for the port; stops the process by its id (SIGTERM, then
    SIGKILL after 10 s). Its stderr (and stdout with ``keep_stdout``, else discarded) goes to a
    temporary file, never to a pipe nobody reads; its end is quoted if the server dies first.
    """
    with tempfile.TemporaryFile() as log:
        stdout = log if keep_stdout else subprocess.DEVNULL
        process = subprocess.Popen(
            list(command),
            stdout=stdout,
            stderr=log,
            env=env,
            cwd=cwd,
            preexec_fn=pinned_to(cpus),
        )
        try:
            try:
                wait_for_port(port, process, timeout)
            except RuntimeError as error:
                log.seek(0)
                tail = log.read()[-2000:].decode("utf-8", "replace")
                raise RuntimeError(f"{command[0]}: {error}\n{tail}") from None
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """Stop ``process`` by its id: SIGTERM, then SIGKILL if it is still there after ``grace``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
