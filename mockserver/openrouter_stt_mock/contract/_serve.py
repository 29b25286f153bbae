"""``openrouter-stt mock --record DIR`` and ``--replay DIR``: the recorder or the replay served
like the mock (same socket binding, same uvicorn settings)."""

from __future__ import annotations

import sys
from pathlib import Path

from starlette.types import ASGIApp

from ..config import MockConfig
from ..server import bind, uvicorn_server
from ._record import Recorder
from ._replay import Replayer

__all__ = ["serve_cassettes"]

PROG = "openrouter-stt mock"


def serve_cassettes(
    config: MockConfig,
    *,
    record: Path | None,
    upstream: str,
    keep_audio: bool,
    replay: Path | None,
) -> int:
    """Serve the recorder (``record``) or the replay (``replay``); return the exit status."""
    app: ASGIApp
    if record is not None:
        app = Recorder(record, upstream, keep_audio=keep_audio)
        what = f"recording to {record}, forwarding to {upstream}"
        if keep_audio:
            what += " (audio kept whole)"
    else:
        assert replay is not None
        if not replay.is_dir():
            print(f"{PROG}: no such folder of recordings: {replay}", file=sys.stderr)
            return 2
        replayer = Replayer(replay)
        app = replayer
        what = f"replaying {len(replayer.cassettes)} recordings from {replay}"
    try:
        sock = bind(config.host, config.port)
    except OSError as exc:
        print(f"{PROG}: cannot listen on {config.host}:{config.port}: {exc}", file=sys.stderr)
        return 1
    host = f"[{config.host}]" if ":" in config.host else config.host
    url = f"http://{host}:{sock.getsockname()[1]}"
    print(f"{PROG} on {url} (base URL {url}/api/v1), {what}", flush=True)
    try:
        uvicorn_server(app, config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0
