"""Recorded exchanges judged against OpenAPI documents: does the service still fit them?

Each cassette's request and response are checked against the document's operation: the
request's content type and body (the audio's account read as the string it stood for), the
status, the headers the document requires, the response's content type and body. jsonschema
validates the bodies (each schema set beside the document's components, so its ``$ref``s
resolve as in the document); OpenAPI 3.0's
``nullable`` is read as a ``null`` type first, as upstream's documents use it.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._cassette import read_cassettes
from ._document import Document, Node, read_document

__all__ = ["Judge", "verify"]


def _nullable_as_type(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable_as_type(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable_as_type(v) for k, v in node.items()}
    if node.pop("nullable", False) is True and "type" in node:
        kind = node["type"]
        node["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
    return node


def _media(value: str) -> str:
    return value.partition(";")[0].strip().lower()


def _as_sent(body: Mapping[str, Any]) -> tuple[Any, bool]:
    """The body as the schema reads it: the audio's account back to a string, a form's numbers
    as numbers. The flag says whether there is a body to check."""
    if "json" in body:
        fields = copy.deepcopy(body["json"])
        audio = fields.get("input_audio") if isinstance(fields, dict) else None
        if isinstance(audio, dict) and isinstance(audio.get("data"), dict):
            audio["data"] = ""
        return fields, True
    if "form" in body:
        fields = {}
        for name, value in body["form"].items():
            if isinstance(value, dict):  # a file part's account
                value = ""
            elif name == "temperature" and isinstance(value, str):
                with contextlib.suppress(ValueError):  # else the schema says what is wrong
                    value = float(value)
            fields[name] = value if not name.endswith("[]") or isinstance(value, list) else [value]
        return fields, True
    return None, False


class Judge:
    """One OpenAPI document, judging recorded exchanges."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        contents = _nullable_as_type(read_document(path))
        self.document = Document(contents, path.resolve().as_uri())
        self._components = contents.get("components") or {}
        self._validator: Any = importlib.import_module("jsonschema").Draft202012Validator
        prefixes = [
            urlsplit(str(s.get("url", ""))).path.rstrip("/") for s in contents.get("servers") or []
        ]
        self._prefixes = [p for p in prefixes if p] + [""]

    def _errors(self, schema: Node, instance: Any, where: str) -> list[str]:
        # The schema is validated as the root of a copy of the document's components, so the
        # "#/components/..." pointers inside it land where they would in the document.
        root = {"allOf": [schema.contents], "components": self._components}
        validator = self._validator(root)
        found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [
            f"{where} {'.'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
            for e in found
        ]

    def _operation(self, method: str, path: str) -> Node | None:
        paths = self.document.root.get("paths")
        for prefix in self._prefixes:
            if paths is not None and path.startswith(prefix):
                item = paths.get(path.removeprefix(prefix) or "/")
                if item is not None:
                    return item.get(method.lower())
        return None

    def judge(self, cassette: Mapping[str, Any]) -> list[str]:
        """What in ``cassette`` deviates from the document (empty when nothing does)."""
        request, response = cassette["request"], cassette["response"]
        operation = self._operation(request["method"], request["path"])
        if operation is None:
            return [f"operation {request['method']} {request['path']} is not documented"]
        problems = self._request(operation, request)
        if response["status"] is None:
            return [*problems, f"response: none ({response.get('error')})"]
        if not response.get("complete", True):
            problems.append(f"response: broken off ({response.get('error')})")
        return problems + self._response(operation, response)

    def _request(self, operation: Node, request: Mapping[str, Any]) -> list[str]:
        instance, present = _as_sent(request["body"])
        body = operation.get("requestBody")
        if not present or body is None:
            return []
        media = _media(request["headers"].get("content-type", ""))
        content = body.get("content")
        described = content.get(media) if content is not None else None
        if described is None:
            return [f"request: content type {media!r} is not documented"]
        schema = described.get("schema")
        return self._errors(schema, instance, "request") if schema is not None else []

    def _response(self, operation: Node, response: Mapping[str, Any]) -> list[str]:
        status = str(response["status"])
        responses = operation.get("responses")
        described = None
        for key in (status, status[0] + "XX", "default"):
            described = responses.get(key) if responses is not None else None
            if described is not None:
                break
        if described is None:
            return [f"status {status} is not documented"]
        problems: list[str] = []
        headers = {k.lower(): v for k, v in response["headers"].items()}
        listed = described.get("headers")
        for name, header in listed.items() if listed is not None else []:
            if name.lower() not in headers and header.contents.get("required"):
                problems.append(f"response header {name}: required but absent")
        content = described.get("content")
        if content is None or "json" not in response:
            return problems
        media = _media(headers.get("content-type", ""))
        entry = content.get(media)
        if entry is None:
            return [*problems, f"response: content type {media!r} is not documented for {status}"]
        schema = entry.get("schema")
        if schema is not None:
            problems += self._errors(schema, response["json"], "response")
        return problems


def verify(directory: Path, specs: list[Path]) -> list[tuple[str, str, list[str]]]:
    """Each cassette of ``directory`` judged by each document: (cassette, document, problems)."""
    judges = [Judge(spec) for spec in specs]
    return [
        (path.name, judge.name, judge.judge(cassette))
        for path, cassette in read_cassettes(directory)
        for judge in judges
    ]
