"""``openrouter-stt contract``: excerpt, diff, drift and verify, the maintainers' commands.

Exit status: 0 when all is well, 1 when a diff finds a breaking difference (or drift, or a
recording deviates), 2 for a usage error or a document that cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ._document import DocumentError, read_document
from ._excerpt import DEFAULT_PATH, excerpt, excerpt_yaml

__all__ = ["build_parser", "main"]

PROG = "openrouter-stt contract"
EXIT_USAGE = 2


def _excerpt(args: argparse.Namespace) -> int:
    cut = excerpt(read_document(args.full), args.path, title=args.title)
    text = excerpt_yaml(cut)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (without the program name); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error: report its status instead of exiting
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except DocumentError as exc:
        print(f"{PROG} {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
