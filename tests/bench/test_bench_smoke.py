"""The bench's pieces run end to end on tiny inputs and produce well-formed results.

Nothing here judges speed or memory: the figures are only checked for shape.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
from pathlib import Path

import httpx
import pytest
from _bench import __main__ as bench
from _bench import common, load, overhead, profile_mock, rivals, throughput, upload
from _bench.common import command_server, free_port, wav_bytes
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
    assert {f.name: f.ours_name for f in figures} == {
        "sync transcribe": OURS,
        "sync prebuilt": "raw httpx, body prebuilt",
        "sync SDK": "official openrouter SDK",
        "async transcribe": OURS,
        "async prebuilt": "raw httpx, body prebuilt",
        "async SDK": "official openrouter SDK",
    }
    # Every figure is set beside the same baseline: the call written by hand with raw httpx.
    assert {f.baseline_name for f in figures} == {"raw httpx by hand"}


def test_upload_figures() -> None:
    figures = upload.run([1], repeats=1)
    _well_formed(figures)
    sections = [f.section for f in figures]
    assert sections.count("upload memory") == 2
    assert sections.count("multipart upload memory") == 1


def test_mock_profile_names_its_stages() -> None:
    result = profile_mock.profile(count=3, audio_bytes=2048)
    assert result["us_per_request"] > 0
    assert "whole endpoint" in result["stages_us_profiled"]
    assert {"decode base64", "audio format + duration"} <= set(result["stages_us_profiled"])
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


@pytest.fixture(scope="session")
def rival_servers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, rivals.Rival]:
    """WireMock and Prism, installed into .bench-tools/ when absent (npm, java and node needed)."""
    found, skipped = rivals.rivals(tmp_path_factory.mktemp("rivals"))
    if skipped:
        pytest.skip("; ".join(f"{key}: {reason}" for key, reason in skipped.items()))
    return {rival.key: rival for rival in found}


@pytest.mark.parametrize("key", ["wiremock", "prism"])
def test_rival_answers_our_request_as_our_client_expects(
    rival_servers: dict[str, rivals.Rival], key: str
) -> None:
    from openrouter_stt import STTResponse

    rival = rival_servers[key]
    port = free_port()
    with command_server(rival.command(port), port, timeout=rival.start_timeout) as process:
        response = httpx.post(
            f"http://127.0.0.1:{port}{rival.path}",
            content=throughput.mock_body(100_000),
            headers={"Authorization": f"Bearer {load.KEY}", "Content-Type": "application/json"},
            timeout=30,
        )
    assert process.poll() is not None  # stopped by its id when the block ended
    assert response.status_code == 200, response.text
    assert response.headers["X-Generation-Id"]
    parsed = STTResponse.model_validate_json(response.content)
    assert parsed.model_dump(exclude_none=True) == rivals.spec_example()


def test_missing_npm_and_java_skip_the_rivals_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rivals, "TOOLS", tmp_path / "tools")
    monkeypatch.setattr(rivals.shutil, "which", lambda name: None)
    found, skipped = rivals.rivals(tmp_path, report=lambda line: None)
    assert found == []
    assert set(skipped) == {"wiremock", "prism"}
    assert all("npm not found" in reason for reason in skipped.values())


def test_wiremock_stub_answers_the_spec_example() -> None:
    mapping = rivals.wiremock_mapping()
    assert mapping["request"]["urlPath"] == load.PATH
    assert json.loads(mapping["response"]["body"]) == {
        "text": "Hello, this is a test of OpenAI speech-to-text transcription.",
        "usage": {
            "cost": 0.000508,
            "input_tokens": 83,
            "output_tokens": 30,
            "seconds": 9.2,
            "total_tokens": 113,
        },
    }


def test_load_generator_reads_chunked_answers() -> None:
    """WireMock answers chunked: each answer must be read whole, or the next head is garbage."""
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> dict[str, object]:
        listener = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        async with listener:
            return await load.run(port, b"{}", connections=2, seconds=0.3, max_requests=50)

    result = asyncio.run(main())
    assert result["statuses"] == {"200": result["requests"]}
    # Each connection checks the budget before it sends: one may overshoot it by one.
    assert 0 < int(str(result["requests"])) <= 50 + 2


def test_answers_other_than_200_are_caught() -> None:
    good = {"requests": 3, "statuses": {"200": 3}}
    assert throughput._answered_200(good) is None
    assert throughput._answered_200({"requests": 3, "statuses": {"200": 2, "404": 1}})
    assert throughput._answered_200({"requests": 0, "statuses": {}})
    assert throughput._answered_200({"requests": 9, "non_2xx": 2, "socket_errors": None})


def test_throughput_figures_name_every_baseline(
    rival_servers: dict[str, rivals.Rival],
) -> None:
    figures = throughput.run(
        audio_bytes=4096, connections=2, seconds=0.5, rounds=1, warmup=0.5, generator="python"
    )
    _well_formed(figures)
    names = {f.baseline_name for f in figures}
    wiremock = rival_servers["wiremock"].label
    split = common.split_cpus()
    assert names == {
        "bare Starlette + orjson",
        wiremock,
        rival_servers["prism"].label,
        "openrouter-stt mock, JSON upload",
        *([f"{wiremock} on every CPU"] if split else []),
    }
    # Every server had the same CPU to itself, the load the others.
    server, load = split or ((), ())
    cpus = {"server": sorted(server), "load": sorted(load)} if split else "not pinned"
    assert figures[0].notes["cpus"] == cpus
    # The multipart upload ran (every answer a 200) and is set beside the JSON one.
    (form,) = [f for f in figures if f.name == "multipart vs JSON upload"]
    assert form.ours > 0
    assert form.ours_name == "openrouter-stt mock, multipart upload"
    bars = {(f.section, f.name): (f.better, f.bar) for f in figures if f.bar is not None}
    assert bars == {
        ("mock throughput", "vs bare app"): ("higher", 0.8),
        ("mock throughput", "vs WireMock"): ("higher", 1.25),
        ("mock throughput", "vs Prism"): ("higher", 20.0),
        ("mock latency", "p99 vs WireMock"): ("lower", 0.5),
    }
    assert figures[0].notes["skipped"] == {}


@pytest.mark.skipif(common.split_cpus() is None, reason="needs two CPUs and sched_setaffinity")
def test_a_pinned_server_and_every_thread_it_starts_run_on_its_cpus_only() -> None:
    server, _ = common.split_cpus() or ((), ())
    port = free_port()
    # A server with a thread of its own, as a JVM has: every thread must be on the server's CPU.
    code = (
        "import socket, sys, threading, time\n"
        "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
        "s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()\n"
        "time.sleep(30)\n"
    )
    with command_server(["python", "-c", code, str(port)], port, cpus=server) as process:
        threads = [int(tid) for tid in os.listdir(f"/proc/{process.pid}/task")]
        assert len(threads) == 2
        assert all(os.sched_getaffinity(tid) == set(server) for tid in threads)
    assert os.sched_getaffinity(0) != set(server)  # the parent is left as it was


def test_a_knob_is_measured_against_the_mock_without_it() -> None:
    from _bench import knobs

    figures = knobs.run(connections=2, seconds=0.5, rounds=1, knobs=("WAV header read by hand",))
    _well_formed(figures)
    assert [f.name for f in figures] == ["WAV header read by hand"]
    assert figures[0].bar == knobs.BAR


def test_the_state_section_sets_the_store_beside_memory() -> None:
    from _bench import state

    binary, reason = state.store_binary()
    if binary is None:
        pytest.skip(f"no Valkey server: {reason}")
    figures = state.run(connections=2, seconds=0.5, rounds=1, warmup=0.3, report=lambda _: None)
    _well_formed(figures)
    by_name = {f.name: f for f in figures}
    assert list(by_name) == [
        "1 worker on Valkey vs in memory",
        "2 workers vs 1 on Valkey",
        "Valkey's CPU per request",
    ]
    first = by_name["1 worker on Valkey vs in memory"]
    assert (first.better, first.bar) == ("higher", state.BAR)
    assert first.notes["rounds"].keys() == {"memory", "store", "store2"}
    assert "core" in by_name["2 workers vs 1 on Valkey"].notes["why"]
    # The store did work for every request: its CPU is read from /proc, not guessed.
    assert by_name["Valkey's CPU per request"].ours > 0


def test_without_a_store_the_state_section_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from _bench import state

    monkeypatch.setattr(state, "store_binary", lambda: (None, "no valkey-server here"))
    said: list[str] = []
    assert state.run(seconds=0.1, rounds=1, report=said.append) == []
    assert said == ["   state section skipped: no valkey-server here"]


def test_a_process_cpu_is_read_from_proc() -> None:
    import os

    from _bench import state

    spent = state.cpu_seconds(os.getpid())
    if spent is None:
        pytest.skip("no /proc here")
    assert spent > 0
