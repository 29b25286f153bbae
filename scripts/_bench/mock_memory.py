"""Mock memory on a large upload: the mock's peak RSS while it serves one big request.

The mock runs as ``openrouter-stt mock --world FILE``, the world being the default one with a body
limit that admits the upload. Its resident memory is read before the request (after a small
warm-up request) and at its peak while serving: Linux's ``VmHWM``, reset just before the upload
when the kernel allows, with psutil sampling as a floor.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

import psutil

from .common import MB, free_port, server, wav_bytes, write_wav
from .results import Figure
from .throughput import MODEL

__all__ = ["run"]

_MOCK = "import sys; from openrouter_stt._cli import main; sys.exit(main(sys.argv[1:]))"


def _world_file(folder: Path, limit: int) -> Path:
    text = resources.files("openrouter_stt_mock").joinpath("default_world.toml").read_text("utf-8")
    text, count = re.subn(r"(?m)^max_body_bytes\s*=.*$", f"max_body_bytes = {limit}", text)
    if count != 1:
        raise RuntimeError("the default world file has no max_body_bytes line to change")
    path = folder / "world.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _high_water_mark(pid: int) -> int | None:
    with contextlib.suppress(OSError):
        found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        if found:
            return int(found.group(1)) * 1024
    return None


def _reset_high_water_mark(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class _Sampler(threading.Thread):
    def __init__(self, process: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.002)


def _peak_over_idle(client: Any, pid: int, audio: Path, upload: str) -> tuple[int, int, int, str]:
    """Idle RSS, peak RSS and body size of one upload of ``audio`` in the ``upload`` form, and
    where the peak was read."""
    mock = psutil.Process(pid)
    idle = mock.memory_info().rss
    exact = _reset_high_water_mark(pid)
    sampler = _Sampler(mock)
    sampler.start()
    raw = client.with_raw_response.transcribe(audio, model=MODEL, upload=upload)
    sampler.running = False
    sampler.join()
    body_size = int(raw.http_response.request.headers["content-length"])
    marked = _high_water_mark(pid) if exact else None
    peak = max(sampler.peak, marked or 0)
    return idle, peak, body_size, "VmHWM" if marked else "psutil sampling every 2 ms"


def run(audio_mb: int = 100) -> list[Figure]:
    """Peak RSS of the mock serving one ``audio_mb`` MB WAV upload as base64 JSON, and one of
    the largest a multipart upload may carry (25 MB), each against the body's size."""
    from openrouter_stt import OpenRouterSTT
    from openrouter_stt.formats import MULTIPART_MAX_BYTES

    figures: list[Figure] = []
    # The multipart cap counts the file; the WAV is written to just under it.
    uploads = (("json", audio_mb * MB, 2.5), ("multipart", MULTIPART_MAX_BYTES - 64 * 1024, 2.0))
    for upload, audio_size, bar in uploads:
        with tempfile.TemporaryDirectory(prefix="bench-mock-memory-") as tmp:
            folder = Path(tmp)
            audio = write_wav(folder / "big.wav", audio_size)
            limit = max(32 * 1024 * 1024, int(audio_size * 1.4))
            world = _world_file(folder, limit)
            port = free_port()
            base_url = f"http://127.0.0.1:{port}/api/v1"
            argv = ["-c", _MOCK, "mock", "--port", str(port), "--world", str(world)]
            with (
                server(argv, port) as process,
                OpenRouterSTT(
                    api_key="sk-or-mock-ok", base_url=base_url, max_retries=0, timeout=120
                ) as client,
            ):
                # Warm-up: lazy imports, caches, the parser of this form.
                client.transcribe(wav_bytes(100_000), model=MODEL, upload=upload)
                idle, peak, body_size, read_from = _peak_over_idle(
                    client, process.pid, audio, upload
                )
        figures.append(
            Figure(
                section="mock memory",
                name=f"peak RSS over idle, {audio_size / MB:.0f} MB audio, {upload}",
                unit="MB",
                ours=(peak - idle) / MB,
                baseline=body_size / MB,
                baseline_name="the request body",
                bar=bar,
                notes={
                    "idle_rss_bytes": idle,
                    "peak_rss_bytes": peak,
                    "body_bytes": body_size,
                    "peak_from": read_from,
                    "absolute_peak_over_body": peak / body_size,
                },
            )
        )
    return figures
