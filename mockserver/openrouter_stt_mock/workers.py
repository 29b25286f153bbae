"""Several worker processes serving one socket (``openrouter-stt mock --workers N``).

The parent binds the socket and builds the app, then forks the workers, which serve with uvicorn
exactly as a single worker does; their state is on the store (:mod:`.store`), so it does not
matter which worker a request reaches. A worker that dies (even by SIGKILL) is replaced; one that
fails within its first seconds stops the whole server, as a fault that would only repeat.
SIGINT or SIGTERM stops every worker gracefully, then kills any still there after a deadline.
Forking (POSIX only) hands the workers the parent's app and loaded world without pickling them.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Final

from starlette.types import ASGIApp

from .config import MockConfig

__all__ = ["serve_workers"]

logger = logging.getLogger("openrouter_stt_mock")

#: A worker that fails (exits with an error, not by a signal) this soon after starting is taken
#: for a fault that would only repeat.
_EARLY_EXIT_SECONDS: Final = 3.0
#: How long stopping workers may take before they are killed.
_STOP_SECONDS: Final = 10.0
_POLL_SECONDS: Final = 0.2


def _run(app: ASGIApp, config: MockConfig, sock: socket.socket, parent: int) -> None:
    from .server import uvicorn_server

    for sig in (signal.SIGINT, signal.SIGTERM):  # uvicorn installs its own once serving
        signal.signal(sig, signal.SIG_DFL)
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    uvicorn_server(app, config).run(sockets=[sock])


def _end_with(parent: int) -> None:
    """Exit once the parent is gone (killed without a chance to stop its workers)."""
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os._exit(1)


def serve_workers(app: ASGIApp, config: MockConfig, sock: socket.socket) -> int:
    """Serve ``app`` from ``config.workers`` processes on ``sock`` until SIGINT or SIGTERM;
    return the exit status (1 when a worker failed as it started)."""
    if sys.platform == "win32":  # pragma: no cover
        print("openrouter-stt mock: --workers needs fork (Linux or macOS)", file=sys.stderr)
        return 2
    context = multiprocessing.get_context("fork")
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start() -> tuple[BaseProcess, float]:
        worker = context.Process(target=_run, args=(app, config, sock, os.getpid()), daemon=True)
        worker.start()
        return worker, time.monotonic()

    status = 0
    workers = [start() for _ in range(config.workers)]
    try:
        while not stopping.wait(_POLL_SECONDS):
            for index, (worker, started) in enumerate(workers):
                if worker.exitcode is None:
                    continue
                early = time.monotonic() - started < _EARLY_EXIT_SECONDS
                if early and worker.exitcode > 0:  # a failure of its own, not a signal
                    print(
                        f"openrouter-stt mock: worker {worker.pid} failed as it started "
                        f"(exit status {worker.exitcode}); stopping",
                        file=sys.stderr,
                    )
                    status = 1
                    stopping.set()
                    break
                logger.warning(
                    "worker %s ended (%s); starting another", worker.pid, worker.exitcode
                )
                workers[index] = start()
    finally:
        _stop_all([worker for worker, _ in workers])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _stop_all(workers: list[BaseProcess]) -> None:
    for worker in workers:
        if worker.exitcode is None and worker.pid is not None:
            os.kill(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_SECONDS
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.exitcode is None:
            worker.kill()
            worker.join(_STOP_SECONDS)
