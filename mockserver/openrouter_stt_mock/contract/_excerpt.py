"""One endpoint cut out of a whole OpenAPI document, with exactly the components it uses.

Every ``$ref`` under the path is followed, and through each component reached, until nothing new
is reached; the components are kept in the order they are first reached (depth first, in the
document's own key order), which is the layout of the excerpts in ``openapi/upstream/``. The
security schemes kept are those the document's and the operations' security requirements name.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

import yaml

from ._document import DocumentError

__all__ = ["DEFAULT_PATH", "excerpt", "excerpt_yaml"]

#: The endpoint this project is about.
DEFAULT_PATH: Final = "/audio/transcriptions"
#: The top-level members an excerpt keeps, in this order (upstream's).
_KEPT: Final = ("openapi", "info", "jsonSchemaDialect", "servers", "security")
_COMPONENTS: Final = "#/components/"
_OPERATIONS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _component(ref: str) -> tuple[str, str] | None:
    """``(section, name)`` of a ``$ref`` to a whole component, ``None`` for any other ``$ref``."""
    if not ref.startswith(_COMPONENTS):
        return None
    parts = ref.removeprefix(_COMPONENTS).split("/")
    if len(parts) != 2:
        # A pointer into a component (#/components/schemas/A/properties/b): its component is kept.
        parts = parts[:2]
    return _unescape(parts[0]), _unescape(parts[1])


def _collect(
    node: Any,
    components: Mapping[str, Any],
    reached: dict[tuple[str, str], Any],
    where: str,
    own: str,
) -> None:
    """Add to ``reached`` every component ``node`` uses, in the order first reached."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _collect(item, components, reached, f"{where}/{index}", own)
        return
    if not isinstance(node, Mapping):
        return
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            _follow(value, components, reached, where, own)
        else:
            _collect(value, components, reached, f"{where}/{_escape(str(key))}", own)


def _follow(
    ref: str,
    components: Mapping[str, Any],
    reached: dict[tuple[str, str], Any],
    where: str,
    own: str,
) -> None:
    if not ref.startswith("#"):
        return  # another file's: kept as it is, not part of this document's components
    found = _component(ref)
    if found is None:
        if ref == own or ref.startswith(own + "/"):
            return
        raise DocumentError(f"{where}: $ref {ref!r} points outside the path and its components")
    if found in reached:
        return
    section, name = found
    target = components.get(section, {}).get(name)
    if target is None:
        raise DocumentError(f"{where}: $ref {ref!r} names no component")
    reached[found] = target
    _collect(target, components, reached, f"#/components/{section}/{_escape(name)}", own)


def _security_names(document: Mapping[str, Any], item: Mapping[str, Any]) -> list[str]:
    requirements = list(document.get("security") or [])
    for method in _OPERATIONS:
        operation = item.get(method)
        if isinstance(operation, Mapping):
            requirements += operation.get("security") or []
    names: list[str] = []
    for requirement in requirements:
        names += [name for name in requirement if name not in names]
    return names


def excerpt(
    document: Mapping[str, Any], path: str = DEFAULT_PATH, *, title: str | None = None
) -> dict[str, Any]:
    """The part of ``document`` that describes ``path``: its top-level members, the path item
    alone, and every component it uses. ``title`` replaces ``info.title`` (by default the
    document's own title followed by ``, PATH excerpt``)."""
    paths = document.get("paths") or {}
    if path not in paths:
        known = ", ".join(sorted(paths)[:20]) or "none"
        raise DocumentError(f"the document has no path {path} (it has: {known})")
    item = paths[path]
    components: Mapping[str, Any] = document.get("components") or {}
    reached: dict[tuple[str, str], Any] = {}
    own = f"#/paths/{_escape(path)}"
    _collect(item, components, reached, own, own)
    result: dict[str, Any] = {key: copy.deepcopy(document[key]) for key in _KEPT if key in document}
    info = dict(result.get("info") or {})
    info["title"] = title or f"{info.get('title', 'OpenAPI')}, {path} excerpt"
    result["info"] = info
    result["paths"] = {path: copy.deepcopy(item)}
    kept: dict[str, dict[str, Any]] = {}
    for (section, name), value in reached.items():
        kept.setdefault(section, {})[name] = copy.deepcopy(value)
    schemes = components.get("securitySchemes") or {}
    for name in _security_names(document, item):
        if name not in schemes:
            raise DocumentError(f"security requirement {name!r} names no security scheme")
        kept.setdefault("securitySchemes", {})[name] = copy.deepcopy(schemes[name])
    if kept:
        result["components"] = {section: kept[section] for section in sorted(kept)}
    return result


class _Dumper(yaml.SafeDumper):
    """Writes every repeated node out in full: an excerpt is read by people, not by anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def excerpt_yaml(document: Mapping[str, Any]) -> str:
    """``document`` as YAML in the layout of upstream's excerpts (keys in the document's order,
    lines folded at 120 columns)."""
    text: str = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        width=120,
        allow_unicode=True,
        default_flow_style=False,
    )
    return text
