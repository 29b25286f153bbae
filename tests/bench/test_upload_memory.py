"""The figure the multipart upload answers for: a 25 MB file (multipart's cap) peaks within 16 MB
of a 1 MB file. Measured as ``scripts/bench`` measures it: each upload in a fresh process, to the
bench's sink, by the process's peak RSS."""

from __future__ import annotations

from pathlib import Path

import pytest
from _bench.common import MB, free_port, run_child, server, write_wav

from openrouter_stt.formats import MULTIPART_MAX_BYTES


@pytest.mark.parametrize("mode", ["multipart", "ours"])
def test_uploading_25_mb_keeps_extra_peak_rss_under_16_mb(tmp_path: Path, mode: str) -> None:
    assert 25 * MB == MULTIPART_MAX_BYTES
    port = free_port()
    peaks: dict[int, float] = {}
    with server(["-m", "_bench.sink", str(port)], port):
        for size_mb in (1, 25):
            path = write_wav(tmp_path / f"{size_mb}mb.wav", size_mb * MB)
            result = run_child("_bench.upload", [mode, str(path), str(port), "1"])
            peaks[size_mb] = result["peak_rss"]
            path.unlink()
    assert (peaks[25] - peaks[1]) / MB < 16, peaks
