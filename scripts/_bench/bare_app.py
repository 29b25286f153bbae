"""The throughput baseline: a bare Starlette app that only parses the JSON body (orjson).

``python -m _bench.bare_app PORT`` serves it with uvicorn, one worker, exactly as the mock's
command serves the mock, process settings included (:func:`dedicate_process`): left to glibc's
adaptive thresholds, this app's speed swings by a tenth from one start to the next.
"""

from __future__ import annotations

import sys

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["app"]

_ANSWER = orjson.dumps({"text": "ok", "usage": {"cost": 0.0001, "seconds": 1.0}})


async def _endpoint(request: Request) -> Response:
    document = orjson.loads(await request.body())
    status = 200 if isinstance(document, dict) and "input_audio" in document else 400
    return Response(_ANSWER, status_code=status, media_type="application/json")


app = Starlette(routes=[Route("/api/v1/audio/transcriptions", _endpoint, methods=["POST"])])

if __name__ == "__main__":
    from openrouter_stt_mock.cli import dedicate_process

    dedicate_process()
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, log_level="warning")
