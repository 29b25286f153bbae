"""Two OpenAPI documents of an endpoint compared, each difference judged for a client of OLD.

Each :class:`Difference` is one of three kinds:

- ``breaking``: a client written against OLD may fail against NEW. A request OLD accepts may be
  refused, or lose its meaning (a field, parameter or content type removed, a field or a body now
  required, a type, enum or bound narrowed, a union alternative gone); or an answer NEW allows may
  not fit OLD's model (a response field, header or success status removed or no longer required,
  a type, enum or nullability widened, a new union alternative).
- ``additive``: NEW differs and an OLD client still works: something added, or a request loosened,
  or a response narrowed; an error status no longer documented counts here too.
- ``cosmetic``: documentation only: descriptions, examples, formats, names of components.

Requests are judged one way and responses the other: a request must still be accepted (so NEW may
only widen it), an answer must still be understood (so NEW may only narrow it).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from ._document import Document, Node
from ._shape import BOUNDS, Shape, shape

__all__ = ["KINDS", "Difference", "diff"]

Kind = Literal["breaking", "additive", "cosmetic"]
Direction = Literal["request", "response"]
#: The kinds, most serious first.
KINDS: Final[tuple[Kind, ...]] = ("breaking", "additive", "cosmetic")
_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, order=True)
class Difference:
    """One difference: how serious, what changed (a stable code), where, and how."""

    kind: Kind
    change: str
    operation: str
    where: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """The difference as plain JSON data."""
        return asdict(self)

    def __str__(self) -> str:
        place = f"{self.operation} {self.where}".strip()
        return f"{self.kind:<9} {place}: {self.detail} [{self.change}]"


def _sort_key(difference: Difference) -> tuple[int, str, str, str, str]:
    d = difference
    return (KINDS.index(d.kind), d.operation, d.where, d.change, d.detail)


def _types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types)) or "nothing"


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Whether every value of a type in ``narrow`` has a type in ``wide`` (integers are numbers)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _show(values: Iterable[Any]) -> str:
    return ", ".join(repr(v) for v in values)


@dataclass
class _Differ:
    operation: str = ""
    found: list[Difference] = field(default_factory=list)
    _open: set[tuple[int, int]] = field(default_factory=set)

    def add(self, kind: Kind, change: str, where: str, detail: str) -> None:
        self.found.append(Difference(kind, change, self.operation, where, detail))

    def by_direction(
        self, direction: Direction, change: str, where: str, detail: str, *, widens: bool
    ) -> None:
        """A change that lets more values through (``widens``) is additive in a request and
        breaking in a response; one that lets fewer through is the other way round."""
        breaking = (direction == "response") == widens
        self.add("breaking" if breaking else "additive", change, where, detail)

    # Schemas -------------------------------------------------------------------------------

    def schema(self, old: Node, new: Node, where: str, direction: Direction) -> None:
        key = (id(old.contents), id(new.contents))
        if key in self._open:  # a schema inside itself: already being compared further up
            return
        self._open.add(key)
        try:
            a, b = shape(old), shape(new)
            if a.alternatives or b.alternatives:
                self.documentation(a, b, where)
                self.union(a.alternatives or [old], b.alternatives or [new], where, direction)
                return
            self.documentation(a, b, where)
            self.types(a, b, where, direction)
            self.enum(a, b, where, direction)
            self.limits(a, b, where, direction)
            self.members(a, b, where, direction)
            if a.items is not None and b.items is not None:
                self.schema(a.items, b.items, f"{where}[]", direction)
        finally:
            self._open.discard(key)

    def documentation(self, a: Shape, b: Shape, where: str) -> None:
        if a.name and b.name and a.name != b.name:
            self.add("cosmetic", "schema-renamed", where, f"schema {a.name} is now {b.name}")
        for key in sorted(set(a.documentation) | set(b.documentation)):
            before, after = a.documentation.get(key), b.documentation.get(key)
            if before != after:
                if key in ("example", "examples"):
                    detail = f"{key} changed"
                else:
                    detail = f"{key} {before!r} -> {after!r}"
                self.add("cosmetic", f"{key}-changed", where, detail)

    def types(self, a: Shape, b: Shape, where: str, direction: Direction) -> None:
        if a.types != b.types:
            widens = _covers(b.types, a.types)
            if widens or _covers(a.types, b.types):
                self.by_direction(
                    direction,
                    "type-changed",
                    where,
                    f"type {_types(a.types)} -> {_types(b.types)}",
                    widens=widens,
                )
            else:
                self.add(
                    "breaking",
                    "type-changed",
                    where,
                    f"type {_types(a.types)} -> {_types(b.types)}",
                )
        if a.nullable != b.nullable and not (a.types is None and b.types is None):
            detail = "may now be null" if b.nullable else "may no longer be null"
            self.by_direction(direction, "nullable-changed", where, detail, widens=b.nullable)

    def enum(self, a: Shape, b: Shape, where: str, direction: Direction) -> None:
        if a.enum == b.enum:
            return
        if a.enum is None or b.enum is None:
            detail = "no longer limited to listed values" if b.enum is None else "values now listed"
            self.by_direction(direction, "enum-changed", where, detail, widens=b.enum is None)
            return
        gone = [v for v in a.enum if v not in b.enum]
        new = [v for v in b.enum if v not in a.enum]
        if gone:
            self.by_direction(
                direction,
                "enum-values-removed",
                where,
                f"values {_show(gone)} removed",
                widens=False,
            )
        if new:
            self.by_direction(
                direction, "enum-values-added", where, f"values {_show(new)} added", widens=True
            )

    def limits(self, a: Shape, b: Shape, where: str, direction: Direction) -> None:
        for key, side in BOUNDS.items():
            before, after = a.bounds.get(key), b.bounds.get(key)
            if before == after:
                continue
            if before is None or after is None:
                widens = after is None
            else:
                widens = after < before if side == "lower" else after > before
            detail = f"{key} {before!r} -> {after!r}"
            self.by_direction(direction, "bound-changed", where, detail, widens=widens)
        if a.pattern != b.pattern:
            detail = f"pattern {a.pattern!r} -> {b.pattern!r}"
            self.by_direction(direction, "pattern-changed", where, detail, widens=b.pattern is None)

    def members(self, a: Shape, b: Shape, where: str, direction: Direction) -> None:
        prefix = f"{where}." if where else ""
        names = list(dict.fromkeys([*a.properties, *b.properties, *a.required, *b.required]))
        for name in names:
            place = f"{prefix}{name}"
            before, after = a.properties.get(name), b.properties.get(name)
            in_old = before is not None or name in a.required
            in_new = after is not None or name in b.required
            if in_old and not in_new:
                if isinstance(b.additional, Node) and before is not None:
                    self.schema(before, b.additional, place, direction)
                else:
                    self.add("breaking", "field-removed", place, "field removed")
                continue
            if in_new and not in_old:
                if isinstance(a.additional, Node) and after is not None:
                    self.schema(a.additional, after, place, direction)
                elif direction == "request" and name in b.required:
                    self.add("breaking", "field-added", place, "required field added")
                else:
                    self.add("additive", "field-added", place, "field added")
                continue
            was, now = name in a.required, name in b.required
            if was != now:
                detail = "now required" if now else "no longer required"
                self.by_direction(direction, "required-changed", place, detail, widens=not now)
            if before is not None and after is not None:
                self.schema(before, after, place, direction)
        if isinstance(a.additional, Node) and isinstance(b.additional, Node):
            self.schema(a.additional, b.additional, f"{prefix}*", direction)
        elif (a.additional is False) != (b.additional is False):
            detail = "other fields refused" if b.additional is False else "other fields allowed"
            where_all = f"{prefix}*"
            self.by_direction(
                direction, "additional-changed", where_all, detail, widens=b.additional is not False
            )

    def union(self, olds: list[Node], news: list[Node], where: str, direction: Direction) -> None:
        """Alternatives paired each with its closest counterpart (fewest breaking differences,
        then fewest differences); those left unpaired are reported."""
        trials: list[tuple[tuple[int, int], int, int, list[Difference]]] = []
        for (i, before), (j, after) in itertools.product(enumerate(olds), enumerate(news)):
            if not _comparable(before, after):
                continue
            trial = _Differ(self.operation, _open=set(self._open))
            trial.schema(before, after, where, direction)
            breaking = sum(d.kind == "breaking" for d in trial.found)
            trials.append(((breaking, len(trial.found)), i, j, trial.found))
        paired_old: set[int] = set()
        paired_new: set[int] = set()
        for _, i, j, found in sorted(trials, key=lambda t: t[0]):
            if i not in paired_old and j not in paired_new:
                paired_old.add(i)
                paired_new.add(j)
                self.found += found
        for i, alternative in enumerate(olds):
            if i not in paired_old:
                detail = f"alternative {_describe(alternative)} removed"
                self.by_direction(direction, "alternative-removed", where, detail, widens=False)
        for j, alternative in enumerate(news):
            if j not in paired_new:
                detail = f"alternative {_describe(alternative)} added"
                self.by_direction(direction, "alternative-added", where, detail, widens=True)


def _comparable(old: Node, new: Node) -> bool:
    a, b = shape(old), shape(new)
    return (
        a.types is None
        or b.types is None
        or bool(a.types & b.types)
        or (_covers(a.types, b.types) or _covers(b.types, a.types))
    )


def _describe(node: Node) -> str:
    s = shape(node)
    members = ", ".join(s.properties)
    kind = _types(s.types)
    body = f"{kind}: {members}" if members else kind
    return f"{s.name} ({body})" if s.name else f"({body})"


def _media(name: str) -> str:
    return name.partition(";")[0].strip().lower()


def _content(node: Node | None) -> dict[str, Node]:
    if node is None:
        return {}
    content = node.get("content")
    return {_media(k): v for k, v in content.items()} if content is not None else {}


# Headers OpenAPI says are described elsewhere (by security, requestBody and content).
_IGNORED_HEADERS: Final = frozenset({"authorization", "content-type", "accept"})


def _parameters(*owners: Node | None) -> dict[str, tuple[str, Node]]:
    """Parameters by where they go and name (headers match in any case), each with the name as
    the document spells it; an operation's own replace its path item's."""
    found: dict[str, tuple[str, Node]] = {}
    for owner in owners:
        listed = owner.get("parameters") if owner is not None else None
        for parameter in listed.elements() if listed is not None else []:
            where, name = str(parameter.contents.get("in")), str(parameter.contents.get("name"))
            if where == "header" and name.lower() in _IGNORED_HEADERS:
                continue
            key = name.lower() if where == "header" else name
            found[f"{where}s.{key}"] = (f"{where}s.{name}", parameter)
    return found


def _scheme(root: Node, name: str) -> tuple[str, ...]:
    components = root.get("components")
    schemes = components.get("securitySchemes") if components is not None else None
    scheme = schemes.get(name) if schemes is not None else None
    if scheme is None:
        return ("unknown", name)
    c = scheme.contents
    return tuple(str(c.get(k, "")).lower() for k in ("type", "scheme", "in", "name"))


def _security(root: Node, operation: Node) -> dict[frozenset[tuple[str, ...]], list[str]]:
    """Each way to authenticate, as the set of schemes it takes (by what they are, not their
    names), with the names the document gives them."""
    requirements = operation.get("security") or root.get("security")
    options: dict[frozenset[tuple[str, ...]], list[str]] = {}
    for requirement in requirements.elements() if requirements is not None else []:
        names = sorted(str(n) for n in requirement.contents)
        options[frozenset(_scheme(root, n) for n in names)] = names
    return options


def _describe_scheme(option: frozenset[tuple[str, ...]]) -> str:
    return " + ".join(sorted(" ".join(p for p in scheme if p) for scheme in option)) or "none"


def _is_success(status: str) -> bool:
    return status.startswith("2")


@dataclass
class _Documents:
    old: Node
    new: Node
    differ: _Differ = field(default_factory=_Differ)

    def paths(self) -> None:
        old_paths, new_paths = self.old.get("paths"), self.new.get("paths")
        before = dict(old_paths.items()) if old_paths is not None else {}
        after = dict(new_paths.items()) if new_paths is not None else {}
        for path in dict.fromkeys([*before, *after]):
            self.differ.operation = path
            if path not in after:
                self.differ.add("breaking", "path-removed", "", "path removed")
            elif path not in before:
                self.differ.add("additive", "path-added", "", "path added")
            else:
                self.path_item(path, before[path], after[path])

    def path_item(self, path: str, old: Node, new: Node) -> None:
        for method in _METHODS:
            a, b = old.get(method), new.get(method)
            if a is None and b is None:
                continue
            self.differ.operation = f"{method.upper()} {path}"
            if b is None:
                self.differ.add("breaking", "operation-removed", "", "operation removed")
            elif a is None:
                self.differ.add("additive", "operation-added", "", "operation added")
            else:
                self.operation(old, new, a, b)

    def operation(self, old_item: Node, new_item: Node, old: Node, new: Node) -> None:
        d = self.differ
        for key in ("operationId", "summary", "description", "deprecated"):
            before, after = old.contents.get(key), new.contents.get(key)
            if before != after:
                d.add("cosmetic", f"{key}-changed", "", f"{key} {before!r} -> {after!r}")
        self.security(old, new)
        self.parameters(_parameters(old_item, old), _parameters(new_item, new))
        self.request_body(old.get("requestBody"), new.get("requestBody"))
        self.responses(old.get("responses"), new.get("responses"))

    def security(self, old: Node, new: Node) -> None:
        before, after = _security(self.old, old), _security(self.new, new)
        for option, names in before.items():
            if option not in after:
                detail = f"{_describe_scheme(option)} ({', '.join(names)}) no longer accepted"
                self.differ.add("breaking", "security-removed", "security", detail)
            elif after[option] != names:
                detail = f"scheme {', '.join(names)} is now named {', '.join(after[option])}"
                self.differ.add("cosmetic", "security-renamed", "security", detail)
        for option, names in after.items():
            if option not in before:
                detail = f"{_describe_scheme(option)} ({', '.join(names)}) accepted"
                self.differ.add("additive", "security-added", "security", detail)

    def parameters(
        self, before: dict[str, tuple[str, Node]], after: dict[str, tuple[str, Node]]
    ) -> None:
        d = self.differ
        for key in dict.fromkeys([*before, *after]):
            where = "request." + (after.get(key) or before[key])[0]
            if key not in after:
                d.add("breaking", "parameter-removed", where, "parameter removed")
                continue
            b = after[key][1]
            required = bool(b.contents.get("required"))
            if key not in before:
                kind: Kind = "breaking" if required else "additive"
                detail = "required parameter added" if required else "parameter added"
                d.add(kind, "parameter-added", where, detail)
                continue
            a = before[key][1]
            if bool(a.contents.get("required")) != required:
                detail = "now required" if required else "no longer required"
                d.by_direction("request", "required-changed", where, detail, widens=not required)
            sa, sb = a.get("schema"), b.get("schema")
            if sa is not None and sb is not None:
                d.schema(sa, sb, where, "request")

    def request_body(self, old: Node | None, new: Node | None) -> None:
        d = self.differ
        was = old is not None and bool(old.contents.get("required"))
        now = new is not None and bool(new.contents.get("required"))
        if was != now:
            detail = "body now required" if now else "body no longer required"
            d.by_direction("request", "body-required-changed", "request", detail, widens=not now)
        before, after = _content(old), _content(new)
        for media in dict.fromkeys([*before, *after]):
            where = f"request[{media}]"
            if media not in after:
                d.add("breaking", "media-type-removed", where, f"{media} no longer accepted")
            elif media not in before:
                d.add("additive", "media-type-added", where, f"{media} accepted")
            else:
                self.media(before[media], after[media], where, "request")

    def media(self, old: Node, new: Node, where: str, direction: Direction) -> None:
        sa, sb = old.get("schema"), new.get("schema")
        if sa is not None and sb is not None:
            self.differ.schema(sa, sb, where, direction)
        elif (sa is None) != (sb is None):
            detail = "schema removed" if sb is None else "schema added"
            self.differ.by_direction(direction, "schema-changed", where, detail, widens=sb is None)

    def responses(self, old: Node | None, new: Node | None) -> None:
        d = self.differ
        before = dict(old.items()) if old is not None else {}
        after = dict(new.items()) if new is not None else {}
        for status in dict.fromkeys([*before, *after]):
            where = f"response[{status}]"
            if status not in after:
                kind: Kind = "breaking" if _is_success(status) else "additive"
                d.add(kind, "status-removed", where, f"status {status} no longer documented")
            elif status not in before:
                d.add("additive", "status-added", where, f"status {status} documented")
            else:
                self.response(before[status], after[status], where)

    def response(self, old: Node, new: Node, where: str) -> None:
        d = self.differ
        before, after = _headers(old), _headers(new)
        for key in dict.fromkeys([*before, *after]):
            place = f"{where}.headers.{(after.get(key) or before[key])[0]}"
            if key not in after:
                d.add("breaking", "header-removed", place, "header no longer documented")
                continue
            if key not in before:
                d.add("additive", "header-added", place, "header documented")
                continue
            a, b = before[key], after[key]
            was, now = bool(a[1].contents.get("required")), bool(b[1].contents.get("required"))
            if was != now:
                detail = "now required" if now else "no longer required"
                d.by_direction("response", "required-changed", place, detail, widens=not now)
            sa, sb = a[1].get("schema"), b[1].get("schema")
            if sa is not None and sb is not None:
                d.schema(sa, sb, place, "response")
        contents_before, contents_after = _content(old), _content(new)
        for media in dict.fromkeys([*contents_before, *contents_after]):
            place = f"{where}[{media}]"
            if media not in contents_after:
                d.add("breaking", "media-type-removed", place, f"{media} no longer answered")
            elif media not in contents_before:
                d.add("additive", "media-type-added", place, f"{media} may be answered")
            else:
                self.media(contents_before[media], contents_after[media], place, "response")


def _headers(response: Node) -> dict[str, tuple[str, Node]]:
    """A response's headers by lower-case name, each with the name as the document spells it."""
    headers = response.get("headers")
    return {n.lower(): (n, h) for n, h in headers.items()} if headers is not None else {}


def diff(old: Document, new: Document) -> list[Difference]:
    """Every difference between ``old`` and ``new``, most serious first."""
    documents = _Documents(old.root, new.root)
    documents.paths()
    return sorted(set(documents.differ.found), key=_sort_key)
