"""The bench's pieces run end to end on tiny inputs and produce well-formed results.

Nothing here judges speed or memory: the figures are only checked for shape.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from _bench import __main__ as bench
from _bench import overhead, profile_mock, throughput, upload
from _bench.common import wav_bytes
from _bench.results import (
    BASELINE_COLOUR,
    OURS,
    OURS_COLOUR,
    Figure,
    bar_styles,
    format_table,
    write_chart,
    write_json,
)


def _well_formed(figures: list[Figure]) -> None:
    assert figures
    for figure in figures:
        assert figure.section
        assert figure.name
        assert figure.unit
        assert figure.baseline_name
        assert math.isfinite(figure.ours)
        assert figure.ours >= 0
        assert math.isfinite(figure.baseline)
        assert figure.baseline > 0
        assert figure.met in (True, False, None)
        assert (figure.met is None) == (figure.bar is None)
        json.dumps(figure.to_dict())


def test_overhead_figures(tmp_path: Path) -> None:
    audio = tmp_path / "small.wav"
    audio.write_bytes(wav_bytes(2048))
    figures = overhead.run(audio, calls=5, rounds=1)
    _well_formed(figures)
    assert {f.name for f in figures} == {
        "sync transcribe",
        "sync SDK",
        "async transcribe",
        "async SDK",
    }
    assert {f.name: f.ours_name for f in figures} == {
        "sync transcribe": OURS,
        "sync SDK": "official openrouter SDK",
        "async transcribe": OURS,
        "async SDK": "official openrouter SDK",
    }


def test_upload_figures() -> None:
    figures = upload.run([1], repeats=1)
    _well_formed(figures)
    assert [f.section for f in figures].count("upload memory") == 2


def test_mock_profile_names_its_stages() -> None:
    result = profile_mock.profile(count=3, audio_bytes=2048)
    assert result["us_per_request"] > 0
    assert "whole endpoint" in result["stages_us_profiled"]
    assert "decode base64 + audio" in result["stages_us_profiled"]
    assert "ncalls" in result["top"]


def test_wrk_output_is_read() -> None:
    text = (
        "  Latency Distribution\n     50%    5.12ms\n     75%    6.00ms\n     90%    7.10ms\n"
        "     99%   12.50ms\n  7461 requests in 5.00s, 1.2MB read\n"
        "Requests/sec:   1491.00\nTransfer/sec:    245.00KB\n"
    )
    result = throughput._parse_wrk(text)
    assert result["requests"] == 7461
    assert result["rps"] == 1491.0
    assert result["p50_ms"] == 5.12
    assert result["p99_ms"] == 12.5
    assert result["non_2xx"] == 0


def test_table_json_and_chart(tmp_path: Path) -> None:
    figures = [
        Figure("s", "a", "ms", 2.0, 4.0, "base", bar=1.25),
        Figure("s", "b", "req/s", 3.0, 4.0, "base", better="higher", bar=0.8),
        Figure("t", "c", "MB", 1.0, 1.0, "base"),
    ]
    assert [f.met for f in figures] == [True, False, None]
    table = format_table(figures)
    assert table.count("\n") == len(figures) + 1
    write_json(tmp_path / "results.json", figures, {"mode": "test"})
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["mode"] == "test"
    assert [f["ratio"] for f in document["figures"]] == [0.5, 0.75, 1.0]
    write_chart(tmp_path / "bench.png", figures, "test")
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_draws_ours_in_one_colour_and_every_baseline_in_another() -> None:
    sdk = "official openrouter SDK"
    figures = [
        Figure("per-call", "sync transcribe", "µs/call", 1.1, 1.0, "raw httpx"),
        Figure("per-call", "sync SDK", "µs/call", 27.0, 1.0, "raw httpx", ours_name=sdk),
        Figure("per-call", "async transcribe", "µs/call", 1.2, 1.0, "raw httpx"),
    ]
    styles = bar_styles(figures)
    ours = {style for pair in styles for style in pair if style.label == OURS}
    baselines = {style for pair in styles for style in pair if style.label != OURS}
    assert {style.colour for style in ours} == {OURS_COLOUR}
    assert {style.colour for style in baselines} == {BASELINE_COLOUR}
    # One legend entry per name, each drawn its own way: raw httpx and the SDK stay apart.
    assert {style.label for style in baselines} == {"raw httpx", sdk}
    assert len({style.hatch for style in baselines}) == 2
    assert styles[1][0].label == sdk


def test_command_line_refuses_unknown_sections(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--quick", "--only", "nonsense"]) == 2
    assert "nonsense" in capsys.readouterr().err
    assert set(bench.PLANS) == {"quick", "full"}
    assert set(bench.PLANS["quick"]) == set(bench.PLANS["full"])
