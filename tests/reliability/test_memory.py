"""Memory the mock keeps per request: a full journal must not grow past a small, fixed cost
per entry, whatever the requests held."""

from __future__ import annotations

import gc
import json
import tracemalloc

import httpx

from openrouter_stt_mock import DEFAULT_API_KEY, create_app, get_handle, sync_transport

from ._support import ENDPOINT, ROOT_URL, auth, request_body

# An entry of a small request costs about 3 KiB (headers, verdict inputs, the answer); this bound
# is loose on purpose, and far below what a whole body or a 4 KiB buffer per answer would cost.
PER_ENTRY = 8192  # bytes


def test_journal_entries_stay_small() -> None:
    app = create_app()
    handle = get_handle(app)
    bodies = [
        json.dumps(request_body("ogg")).encode(),  # 200
        b"{not json",  # 400
        json.dumps(request_body("ogg", model="m" * 100_000)).encode(),  # 404, a huge field
        json.dumps(
            {"model": "x", "provider": {"options": {str(n): {} for n in range(1000)}}}
        ).encode(),
        # A wide and deep tree: 16 x 16 x 16 values.
        json.dumps({"model": "x", "tree": [[list(range(16))] * 16] * 16}).encode(),
    ]
    count = 40
    with httpx.Client(transport=sync_transport(app), base_url=ROOT_URL) as http:
        for body in bodies:  # warm up: imports and caches on first use
            http.post(ENDPOINT, content=body, headers=auth(DEFAULT_API_KEY))
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for number in range(count):
                http.post(
                    ENDPOINT, content=bodies[number % len(bodies)], headers=auth(DEFAULT_API_KEY)
                )
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    assert len(handle.journal) == count + len(bodies)
    print(f"journal: {kept / count:.0f} bytes kept per request")
    assert kept / count < PER_ENTRY
