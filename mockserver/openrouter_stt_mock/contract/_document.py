"""OpenAPI documents read from YAML or JSON, their ``$ref``s resolved by ``referencing``.

PyYAML reads both forms (JSON is read by the standard library, which is stricter about it).
``referencing`` (the resolver under jsonschema) follows each ``$ref``, a JSON pointer into the
same document or a relative reference into another file beside it, which is read the same way.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:
    from referencing._core import Resolver  # not exported at the top; the type only

__all__ = ["Document", "DocumentError", "Node", "load", "read_document", "resolve"]

# A chain of $refs longer than this loops.
_MAX_CHAIN = 64

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DocumentError(ValueError):
    """A document that cannot be read, or a ``$ref`` that leads nowhere."""


def _keys_as_text(node: Any) -> Any:
    # YAML reads an unquoted status such as 200 as a number, and an unquoted date as a date;
    # OpenAPI means text by both.
    if isinstance(node, datetime.date):
        return node.isoformat()
    if isinstance(node, dict):
        return {str(key): _keys_as_text(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_keys_as_text(item) for item in node]
    return node


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a safe loader


def read_document(path: Path) -> dict[str, Any]:
    """The document in ``path`` (JSON when it ends in ``.json``, YAML otherwise) as plain data."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else _yaml(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise DocumentError(
            f"{path} is not {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{path} does not hold an OpenAPI document (a mapping at the top)")
    return dict(_keys_as_text(data))


def _retrieve(uri: str) -> Resource[Any]:
    if not uri.startswith("file:"):
        raise DocumentError(f"only files are followed, not {uri}")
    path = Path(uri.removeprefix("file://").partition("#")[0])
    return Resource.from_contents(read_document(path), default_specification=DRAFT202012)


@dataclass(frozen=True)
class Node:
    """A part of a document with its ``$ref``s resolved: its contents, the name of the component
    it came from (``None`` when inline) and the resolver for the ``$ref``s inside it."""

    contents: Any
    name: str | None
    resolver: Resolver[Any]

    def get(self, key: str) -> Node | None:
        """The resolved member ``key`` of a mapping (``None`` when absent)."""
        if not isinstance(self.contents, Mapping) or key not in self.contents:
            return None
        return resolve(self.contents[key], self.resolver)

    def items(self) -> list[tuple[str, Node]]:
        """The resolved members of a mapping, in the document's order."""
        if not isinstance(self.contents, Mapping):
            return []
        return [(str(k), resolve(v, self.resolver)) for k, v in self.contents.items()]

    def elements(self) -> list[Node]:
        """The resolved elements of a list."""
        if not isinstance(self.contents, list):
            return []
        return [resolve(item, self.resolver) for item in self.contents]


def resolve(node: Any, resolver: Resolver[Any]) -> Node:
    """``node`` with any chain of ``$ref``s followed. Sibling keys of a ``$ref`` are kept over the
    target's, as OpenAPI 3.1 allows (``description``, ``summary``)."""
    name: str | None = None
    for _ in range(_MAX_CHAIN):
        if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)):
            return Node(node, name, resolver)
        ref = str(node["$ref"])
        try:
            resolved = resolver.lookup(ref)
        except Exception as exc:  # referencing has one error class per way of failing
            raise DocumentError(f"$ref {ref!r} leads nowhere ({exc})") from exc
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        name = ref.rpartition("/")[2] or name
        resolver = resolved.resolver
        node = resolved.contents
        if siblings and isinstance(node, Mapping):
            node = {**node, **siblings}
    raise DocumentError(f"$ref chain longer than {_MAX_CHAIN} (a $ref that refers to itself?)")


class Document:
    """One OpenAPI document, its ``$ref``s resolved on demand."""

    def __init__(self, contents: dict[str, Any], uri: str = "urn:openrouter-stt:document") -> None:
        self.contents = contents
        self.uri = uri
        resource: Resource[Any] = Resource.from_contents(
            contents, default_specification=DRAFT202012
        )
        # referencing's attrs alias (retrieve) is not seen by mypy.
        registry: Registry[Any] = Registry(retrieve=_retrieve).with_resource(uri, resource)  # type: ignore[call-arg]
        self.root = Node(contents, None, registry.resolver(uri))


def load(path: Path) -> Document:
    """The document in ``path``; relative references are read from its folder."""
    return Document(read_document(path), path.resolve().as_uri())
