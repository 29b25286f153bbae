"""Serving the app with uvicorn: one configuration for ``openrouter-stt mock`` and the
``openrouter_mock_server`` fixture, and a socket bound before serving, so that the port in use
(``--port 0`` picks a free one) is known, and a port already taken is reported, up front."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

from .config import MockConfig
from .protocol import with_head_deadline

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

__all__ = ["bind", "uvicorn_server"]

#: uvicorn's own backlog.
_BACKLOG = 2048


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` and listening (raises ``OSError``)."""
    host = host.removeprefix("[").removesuffix("]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # As uvicorn binds: a port left in TIME_WAIT by the last run is free again at once.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        # Listening now, so a client that connects as soon as the banner shows is queued.
        sock.listen(_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def uvicorn_server(app: ASGIApp, config: MockConfig, **options: Any) -> uvicorn.Server:
    """A uvicorn server of ``app`` for ``config``: one worker, httptools with the head deadline
    (:mod:`.protocol`); ``options`` go to ``uvicorn.Config``. Run it on a socket from
    :func:`bind`: ``server.run(sockets=[sock])``."""
    import uvicorn  # imported only to serve: importing the package stays light

    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            workers=1,
            log_level=config.log_level,
            http=with_head_deadline(config.head_timeout_seconds),
            backlog=_BACKLOG,
            **options,
        )
    )
