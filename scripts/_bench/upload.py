"""Upload memory and speed: ``transcribe(path)`` to a local sink, beside the official SDK.

Each measurement runs in a fresh process (``python -m _bench.upload MODE FILE PORT REPEATS``), so
its peak RSS is its own. Modes: ``ours`` (our client, streaming the file), ``sdk`` (the official
``openrouter`` SDK, which needs the whole base64 string in memory), ``b64`` (plain
``base64.b64encode`` of the same bytes: the speed a body cannot beat).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .common import MB, free_port, peak_rss_bytes, run_child, server, wav_bytes, write_wav
from .results import Figure

__all__ = ["run"]

MODEL = "openai/whisper-large-v3"


def _ours(path: Path, base_url: str, repeats: int) -> float:
    from openrouter_stt import OpenRouterSTT

    best = float("inf")
    with OpenRouterSTT(api_key="sk-bench", base_url=base_url, max_retries=0) as client:
        # One small call first: the models are built on first use and the connection opened,
        # and neither is the body's throughput.
        client.transcribe(wav_bytes(1024), model=MODEL)
        for _ in range(repeats):
            started = time.perf_counter()
            client.transcribe(path, model=MODEL)
            best = min(best, time.perf_counter() - started)
    return best


def _sdk(path: Path, base_url: str, repeats: int) -> float:
    import base64

    from openrouter import OpenRouter

    best = float("inf")
    with OpenRouter(api_key="sk-bench", server_url=base_url) as client:
        for _ in range(repeats):
            started = time.perf_counter()
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            client.stt.create_transcription(
                input_audio={"data": data, "format": "wav"}, model=MODEL, retries=None
            )
            del data
            best = min(best, time.perf_counter() - started)
    return best


def _b64(path: Path, repeats: int) -> float:
    import base64

    data = path.read_bytes()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        base64.b64encode(data)
        best = min(best, time.perf_counter() - started)
    return best


def _child(mode: str, path: Path, port: int, repeats: int) -> dict[str, float]:
    base_url = f"http://127.0.0.1:{port}/api/v1"
    if mode == "ours":
        seconds = _ours(path, base_url, repeats)
    elif mode == "sdk":
        seconds = _sdk(path, base_url, repeats)
    else:
        seconds = _b64(path, repeats)
    return {"seconds": seconds, "peak_rss": peak_rss_bytes()}


def run(sizes_mb: Sequence[int], repeats: int = 2) -> list[Figure]:
    """Peak RSS and speed of one upload per size, ours beside the SDK and plain b64encode."""
    figures: list[Figure] = []
    port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp,
        server(["-m", "_bench.sink", str(port)], port),
    ):
        ours_peaks: dict[int, int] = {}
        speeds: list[tuple[int, float, float]] = []
        for size_mb in sizes_mb:
            path = write_wav(Path(tmp) / f"{size_mb}mb.wav", size_mb * MB)
            args = [str(path), str(port), str(repeats)]
            ours = run_child("_bench.upload", ["ours", *args])
            sdk = run_child("_bench.upload", ["sdk", str(path), str(port), "1"])
            b64 = run_child("_bench.upload", ["b64", *args])
            ours_peaks[size_mb] = int(ours["peak_rss"])
            figures.append(
                Figure(
                    section="upload memory",
                    name=f"peak RSS, {size_mb} MB file",
                    unit="MB",
                    ours=ours["peak_rss"] / MB,
                    baseline=sdk["peak_rss"] / MB,
                    baseline_name="openrouter SDK",
                    notes={
                        "ours_seconds": ours["seconds"],
                        "sdk_seconds": sdk["seconds"],
                        "size_bytes": size_mb * MB,
                    },
                )
            )
            speeds.append((size_mb, size_mb / ours["seconds"], size_mb / b64["seconds"]))
            path.unlink()
    smallest, largest = min(sizes_mb), max(sizes_mb)
    growth = (ours_peaks[largest] - ours_peaks[smallest]) / MB
    figures.append(
        Figure(
            section="upload memory",
            name=f"extra RSS {largest} MB vs {smallest} MB",
            unit="MB",
            ours=growth,
            baseline=16.0,
            baseline_name="the 16 MB allowance",
            bar=1.0,
            notes={"peaks_bytes": {str(k): v for k, v in ours_peaks.items()}},
        )
    )
    for size_mb, ours_speed, b64_speed in speeds:
        if size_mb == smallest and len(speeds) > 1:
            continue  # one megabyte measures the round trip more than the body
        figures.append(
            Figure(
                section="upload speed",
                name=f"body throughput, {size_mb} MB file",
                unit="MB/s",
                ours=ours_speed,
                baseline=b64_speed,
                baseline_name="base64.b64encode",
                better="higher",
                bar=0.8,
                notes={"measure": "raw audio bytes per second, best of the repeats"},
            )
        )
    return figures


if __name__ == "__main__":
    mode, file, port_text, repeats_text = sys.argv[1:5]
    print(json.dumps(_child(mode, Path(file), int(port_text), int(repeats_text))))
