"""``scripts/soak``: a short run serves mixed traffic, reports its figures and passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_three_second_soak_passes_and_reports() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "_soak.py"), "--seconds", "3", "--json"],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    summary = json.loads(run.stdout)
    assert summary["ok"]
    assert summary["requests_served"] > 50
    assert summary["unexpected"] == {}
    assert summary["unexpected_5xx"] == 0
    assert summary["no_answer"] == {}
    assert summary["server_alive"]
    assert summary["good_request_after"]
    assert summary["server_tracebacks"] == 0
    assert set(summary["statuses"]) >= {"200", "400", "401"}
    assert 0 < summary["latency_ms"]["p50"] <= summary["latency_ms"]["p99"]
    assert summary["server_rss_mib"]["peak"] >= summary["server_rss_mib"]["start"] > 0


def test_the_request_cap_bounds_a_run() -> None:
    run = subprocess.run(
        [
            *(sys.executable, str(ROOT / "scripts" / "_soak.py"), "--seconds", "30"),
            *("--max-requests", "40", "--workers", "2", "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    summary = json.loads(run.stdout)
    assert summary["requests_sent"] == 40
    assert summary["seconds"] < 30


def test_the_wrapper_bootstraps_then_runs_the_script() -> None:
    wrapper = ROOT / "scripts" / "soak"
    assert os.access(wrapper, os.X_OK)
    text = wrapper.read_text()
    assert '_bootstrap.sh" mock,dev' in text
    assert "scripts/_soak.py" in text
