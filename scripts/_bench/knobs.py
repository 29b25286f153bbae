"""The mock's tuning, each knob switched off in turn: does it still earn its place?

A knob stays only while the mock with it serves at least 5 % more requests/s than the same mock
without it, measured here in the same run: ``openrouter-stt mock`` as shipped, and beside it the
same command with one knob undone before it starts. Servers take turns as in the throughput
section (fresh processes each round, the order reversing, the median round).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any, Final

from .common import free_port, split_cpus
from .results import Figure
from .rivals import Rival
from .throughput import _MOCK, _answered_200, _load, _median_run, _python, _serving, mock_body

__all__ = ["KNOBS", "run"]

#: Each knob, and the Python that undoes it before the mock starts.
KNOBS: Final = {
    "audio read in place": (
        "from openrouter_stt_mock import reader; reader._audio_in_place = lambda content: None"
    ),
    "hashing only known sizes": (
        "import dataclasses, openrouter_stt_mock.world as w; d = w.World.default; "
        "w.World.default = classmethod(lambda cls: dataclasses.replace(d(), "
        "transcript_sizes=None))"
    ),
    "WAV header read by hand": (
        "from openrouter_stt_mock import audio; audio._plain_wav = lambda data: None"
    ),
    "freed heap kept (mallopt)": (
        "from openrouter_stt_mock import cli; cli._keep_freed_heap = lambda: False"
    ),
    "endpoint reached without the router": (
        "from openrouter_stt_mock import app; app._to_the_endpoint = lambda scope: False"
    ),
    "journal entries built when read": (
        "from openrouter_stt_mock.journal import Journal; "
        "Journal.record_arrival = lambda self, arrival: self.record(*arrival.build())"
    ),
}
#: The least gain, as ours/without, for a knob to stay.
BAR: Final = 1.05


def run(
    connections: int = 16,
    seconds: float = 3.0,
    rounds: int = 3,
    warmup: float = 1.0,
    knobs: tuple[str, ...] = tuple(KNOBS),
) -> list[Figure]:
    """Requests/s of the mock as shipped beside the mock without each knob, one figure a knob."""
    contenders = [
        Rival("mock", "openrouter-stt mock", "", _python(["-c", _MOCK, "mock", "--port"]))
    ]
    contenders += [
        Rival(
            knob,
            f"without {knob}",
            "",
            _python(["-c", f"{KNOBS[knob]}\n{_MOCK}", "mock", "--port"]),
        )
        for knob in knobs
    ]
    runs: dict[str, list[dict[str, Any]]] = {c.key: [] for c in contenders}
    # As in the throughput section: the server on one CPU, the load on the others.
    server_cpus, load_cpus = split_cpus() or (None, None)
    with tempfile.TemporaryDirectory(prefix="bench-knobs-") as tmp:
        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(mock_body(100_000))
        for number in range(rounds):
            for contender in contenders if number % 2 == 0 else contenders[::-1]:
                port = free_port()
                with _serving(contender, port, server_cpus):
                    load = (port, body_file, connections)
                    _load(*load, warmup, 1_000_000, False, cpus=load_cpus)
                    result = _load(*load, seconds, 1_000_000, False, cpus=load_cpus)
                problem = _answered_200(result)
                if problem is not None:
                    raise subprocess.SubprocessError(f"{contender.label}: {problem}")
                runs[contender.key].append(result)
    shipped = _median_run(runs["mock"])
    return [
        Figure(
            section="mock knobs",
            name=knob,
            unit="req/s",
            ours=shipped["rps"],
            baseline=_median_run(runs[knob])["rps"],
            baseline_name=f"without {knob}",
            better="higher",
            bar=BAR,
            notes={"rounds": [round(r["rps"]) for r in runs[knob]]},
        )
        for knob in knobs
    ]
