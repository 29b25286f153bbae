"""``scripts/bench``: run the benchmarks, print ours beside each baseline, save JSON and a chart."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import (
    imports,
    knobs,
    mock_memory,
    overhead,
    profile_mock,
    state,
    suite,
    throughput,
    upload,
)
from . import rivals as rival_tools
from .common import wav_bytes
from .results import Figure, format_table, write_chart, write_json

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = (
    "upload",
    "overhead",
    "throughput",
    "knobs",
    "state",
    "mock-memory",
    "imports",
    "profile",
)

#: Sizes and counts of each mode: quick finishes in under a minute, full in about eight. The load's
#: warm-up is the same for every server; WireMock's JIT needs about five seconds to settle.
PLANS: dict[str, dict[str, Any]] = {
    "quick": {
        "upload_mb": [1, 16],
        "upload_repeats": 1,
        "overhead_calls": 300,
        "overhead_rounds": 3,
        "load_seconds": 1.5,
        "load_warmup": 4.0,
        "load_rounds": 1,
        "load_connections": 8,
        "knob_seconds": 1.0,
        "knob_rounds": 1,
        "state_seconds": 1.0,
        "state_rounds": 1,
        "mock_memory_mb": 16,
        "import_repeats": 3,
        "profile_requests": 100,
    },
    "full": {
        "upload_mb": [1, 25, 100, 200],
        "upload_repeats": 2,
        "overhead_calls": 2000,
        "overhead_rounds": 5,
        "load_seconds": 15.0,
        "load_warmup": 5.0,
        "load_rounds": 5,
        "load_connections": 16,
        "knob_seconds": 3.0,
        # Five starts each: a knob may act on how a start goes (glibc's heap), not only on speed.
        "knob_rounds": 5,
        "state_seconds": 5.0,
        "state_rounds": 3,
        "mock_memory_mb": 100,
        "import_repeats": 15,
        "profile_requests": 1000,
    },
}

#: Audio for the per-call overhead: a small WAV, so the call's own work shows, not base64's.
OVERHEAD_AUDIO_BYTES = 8192


def build_parser() -> argparse.ArgumentParser:
    """The command's options."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Benchmarks of the client and the mock, each beside its baseline.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, few iterations (under 60 s)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench-results",
        help="folder for results.json, bench.png and the mock's profile (default bench-results/)",
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})",
    )
    parser.add_argument(
        "--suite",
        action="store_true",
        help='also time the test suite (pytest -m "not slow"); ignored with --quick',
    )
    parser.add_argument(
        "--load",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator for the mock's throughput (auto: wrk when installed)",
    )
    parser.add_argument(
        "--no-rivals",
        action="store_true",
        help="leave WireMock and Prism out of the throughput section (no npm install)",
    )
    parser.add_argument(
        "--docs-chart",
        action="store_true",
        help="also copy the chart to docs/bench.png",
    )
    return parser


def run_sections(
    sections: Sequence[str],
    plan: dict[str, Any],
    load: str = "auto",
    report: Callable[[str], None] = print,
    rivals: bool = True,
) -> tuple[list[Figure], dict[str, Any]]:
    """Run ``sections`` with ``plan``'s sizes; return the figures and extra facts."""
    figures: list[Figure] = []
    extra: dict[str, Any] = {}
    for section in sections:
        started = time.perf_counter()
        report(f"-- {section} ...")
        if section == "upload":
            figures += upload.run(plan["upload_mb"], plan["upload_repeats"])
        elif section == "overhead":
            with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
                audio = Path(tmp) / "small.wav"
                audio.write_bytes(wav_bytes(OVERHEAD_AUDIO_BYTES))
                figures += overhead.run(audio, plan["overhead_calls"], plan["overhead_rounds"])
        elif section == "throughput":
            figures += throughput.run(
                connections=plan["load_connections"],
                seconds=plan["load_seconds"],
                rounds=plan["load_rounds"],
                generator=load,
                warmup=plan["load_warmup"],
                rivals=rivals,
                report=report,
            )
        elif section == "knobs":
            figures += knobs.run(
                connections=plan["load_connections"],
                seconds=plan["knob_seconds"],
                rounds=plan["knob_rounds"],
            )
        elif section == "state":
            figures += state.run(
                connections=plan["load_connections"],
                seconds=plan["state_seconds"],
                rounds=plan["state_rounds"],
                warmup=plan["load_warmup"],
                report=report,
            )
        elif section == "mock-memory":
            figures += mock_memory.run(plan["mock_memory_mb"])
        elif section == "imports":
            figures += imports.run(plan["import_repeats"])
        elif section == "profile":
            extra["mock_profile"] = profile_mock.profile(plan["profile_requests"])
        else:
            raise ValueError(f"unknown section {section!r}; known: {', '.join(SECTIONS)}")
        report(f"   {section} done in {time.perf_counter() - started:.1f} s")
    return figures, extra


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; exit status 0 whether or not every bar holds (the table says)."""
    args = build_parser().parse_args(argv)
    mode = "quick" if args.quick else "full"
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        print(f"scripts/bench: unknown section(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    # Other work on the machine skews every figure: the load average is kept with the results.
    load_before = os.getloadavg()
    figures, extra = run_sections(sections, PLANS[mode], args.load, rivals=not args.no_rivals)
    meta: dict[str, Any] = {
        "mode": mode,
        "command": "scripts/bench" + (" --quick" if args.quick else ""),
        "rivals": {"wiremock": rival_tools.WIREMOCK_VERSION, "prism": rival_tools.PRISM_VERSION}
        if not args.no_rivals
        else None,
        "plan": PLANS[mode],
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "cpus": os.cpu_count(),
    }
    if args.suite and not args.quick:
        print("-- suite ...")
        meta["suite"] = suite.run()
    profile = extra.get("mock_profile")
    args.out.mkdir(parents=True, exist_ok=True)
    if profile is not None:
        meta["mock_profile"] = {k: v for k, v in profile.items() if k != "top"}
        (args.out / "mock_profile.txt").write_text(profile["top"], encoding="utf-8")
    meta["seconds"] = time.perf_counter() - started
    write_json(args.out / "results.json", figures, meta)
    if figures:
        write_chart(args.out / "bench.png", figures, f"openrouter-stt benchmarks ({mode})")
        if args.docs_chart:
            shutil.copyfile(args.out / "bench.png", ROOT / "docs" / "bench.png")
    print()
    print(format_table(figures))
    if profile is not None:
        print(f"\nmock per request, in-process: {profile['us_per_request']:.0f} µs; profiled:")
        stages = sorted(profile["stages_us_profiled"].items(), key=lambda kv: -kv[1])
        for stage, micros in stages:
            print(f"  {stage:24s} {micros:7.0f} µs")
    if "suite" in meta:
        print(
            f"\ntest suite (-m 'not slow'): {meta['suite']['seconds']:.1f} s, "
            f"{meta['suite']['summary']}"
        )
    print(f"\nwrote {args.out / 'results.json'}" + (" and bench.png" if figures else ""))
    print(
        json.dumps(
            {
                "met": sum(f.met is True for f in figures),
                "missed": sum(f.met is False for f in figures),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
