"""``openrouter-stt mock``: serve the mock over HTTP with uvicorn (one worker)."""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import ipaddress
import platform
import sys
from pathlib import Path
from typing import Final

from .config import DEFAULT_HOST, DEFAULT_PORT, MockConfig

__all__ = ["build_parser", "dedicate_process", "main", "serve"]


def build_parser(prog: str = "openrouter-stt mock") -> argparse.ArgumentParser:
    """The command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve an offline mock of OpenRouter's POST /api/v1/audio/transcriptions.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--world", type=Path, metavar="FILE", help="a TOML world file (default: the built-in world)"
    )
    parser.add_argument(
        "--no-control-routes",
        action="store_true",
        help="switch off /_mock/journal and /_mock/reset",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (without the program name); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error: report its status instead of exiting
        return exc.code if isinstance(exc.code, int) else 2
    if args.world is not None and not args.world.is_file():
        print(f"openrouter-stt mock: no such world file: {args.world}", file=sys.stderr)
        return 2
    config = MockConfig(
        host=args.host,
        port=args.port,
        world_file=args.world,
        control_routes=not args.no_control_routes,
    )
    try:
        world = config.load_world()
    except (ValueError, KeyError, TypeError, RuntimeError) as exc:
        print(f"openrouter-stt mock: cannot load the world: {exc}", file=sys.stderr)
        return 2
    serve(dataclasses.replace(config, world=world), dedicated=True)
    return 0


# glibc's mallopt parameters (malloc.h), and the values the command serves with.
_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3
_TRIM_THRESHOLD: Final = 32 * 1024 * 1024
_MMAP_THRESHOLD: Final = 4 * 1024 * 1024


def dedicate_process() -> None:
    """Settings for a process that exists only to serve, as the command's does.

    Call it once the app is built, just before serving. It keeps freed heap for the next request
    (see :func:`_keep_freed_heap`), which acts on the whole process.
    """
    _keep_freed_heap()


def _keep_freed_heap() -> bool:
    """Let glibc keep freed heap for the next request rather than hand it back at once.

    Every upload allocates and frees a few hundred KB (the body, the decoded audio, the server's
    own buffers). Under glibc's adaptive thresholds that shrinks the heap after most requests and
    grows it again on the next, and faulting the fresh pages in costs about a tenth of a request.
    Allocations of 4 MiB and more keep their own mappings, so a large upload is still returned to
    the system when it is freed; at most 32 MiB of freed heap is kept. Returns whether it applied
    (glibc only; elsewhere the allocator is left as it is).
    """
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - a glibc without mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (names other than localhost are not
    resolved: they count as reachable from elsewhere)."""
    host = host.strip().lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def serve(config: MockConfig, *, dedicated: bool = False) -> None:
    """Serve the app for ``config`` until interrupted.

    ``dedicated``: the process exists only to serve it (see :func:`dedicate_process`).
    """
    import uvicorn  # imported only to serve: importing the package stays light

    from .app import create_app
    from .handle import get_handle

    app = create_app(config)
    world = get_handle(app).world
    if not _is_loopback(config.host):
        print(
            f"warning: the mock is bound to {config.host}, reachable from other machines; "
            "its keys are public, so bind 127.0.0.1 unless you mean it",
            file=sys.stderr,
        )
    host = f"[{config.host}]" if ":" in config.host else config.host
    print(
        f"openrouter-stt mock on http://{host}:{config.port} (base URL http://{host}:{config.port}/api/v1)"
    )
    for key, spec in world.keys.items():
        state = "disabled" if spec.disabled else f"{spec.credit_usd} USD"
        if spec.rate_limit is not None:
            state += (
                f", {spec.rate_limit.requests} requests per {spec.rate_limit.window_seconds:g} s"
            )
        print(f"  key {key}: {state}")
    sys.stdout.flush()
    if dedicated:
        dedicate_process()
    uvicorn.run(app, host=config.host, port=config.port, workers=1, log_level=config.log_level)
