"""``openrouter-stt contract``: excerpt, diff, drift and verify, the maintainers' commands.

Exit status: 0 when all is well, 1 when a diff finds a breaking difference (or drift, or a
recording deviates), 2 for a usage error or a document that cannot be read, 141 (as a shell
reports a command ended by SIGPIPE) when the reader of its output went away, as ``| head`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from ._diff import KINDS, diff
from ._document import DocumentError, load, read_document
from ._drift import (
    DEFAULT_EXPECTED,
    DEFAULT_OURS,
    DEFAULT_UPSTREAM,
    drift,
    drift_problems,
    newest_upstream,
)
from ._excerpt import DEFAULT_PATH, excerpt, excerpt_yaml
from ._verify import verify

__all__ = ["build_parser", "main"]

PROG = "openrouter-stt contract"
EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_PIPE_CLOSED = 128 + signal.SIGPIPE


def _excerpt(args: argparse.Namespace) -> int:
    cut = excerpt(read_document(args.full), args.path, title=args.title)
    text = excerpt_yaml(cut)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


def _diff(args: argparse.Namespace) -> int:
    found = diff(load(args.old), load(args.new))
    if args.no_cosmetic:
        found = [d for d in found if d.kind != "cosmetic"]
    counts = {kind: sum(d.kind == kind for d in found) for kind in KINDS}
    if args.json:
        report = {
            "old": str(args.old),
            "new": str(args.new),
            "counts": counts,
            "differences": [d.to_dict() for d in found],
        }
        print(json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        print(f"{args.old} -> {args.new}: {summary}")
        for difference in found:
            print(f"  {difference}")
    return EXIT_FOUND if counts["breaking"] else 0


def _drift(args: argparse.Namespace) -> int:
    upstream = args.against or newest_upstream(args.upstream)
    actual = drift(args.ours, upstream)
    if args.update:
        args.expected.write_text(actual.to_json(), encoding="utf-8")
        print(
            f"wrote {args.expected}: {len(actual.differences)} differences from "
            f"{actual.ours} to {actual.upstream}"
        )
        return 0
    try:
        expected = json.loads(args.expected.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocumentError(f"cannot read the expected drift {args.expected}: {exc}") from exc
    problems = drift_problems(expected, actual)
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} differences from {actual.ours} to {actual.upstream} are not as "
            f"{args.expected} expects: handle them, then run '{PROG} drift --update'",
            file=sys.stderr,
        )
        return EXIT_FOUND
    print(f"{actual.ours} -> {actual.upstream}: {len(actual.differences)} differences, as expected")
    return 0


def _verify(args: argparse.Namespace) -> int:
    if not args.directory.is_dir():
        raise DocumentError(f"no such folder of recordings: {args.directory}")
    from ..spec import SPEC_PATH

    specs = args.spec or [SPEC_PATH]
    deviations = 0
    for cassette, spec, problems in verify(args.directory, specs):
        label = "openrouter-stt.yaml (ours)" if spec == SPEC_PATH.name else spec
        if not problems:
            print(f"{cassette}: fits {label}")
            continue
        deviations += len(problems)
        print(f"{cassette}: deviates from {label}")
        for problem in problems:
            print(f"  {problem}")
    return EXIT_FOUND if deviations else 0


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Keep the contract of POST /audio/transcriptions true."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cut = commands.add_parser(
        "excerpt",
        help="cut one endpoint, with the components it uses, out of a whole OpenAPI document",
        description="Print the part of FULL (YAML or JSON) that describes one path: the path "
        "item, every component it reaches through $refs, and the security schemes it names, in "
        "the layout of openapi/upstream/.",
    )
    cut.add_argument("full", type=Path, metavar="FULL", help="the whole OpenAPI document")
    cut.add_argument("--path", default=DEFAULT_PATH, help=f"the path (default {DEFAULT_PATH})")
    cut.add_argument("--title", help="info.title of the excerpt (default: FULL's, 'PATH excerpt')")
    cut.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE, not stdout")
    cut.set_defaults(run=_excerpt)
    compare = commands.add_parser(
        "diff",
        help="compare two OpenAPI documents of the endpoint (exit 1 when anything is breaking)",
        description="Print each difference from OLD to NEW (YAML or JSON, OpenAPI 3.0 or 3.1) as "
        "breaking, additive or cosmetic for a client written against OLD. Exit 1 when anything "
        "is breaking.",
    )
    compare.add_argument("old", type=Path, metavar="OLD")
    compare.add_argument("new", type=Path, metavar="NEW")
    compare.add_argument("--json", action="store_true", help="print JSON, for machines")
    compare.add_argument("--no-cosmetic", action="store_true", help="leave cosmetic ones out")
    compare.set_defaults(run=_diff)
    check = commands.add_parser(
        "drift",
        help="check (or --update) the expected differences from our fragment to upstream's newest",
        description="Compare our fragment with the newest upstream document and fail, naming "
        "them, on breaking or additive differences the expected-drift file does not list (or "
        "lists and no longer occur). Run from the repository's root.",
    )
    check.add_argument("--ours", type=Path, default=DEFAULT_OURS, help="(default %(default)s)")
    check.add_argument(
        "--upstream", type=Path, default=DEFAULT_UPSTREAM, metavar="DIR",
        help="upstream's documents; the one dated latest in its name is used (default %(default)s)",
    )  # fmt: skip
    check.add_argument("--against", type=Path, metavar="FILE", help="this upstream document")
    check.add_argument(
        "--expected", type=Path, default=DEFAULT_EXPECTED, help="(default %(default)s)"
    )
    check.add_argument("--update", action="store_true", help="rewrite the expected file")
    check.set_defaults(run=_drift)
    judge = commands.add_parser(
        "verify",
        help="judge recorded exchanges (mock --record DIR) against the contract",
        description="Judge every cassette in DIR against our fragment (or each --spec) and print "
        "what deviates: status not documented, a field missing or of another type, a required "
        "header absent. Exit 1 on any deviation.",
    )
    judge.add_argument("directory", type=Path, metavar="DIR")
    judge.add_argument(
        "--spec", type=Path, action="append", metavar="FILE",
        help="an OpenAPI document to judge against, repeatable (default: our fragment)",
    )  # fmt: skip
    judge.set_defaults(run=_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (without the program name); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error: report its status instead of exiting
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        status = run(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
    except DocumentError as exc:
        print(f"{PROG} {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_PIPE_CLOSED
    return status


def _quiet_stdout() -> None:
    """Point stdout at the null device: what is still buffered for the closed pipe is dropped
    at exit instead of raising again (as Python's documentation on SIGPIPE advises)."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    finally:
        os.close(null)
