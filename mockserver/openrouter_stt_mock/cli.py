"""``openrouter-stt mock``: serve the mock over HTTP with uvicorn (one worker, or several sharing
the state on a Valkey/Redis store)."""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import errno
import ipaddress
import math
import platform
import sys
from pathlib import Path
from typing import Final

from .config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEAD_TIMEOUT,
    DEFAULT_HOST,
    DEFAULT_LEASE,
    DEFAULT_PORT,
    DEFAULT_STATE_NAMESPACE,
    DEFAULT_STATE_TIMEOUT,
    MockConfig,
)
from .errors import MockError
from .world import World

__all__ = ["banner", "build_parser", "dedicate_process", "main", "serve"]


def _seconds(text: str) -> float:
    """An argparse type: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"a number of seconds above 0, not {text!r}")
    return value


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
        "--list-keys",
        action="store_true",
        help="list a world file's keys at start (the default world's are always listed)",
    )
    parser.add_argument(
        "--no-control-routes",
        action="store_true",
        help="switch off /_mock/journal and /_mock/reset",
    )
    parser.add_argument(
        "--head-timeout",
        type=_seconds,
        default=DEFAULT_HEAD_TIMEOUT,
        metavar="SECONDS",
        help=f"longest a request head may take to arrive (default {DEFAULT_HEAD_TIMEOUT:g})",
    )
    parser.add_argument(
        "--body-timeout",
        type=_seconds,
        default=DEFAULT_BODY_TIMEOUT,
        metavar="SECONDS",
        help=f"longest a request body may go without a byte (default {DEFAULT_BODY_TIMEOUT:g})",
    )
    parser.add_argument(
        "--state",
        metavar="URL",
        help="keep credit, reservations, rate windows, the queue and the journal on this "
        "Valkey/Redis store (redis://HOST:PORT/DB), shared by every worker and process using it "
        "(default: in memory)",
    )
    parser.add_argument(
        "--state-namespace",
        default=DEFAULT_STATE_NAMESPACE,
        metavar="NAME",
        help=f"prefix of the keys on the store (default {DEFAULT_STATE_NAMESPACE})",
    )
    parser.add_argument(
        "--state-timeout",
        type=_seconds,
        default=DEFAULT_STATE_TIMEOUT,
        metavar="SECONDS",
        help="longest one call to the store may take before the request gets a 503 "
        f"(default {DEFAULT_STATE_TIMEOUT:g})",
    )
    parser.add_argument(
        "--state-lease",
        type=_seconds,
        default=DEFAULT_LEASE,
        metavar="SECONDS",
        help="how long a reservation outlives a worker that died holding it "
        f"(default {DEFAULT_LEASE:g})",
    )
    parser.add_argument(
        "--workers",
        type=_count,
        default=1,
        metavar="N",
        help="worker processes serving the port (more than 1 needs --state; default 1)",
    )
    cassettes = parser.add_argument_group("record and replay real traffic")
    cassettes.add_argument(
        "--record", type=Path, metavar="DIR", help="be a proxy to --upstream, recording to DIR"
    )
    cassettes.add_argument(
        "--upstream",
        default="https://openrouter.ai",
        metavar="URL",
        help="where --record forwards (default %(default)s)",
    )
    cassettes.add_argument(
        "--keep-audio", action="store_true", help="--record keeps the audio, not only its sha256"
    )
    cassettes.add_argument(
        "--replay", type=Path, metavar="DIR", help="answer from DIR's recordings"
    )
    return parser


def _count(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (without the program name); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error: report its status instead of exiting
        return exc.code if isinstance(exc.code, int) else 2
    if args.world is not None and not args.world.is_file():
        print(f"openrouter-stt mock: no such world file: {args.world}", file=sys.stderr)
        return 2
    try:
        config = MockConfig(
            host=args.host,
            port=args.port,
            world_file=args.world,
            control_routes=not args.no_control_routes,
            head_timeout_seconds=args.head_timeout,
            body_timeout_seconds=args.body_timeout,
            state=args.state,
            state_namespace=args.state_namespace,
            state_timeout_seconds=args.state_timeout,
            lease_seconds=args.state_lease,
            workers=args.workers,
        )
    except ValueError as exc:
        print(f"openrouter-stt mock: {exc}", file=sys.stderr)
        return 2
    if args.record is not None or args.replay is not None:
        from .contract._serve import serve_cassettes

        return serve_cassettes(
            config,
            record=args.record,
            upstream=args.upstream,
            keep_audio=args.keep_audio,
            replay=args.replay,
        )
    try:
        world = config.load_world()
    except (ValueError, RuntimeError, OSError) as exc:
        # A world file's problems come one a line, each naming its table, key and field.
        print(f"openrouter-stt mock: cannot load the world: {exc}", file=sys.stderr)
        return 2
    list_keys = args.list_keys or args.world is None
    return serve(dataclasses.replace(config, world=world), dedicated=True, list_keys=list_keys)


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


def banner(url: str, world: World, *, list_keys: bool) -> list[str]:
    """The lines printed once the server listens at ``url``: where, and the world's keys.

    The default world's keys are public, and listed; a world file's keys may be anyone's, so
    unless ``list_keys`` says otherwise only their number is shown.
    """
    lines = [f"openrouter-stt mock on {url} (base URL {url}/api/v1)"]
    if not list_keys:
        count = len(world.keys)
        lines.append(f"  {count} key{'' if count == 1 else 's'} (--list-keys to show them)")
        return lines
    for key, spec in world.keys.items():
        state = "disabled" if spec.disabled else f"{spec.credit_usd} USD"
        if spec.rate_limit is not None:
            state += (
                f", {spec.rate_limit.requests} requests per {spec.rate_limit.window_seconds:g} s"
            )
        lines.append(f"  key {key}: {state}")
    return lines


def serve(config: MockConfig, *, dedicated: bool = False, list_keys: bool | None = None) -> int:
    """Serve the app for ``config`` until interrupted; return the exit status.

    The port is bound first: the banner then names the port in use (a free one for port 0),
    and a port that cannot be bound is one line on stderr and status 1. ``dedicated``: the
    process exists only to serve (see :func:`dedicate_process`). ``list_keys``: list the
    world's keys in the banner (``None``: only when serving the default world).
    """
    from .app import create_app
    from .handle import get_handle
    from .server import bind, uvicorn_server

    try:
        app = create_app(config)
    except ImportError as exc:  # --state without redis-py installed
        print(
            f"openrouter-stt mock: --state needs the state extra ({exc}): "
            "pip install 'openrouter-stt[state]'",
            file=sys.stderr,
        )
        return 2
    except ValueError as exc:  # a world the store cannot hold exactly, a lease too short
        print(f"openrouter-stt mock: {exc}", file=sys.stderr)
        return 2
    handle = get_handle(app)
    world = handle.world
    if handle.store_state is not None:
        try:
            handle.store_state.store.ping()
        except MockError as exc:
            print(f"openrouter-stt mock: {exc.message}", file=sys.stderr)
            return 1
    try:
        sock = bind(config.host, config.port)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        hint = "; pick another with --port, or --port 0 for a free one"
        if exc.errno != errno.EADDRINUSE:
            hint = ""
        print(
            f"openrouter-stt mock: cannot listen on {config.host}:{config.port}: {reason}{hint}",
            file=sys.stderr,
        )
        return 1
    if not _is_loopback(config.host):
        print(
            f"warning: the mock is bound to {config.host}, reachable from other machines; "
            "its keys are public, so bind 127.0.0.1 unless you mean it",
            file=sys.stderr,
        )
    host = f"[{config.host}]" if ":" in config.host else config.host
    port = sock.getsockname()[1]
    if list_keys is None:
        list_keys = config.world is None and config.world_file is None
    lines = banner(f"http://{host}:{port}", world, list_keys=list_keys)
    if config.state is not None:
        from .store import public_url

        lines.append(
            f"  state on {public_url(config.state)} (namespace {config.state_namespace}), "
            f"{config.workers} worker{'' if config.workers == 1 else 's'}"
        )
    print("\n".join(lines), flush=True)
    if dedicated:
        dedicate_process()
    try:
        if config.workers > 1:
            from .workers import serve_workers

            return serve_workers(app, config, sock)
        uvicorn_server(app, config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C is how the server is meant to stop
        pass
    finally:
        sock.close()
    return 0
