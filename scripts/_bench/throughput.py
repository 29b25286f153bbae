"""Mock throughput: ``openrouter-stt mock`` beside a bare Starlette app and the mocks users pick.

The mock and the bare app (which only parses the same body) run under uvicorn with one worker;
WireMock and Prism (:mod:`_bench.rivals`) with the settings given there. All listen on 127.0.0.1
and take turns under the same load: wrk when it is installed, else :mod:`_bench.load` in a
process of its own. Each server runs on one CPU and the load on the others
(:func:`~_bench.common.split_cpus`), so that every server has the same CPU to itself and none
takes the load's: the mock with one worker uses one CPU, while a JVM's or node's threads would
otherwise spread over every CPU, the load's included. WireMock also takes turns on every CPU,
shared with the load, as it runs when nothing pins it. The body is a 100 KB WAV as the client
sends it, base64 in JSON, with the default world's ``sk-or-mock-ok`` key; the mock also takes its
turns with the same WAV uploaded as multipart/form-data, set beside its JSON figure.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import rivals as rival_tools
from .common import _env, command_server, free_port, pinned_to, run_child, split_cpus, wav_bytes
from .load import KEY, PATH
from .results import Figure
from .rivals import Rival

__all__ = ["form_body", "mock_body", "run"]

MODEL = "openai/whisper-large-v3"
JSON = "application/json"
_BOUNDARY = "bench-boundary-7f3a9c"
FORM = f"multipart/form-data; boundary={_BOUNDARY}"
_MOCK = "import sys; from openrouter_stt._cli import main; sys.exit(main(sys.argv[1:]))"


def mock_body(audio_bytes: int) -> bytes:
    """The JSON body for a WAV file of ``audio_bytes`` bytes."""
    data = base64.b64encode(wav_bytes(audio_bytes)).decode("ascii")
    return json.dumps({"input_audio": {"data": data, "format": "wav"}, "model": MODEL}).encode()


def form_body(audio_bytes: int) -> bytes:
    """The multipart/form-data body (content type :data:`FORM`) for the same WAV file."""
    head = (
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\n{MODEL}\r\n'
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="audio.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    )
    tail = f"\r\n--{_BOUNDARY}--\r\n"
    return head.encode() + wav_bytes(audio_bytes) + tail.encode()


def _wrk(
    port: int,
    body_file: Path,
    connections: int,
    seconds: float,
    path: str = PATH,
    content_type: str = JSON,
    cpus: frozenset[int] | None = None,
) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    assert wrk is not None
    script = body_file.with_suffix(".lua")
    script.write_text(
        'local f = io.open("' + str(body_file) + '", "rb")\n'
        "wrk.body = f:read('*a')\nf:close()\n"
        'wrk.method = "POST"\n'
        f'wrk.headers["Authorization"] = "Bearer {KEY}"\n'
        f'wrk.headers["Content-Type"] = "{content_type}"\n',
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{port}{path}"
    args = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    done = subprocess.run(
        [*args, "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
        preexec_fn=pinned_to(cpus),
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
    port: int,
    body_file: Path,
    connections: int,
    seconds: float,
    max_requests: int,
    use_wrk: bool,
    path: str = PATH,
    content_type: str = JSON,
    cpus: frozenset[int] | None = None,
) -> dict[str, Any]:
    if use_wrk:
        return _wrk(port, body_file, connections, seconds, path, content_type, cpus)
    args = [str(port), str(body_file), str(connections), str(seconds), str(max_requests)]
    args += [path, content_type]
    return run_child("_bench.load", args, timeout=seconds + 60, cpus=cpus)


def _answered_200(result: dict[str, Any]) -> str | None:
    """Why a load's answers were not all 200, or ``None`` when they were."""
    if not result["requests"]:
        return "no request was answered"
    if result.get("non_2xx") or result.get("socket_errors"):
        return f"{result.get('non_2xx')} non-2xx answers; {result.get('socket_errors')}"
    statuses = result.get("statuses")
    if statuses is not None and set(statuses) != {"200"}:
        return f"answered {statuses}"
    return None


BARE = "bare Starlette + orjson"
#: Short names in the figures, and the bars on ours/theirs: requests/s at least, p99 at most.
SHORT = {
    "bare": "bare app",
    "wiremock": "WireMock",
    "wiremock-all": "WireMock on every CPU",
    "prism": "Prism",
    "form": "multipart",
}
RPS_BARS = {"bare": 0.8, "wiremock": 1.25, "prism": 20.0}
P99_BARS = {"wiremock": 0.5}


def _python(argv: list[str]) -> Callable[[int], list[str]]:
    return lambda port: [sys.executable, *argv, str(port)]


@contextmanager
def _serving(contender: Rival, port: int, cpus: frozenset[int] | None) -> Iterator[None]:
    command = contender.command(port)
    keep = contender.key not in ("mock", "bare")
    timeout = contender.start_timeout
    with command_server(command, port, _env(), timeout, keep_stdout=keep, cpus=cpus):
        yield


def run(
    audio_bytes: int = 100_000,
    connections: int = 16,
    seconds: float = 10.0,
    max_requests: int = 100_000,
    generator: str = "auto",
    rounds: int = 5,
    warmup: float = 1.0,
    rivals: bool = True,
    report: Callable[[str], None] = print,
    pin: bool = True,
) -> list[Figure]:
    """Requests/s and latency of the mock, the bare app, WireMock and Prism under the same load.

    ``rounds`` rounds, each starting every server afresh and loading one after the other (the
    order reverses every other round) for ``seconds / rounds`` after a warm-up of ``warmup``
    seconds, the same for all (WireMock's JIT needs a few); each figure is the median round.
    Fresh processes matter: the same server runs a tenth faster or slower from one start to the
    next (memory layout, hash seeds), which one long run per server reads as a difference between
    them. With ``rivals`` false, or where npm, java or node is missing, WireMock and Prism are
    left out and the reason is reported. With ``pin`` (and two CPUs or more), each server runs on
    one CPU and the load on the others; WireMock also runs once more unpinned.
    """
    split = split_cpus() if pin else None
    server_cpus, load_cpus = split if split is not None else (None, None)
    use_wrk = generator == "wrk" or (generator == "auto" and shutil.which("wrk") is not None)
    turn = max(1.0, seconds / rounds)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        mock_command = _python(["-c", _MOCK, "mock", "--port"])
        contenders = [
            Rival("mock", "openrouter-stt mock", PATH, mock_command),
            Rival("form", "openrouter-stt mock, multipart upload", PATH, mock_command),
            Rival("bare", BARE, PATH, _python(["-m", "_bench.bare_app"])),
        ]
        skipped: dict[str, str] = {}
        if rivals:
            found, skipped = rival_tools.rivals(Path(tmp), report)
            contenders += found
            wiremock = next((r for r in found if r.key == "wiremock"), None)
            if wiremock is not None and split is not None:
                label = f"{wiremock.label} on every CPU"
                contenders.append(replace(wiremock, key="wiremock-all", label=label))
        for key, reason in skipped.items():
            report(f"   {SHORT[key]} baseline skipped: {reason}")
        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(mock_body(audio_bytes))
        form_file = Path(tmp) / "body.form"
        form_file.write_bytes(form_body(audio_bytes))
        bodies = {"form": (form_file, FORM)}
        runs: dict[str, list[dict[str, Any]]] = {c.key: [] for c in contenders}
        for number in range(rounds):
            order = contenders if number % 2 == 0 else contenders[::-1]
            for contender in order:
                if contender.key in skipped:
                    continue
                try:
                    port = free_port()
                    body, content_type = bodies.get(contender.key, (body_file, JSON))
                    pinned = None if contender.key == "wiremock-all" else server_cpus
                    with _serving(contender, port, pinned):
                        load = (port, body, connections)
                        how = (use_wrk, contender.path, content_type, load_cpus)
                        _load(*load, warmup, max_requests, *how)
                        result = _load(*load, turn, max_requests, *how)
                    problem = _answered_200(result)
                    if problem is not None:
                        raise RuntimeError(f"{contender.label}: {problem}")
                except (RuntimeError, subprocess.SubprocessError) as error:
                    if contender.key in ("mock", "form", "bare"):
                        raise
                    skipped[contender.key] = f"failed in round {number + 1}: {error}"
                    report(f"   {SHORT[contender.key]} baseline dropped: {skipped[contender.key]}")
                    continue
                runs[contender.key].append(result)
    results = {key: _median_run(found) for key, found in runs.items() if key not in skipped}
    labels = {c.key: c.label for c in contenders}
    mock = results["mock"]
    notes = {
        "generator": mock["generator"],
        "connections": connections,
        "audio_bytes": audio_bytes,
        "warmup_seconds": warmup,
        "cpus": {"server": sorted(server_cpus), "load": sorted(load_cpus)}
        if server_cpus is not None and load_cpus is not None
        else "not pinned",
        "turn_seconds": turn,
        "rounds": {key: [round(r["rps"]) for r in found] for key, found in runs.items()},
        "paths": {c.key: c.path for c in contenders},
        "skipped": skipped,
        **results,
    }
    throughput: list[Figure] = []
    latency: list[Figure] = []
    for key, theirs in results.items():
        if key in ("mock", "form"):
            continue
        short, label = SHORT[key], labels[key]
        throughput.append(
            Figure(
                section="mock throughput",
                name=f"vs {short}",
                unit="req/s",
                ours=mock["rps"],
                baseline=theirs["rps"],
                baseline_name=label,
                better="higher",
                bar=RPS_BARS.get(key),
                notes=notes if not throughput else {},
            )
        )
        for quantile in ("p50", "p99"):
            latency.append(
                Figure(
                    section="mock latency",
                    name=f"{quantile} vs {short}",
                    unit="ms",
                    ours=mock[f"{quantile}_ms"],
                    baseline=theirs[f"{quantile}_ms"],
                    baseline_name=label,
                    bar=P99_BARS.get(key) if quantile == "p99" else None,
                )
            )
    form = results["form"]
    throughput.append(
        Figure(
            section="mock throughput",
            name="multipart vs JSON upload",
            unit="req/s",
            ours=form["rps"],
            baseline=mock["rps"],
            baseline_name="openrouter-stt mock, JSON upload",
            better="higher",
            notes={"p50_ms": form["p50_ms"], "p99_ms": form["p99_ms"]},
            ours_name=labels["form"],
        )
    )
    return throughput + latency


if __name__ == "__main__":
    print(json.dumps([f.to_dict() for f in run(seconds=float(sys.argv[1]))], indent=2))
