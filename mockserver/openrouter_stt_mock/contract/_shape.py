"""A schema read for comparison: OpenAPI 3.0 and 3.1 spellings brought to one form.

``nullable: true`` (3.0) and ``type: [..., 'null']`` (3.1) both read as "may be null"; so does an
``anyOf``/``oneOf`` with a ``{type: 'null'}`` member, whose other member, when it is the only one,
is the schema itself. ``allOf`` members are merged into one shape. ``const`` reads as a one-value
``enum``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ._document import Node

__all__ = ["BOUNDS", "DOCUMENTATION", "Shape", "shape"]

#: Numeric bounds; the first of each pair is a lower bound.
BOUNDS: Final = {
    "minimum": "lower", "exclusiveMinimum": "lower", "minLength": "lower", "minItems": "lower",
    "minProperties": "lower", "maximum": "upper", "exclusiveMaximum": "upper",
    "maxLength": "upper", "maxItems": "upper", "maxProperties": "upper",
}  # fmt: skip
#: Keywords that document and do not constrain.
DOCUMENTATION: Final = ("description", "title", "format", "deprecated", "example", "examples")


@dataclass
class Shape:
    """What a schema allows, in one form for every spelling. ``types`` ``None``: any type."""

    name: str | None = None
    types: frozenset[str] | None = None
    nullable: bool = False
    enum: tuple[Any, ...] | None = None
    properties: dict[str, Node] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    #: ``False``: no other members; a Node: their schema; ``None``: not said (anything).
    additional: Node | bool | None = None
    items: Node | None = None
    alternatives: list[Node] = field(default_factory=list)
    bounds: dict[str, Any] = field(default_factory=dict)
    pattern: str | None = None
    documentation: dict[str, Any] = field(default_factory=dict)


def _is_null(node: Node) -> bool:
    contents = node.contents
    return isinstance(contents, Mapping) and contents.get("type") in ("null", ["null"])


def shape(node: Node) -> Shape:
    """The shape of the schema ``node`` (``$ref``s already resolved by the node)."""
    contents: Any = node.contents
    if contents is True or not isinstance(contents, Mapping):
        return Shape(name=node.name)
    result = Shape(name=node.name)
    kind = contents.get("type")
    if isinstance(kind, str):
        kind = [kind]
    if isinstance(kind, list):
        result.types = frozenset(str(k) for k in kind if k != "null")
        result.nullable = "null" in kind
    if contents.get("nullable") is True:
        result.nullable = True
    if "const" in contents:
        result.enum = (contents["const"],)
    elif isinstance(contents.get("enum"), list):
        values = list(contents["enum"])
        if None in values:
            result.nullable = True
        result.enum = tuple(v for v in values if v is not None)
    for name, member in (node.get("properties") or _EMPTY).items():
        result.properties[name] = member
    result.required = frozenset(str(r) for r in contents.get("required") or ())
    additional = contents.get("additionalProperties")
    if additional is False:
        result.additional = False
    elif isinstance(additional, Mapping):
        result.additional = node.get("additionalProperties")
    result.items = node.get("items")
    result.bounds = {k: contents[k] for k in BOUNDS if k in contents}
    result.pattern = contents.get("pattern")
    result.documentation = {k: contents[k] for k in DOCUMENTATION if k in contents}
    for keyword in ("oneOf", "anyOf"):
        members = (node.get(keyword) or _EMPTY).elements()
        if not members:
            continue
        if any(_is_null(m) for m in members):
            result.nullable = True
            members = [m for m in members if not _is_null(m)]
        result.alternatives += members
    if len(result.alternatives) == 1:
        only = result.alternatives.pop()
        result = _merge(result, shape(only), keep_name=True)
    for part in (node.get("allOf") or _EMPTY).elements():
        result = _merge(result, shape(part), keep_name=True)
    return result


def _merge(into: Shape, part: Shape, *, keep_name: bool) -> Shape:
    """Both shapes at once, as ``allOf`` means: types and enums intersected, members joined."""
    merged = Shape(name=into.name if keep_name and into.name else part.name)
    if into.types is None or part.types is None:
        merged.types = into.types if part.types is None else part.types
    else:
        merged.types = into.types & part.types
    merged.nullable = into.nullable or part.nullable
    if into.enum is None or part.enum is None:
        merged.enum = into.enum if part.enum is None else part.enum
    else:
        merged.enum = tuple(v for v in into.enum if v in part.enum)
    merged.properties = {**part.properties, **into.properties}
    merged.required = into.required | part.required
    merged.additional = into.additional if into.additional is not None else part.additional
    merged.items = into.items or part.items
    merged.alternatives = into.alternatives + part.alternatives
    merged.bounds = {**part.bounds, **into.bounds}
    merged.pattern = into.pattern or part.pattern
    merged.documentation = {**part.documentation, **into.documentation}
    return merged


class _Empty:
    def items(self) -> list[tuple[str, Node]]:
        return []

    def elements(self) -> list[Node]:
        return []


_EMPTY: Final = _Empty()
