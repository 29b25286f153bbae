"""Upload memory and speed: ``transcribe(path)`` to a local sink, beside the official SDK, in
both upload forms.

Each measurement runs in a fresh process (``python -m _bench.upload MODE FILE PORT REPEATS``), so
its peak RSS is its own. Modes: ``ours`` (our client, streaming the file as base64 JSON),
``multipart`` (our client, streaming it as multipart/form-data), ``sdk`` (the official
``openrouter`` SDK, which needs the whole base64 string in memory), ``sdk-multipart`` (its
multipart call, given the open file), ``b64`` (plain ``base64.b64encode`` of the same bytes: the
speed a JSON body cannot beat). Multipart is measured up to its 25 MB cap.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openrouter_stt.formats import MULTIPART_MAX_BYTES

from .common import MB, free_port, peak_rss_bytes, run_child, server, wav_bytes, write_wav
from .results import Figure

if TYPE_CHECKING:
    from openrouter_stt._types import UploadForm

__all__ = ["run"]

MODEL = "openai/whisper-large-v3"


def _ours(path: Path, base_url: str, repeats: int, upload: UploadForm) -> float:
    from openrouter_stt import OpenRouterSTT

    best = float("inf")
    with OpenRouterSTT(api_key="sk-bench", base_url=base_url, max_retries=0) as client:
        # One small call first: the models are built on first use and the connection opened,
        # and neither is the body's throughput.
        client.transcribe(wav_bytes(1024), model=MODEL, upload=upload)
        for _ in range(repeats):
            started = time.perf_counter()
            client.transcribe(path, model=MODEL, upload=upload)
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


def _sdk_multipart(path: Path, base_url: str, repeats: int) -> float:
    from openrouter import OpenRouter

    best = float("inf")
    with OpenRouter(api_key="sk-bench", server_url=base_url) as client:
        for _ in range(repeats):
            started = time.perf_counter()
            with path.open("rb") as f:
                client.stt.create_transcription_multipart(
                    model=MODEL,
                    file={"file_name": path.name, "content": f, "content_type": "audio/wav"},
                    retries=None,
                )
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
        seconds = _ours(path, base_url, repeats, "json")
    elif mode == "multipart":
        seconds = _ours(path, base_url, repeats, "multipart")
    elif mode == "sdk":
        seconds = _sdk(path, base_url, repeats)
    elif mode == "sdk-multipart":
        seconds = _sdk_multipart(path, base_url, repeats)
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
        multipart_peaks: dict[int, int] = {}
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
            if size_mb * MB <= MULTIPART_MAX_BYTES:
                figures += _multipart_figures(size_mb, args, ours, multipart_peaks)
            path.unlink()
    smallest = min(sizes_mb)
    figures.append(_growth_figure(ours_peaks, "upload memory"))
    if len(multipart_peaks) > 1:
        figures.append(_growth_figure(multipart_peaks, "multipart upload memory"))
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


def _multipart_figures(
    size_mb: int, args: list[str], json_upload: dict[str, float], peaks: dict[int, int]
) -> list[Figure]:
    """The multipart upload of one file: its peak RSS beside the SDK's multipart call, and its
    speed beside our own JSON upload of the same file."""
    ours = run_child("_bench.upload", ["multipart", *args])
    sdk = run_child("_bench.upload", ["sdk-multipart", args[0], args[1], "1"])
    peaks[size_mb] = int(ours["peak_rss"])
    figures = [
        Figure(
            section="multipart upload memory",
            name=f"peak RSS, {size_mb} MB file, multipart",
            unit="MB",
            ours=ours["peak_rss"] / MB,
            baseline=sdk["peak_rss"] / MB,
            baseline_name="openrouter SDK, multipart",
            notes={"ours_seconds": ours["seconds"], "sdk_seconds": sdk["seconds"]},
        )
    ]
    if size_mb > 1:  # one megabyte measures the round trip more than the body
        figures.append(
            Figure(
                section="upload speed",
                name=f"multipart throughput, {size_mb} MB file",
                unit="MB/s",
                ours=size_mb / ours["seconds"],
                baseline=size_mb / json_upload["seconds"],
                baseline_name="our base64 JSON upload",
                better="higher",
                bar=1.0,
                notes={"measure": "raw audio bytes per second, best of the repeats"},
            )
        )
    return figures


def _growth_figure(peaks: dict[int, int], section: str) -> Figure:
    """How much more the largest file's upload peaked than the smallest's: flat is the aim."""
    smallest, largest = min(peaks), max(peaks)
    return Figure(
        section=section,
        name=f"extra RSS {largest} MB vs {smallest} MB",
        unit="MB",
        ours=(peaks[largest] - peaks[smallest]) / MB,
        baseline=16.0,
        baseline_name="the 16 MB allowance",
        bar=1.0,
        notes={"peaks_bytes": {str(k): v for k, v in peaks.items()}},
    )


if __name__ == "__main__":
    mode, file, port_text, repeats_text = sys.argv[1:5]
    print(json.dumps(_child(mode, Path(file), int(port_text), int(repeats_text))))
