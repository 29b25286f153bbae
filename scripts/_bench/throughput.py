"""Mock throughput: ``openrouter-stt mock`` beside a bare Starlette app parsing the same body.

Both run under uvicorn with one worker on 127.0.0.1 and take turns under the same load: wrk when
it is installed, else :mod:`_bench.load` in a process of its own. The body is a
100 KB WAV as the client sends it, base64 in JSON, with the default world's ``sk-or-mock-ok`` key.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import free_port, run_child, server, wav_bytes
from .load import KEY, PATH
from .results import Figure

__all__ = ["mock_body", "run"]

MODEL = "openai/whisper-large-v3"
_MOCK = "import sys; from openrouter_stt._cli import main; sys.exit(main(sys.argv[1:]))"


def mock_body(audio_bytes: int) -> bytes:
    """The JSON body for a WAV file of ``audio_bytes`` bytes."""
    data = base64.b64encode(wav_bytes(audio_bytes)).decode("ascii")
    return json.dumps({"input_audio": {"data": data, "format": "wav"}, "model": MODEL}).encode()


def _wrk(port: int, body_file: Path, connections: int, seconds: float) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    assert wrk is not None
    script = body_file.with_suffix(".lua")
    script.write_text(
        'local f = io.open("' + str(body_file) + '", "rb")\n'
        "wrk.body = f:read('*a')\nf:close()\n"
        'wrk.method = "POST"\n'
        f'wrk.headers["Authorization"] = "Bearer {KEY}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n',
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{port}{PATH}"
    args = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    done = subprocess.run(
        [*args, "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    return _parse_wrk(done.stdout)


def _parse_wrk(text: str) -> dict[str, Any]:
    def millis(label: str) -> float:
        found = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
        if found is None:
            return 0.0
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
        return float(found.group(1)) * scale

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(s|m)", text)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    return {
        "requests": int(total.group(1)) if total else 0,
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": millis("50%"),
        "p99_ms": millis("99%"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else None,
        "generator": "wrk",
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median requests/s, its latencies with it."""
    return sorted(runs, key=lambda r: float(r["rps"]))[len(runs) // 2]


def _load(
    port: int, body_file: Path, connections: int, seconds: float, max_requests: int, use_wrk: bool
) -> dict[str, Any]:
    if use_wrk:
        return _wrk(port, body_file, connections, seconds)
    args = [str(port), str(body_file), str(connections), str(seconds), str(max_requests)]
    return run_child("_bench.load", args, timeout=seconds + 60)


def run(
    audio_bytes: int = 100_000,
    connections: int = 16,
    seconds: float = 10.0,
    max_requests: int = 100_000,
    generator: str = "auto",
    rounds: int = 5,
) -> list[Figure]:
    """Requests/s and latency of the mock and of the bare app under the same load.

    ``rounds`` rounds, each starting both servers afresh and loading one then the other (the order
    alternates) for ``seconds / rounds`` after a warm-up; each figure is the median round. Fresh
    processes matter: the same server runs a tenth faster or slower from one start to the next
    (memory layout, hash seeds), which one long run per server reads as a difference between them.
    """
    use_wrk = generator == "wrk" or (generator == "auto" and shutil.which("wrk") is not None)
    turn = max(1.0, seconds / rounds)
    argvs = {"mock": ["-c", _MOCK, "mock", "--port"], "bare": ["-m", "_bench.bare_app"]}
    runs: dict[str, list[dict[str, Any]]] = {"mock": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(mock_body(audio_bytes))
        for number in range(rounds):
            for name in ("mock", "bare") if number % 2 == 0 else ("bare", "mock"):
                port = free_port()
                with server([*argvs[name], str(port)], port):
                    _load(port, body_file, connections, 1.0, max_requests, use_wrk)  # warm-up
                    runs[name].append(
                        _load(port, body_file, connections, turn, max_requests, use_wrk)
                    )
    results = {name: _median_run(found) for name, found in runs.items()}
    mock, bare = results["mock"], results["bare"]
    notes = {
        "generator": mock["generator"],
        "connections": connections,
        "audio_bytes": audio_bytes,
        "rounds": {name: [round(r["rps"]) for r in found] for name, found in runs.items()},
        "mock": mock,
        "bare": bare,
    }
    return [
        Figure(
            section="mock throughput",
            name="requests/s",
            unit="req/s",
            ours=mock["rps"],
            baseline=bare["rps"],
            baseline_name="bare Starlette + orjson",
            better="higher",
            bar=0.8,
            notes=notes,
        ),
        Figure(
            section="mock latency",
            name="p50",
            unit="ms",
            ours=mock["p50_ms"],
            baseline=bare["p50_ms"],
            baseline_name="bare Starlette + orjson",
        ),
        Figure(
            section="mock latency",
            name="p99",
            unit="ms",
            ours=mock["p99_ms"],
            baseline=bare["p99_ms"],
            baseline_name="bare Starlette + orjson",
        ),
    ]


if __name__ == "__main__":
    print(json.dumps([f.to_dict() for f in run(seconds=float(sys.argv[1]))], indent=2))
