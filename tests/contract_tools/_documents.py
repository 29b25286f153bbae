"""The documents the contract tools are tried on: ours, upstream's excerpts, and whole documents
assembled from them in the test (no network)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from openrouter_stt_mock.contract import read_document

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "openapi" / "openrouter-stt.yaml"
UPSTREAM = ROOT / "openapi" / "upstream"
APRIL = UPSTREAM / "openrouter-stt-2026-04-30.yaml"
AUGUST = UPSTREAM / "openrouter-stt-2026-08-22.yaml"
OCTOBER = UPSTREAM / "openrouter-stt-2026-10-27.reconstructed.yaml"

# Other endpoints of a whole document: one shares an error schema with ours, one has a schema that
# refers to itself, one refers to components through parameters, responses and headers.
_OTHER_PATHS: dict[str, Any] = {
    "/chat/completions": {
        "post": {
            "requestBody": {
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}
                }
            },
            "responses": {
                "200": {"$ref": "#/components/responses/ChatOk"},
                "400": {
                    "description": "Bad Request",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/BadRequestResponse"}
                        }
                    },
                },
            },
        }
    },
    "/models/{author}/{slug}": {
        "parameters": [{"$ref": "#/components/parameters/Author"}],
        "get": {"responses": {"200": {"description": "A model"}}},
    },
}
_OTHER_COMPONENTS: dict[str, dict[str, Any]] = {
    "schemas": {
        "ChatRequest": {
            "type": "object",
            "properties": {
                "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}
            },
        },
        "Message": {
            "type": "object",
            "properties": {
                "replies": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}
            },
        },
        "Unused": {"type": "string"},
    },
    "responses": {
        "ChatOk": {
            "description": "OK",
            "headers": {"X-Trace": {"$ref": "#/components/headers/X-Trace"}},
        }
    },
    "headers": {"X-Trace": {"schema": {"type": "string"}}},
    "parameters": {
        "Author": {"name": "author", "in": "path", "required": True, "schema": {"type": "string"}}
    },
    "securitySchemes": {"managementKey": {"type": "http", "scheme": "bearer"}},
}


def whole_document(excerpt: dict[str, Any], title: str = "OpenRouter API") -> dict[str, Any]:
    """A whole document holding ``excerpt``'s endpoint among others, its components in another
    order (reversed) and mixed with components the endpoint does not use."""
    whole = copy.deepcopy(excerpt)
    whole["info"]["title"] = title
    whole["paths"] = {
        "/chat/completions": copy.deepcopy(_OTHER_PATHS["/chat/completions"]),
        **whole["paths"],
        "/models/{author}/{slug}": copy.deepcopy(_OTHER_PATHS["/models/{author}/{slug}"]),
    }
    components = whole.setdefault("components", {})
    for section, entries in _OTHER_COMPONENTS.items():
        mine = list(components.get(section, {}).items())
        components[section] = {**copy.deepcopy(entries), **dict(reversed(mine))}
    return whole


def load(path: Path) -> dict[str, Any]:
    return read_document(path)
