"""The spec document shipped with the generated models: served, judged against, and quoted.

The mock serves ``openrouter_stt_models/openapi.json`` verbatim, judges each journalled exchange
with jsonschema against the same document (:func:`judge`, resolving its ``$ref``s in place), and
answers forced statuses with the document's own examples (:func:`response_example`, as Prism
does), so the journal's verdicts, the forced answers and the client's models can never disagree
about what the spec says.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import orjson

import openrouter_stt_models
from openrouter_stt.formats import is_iso_639_1

if TYPE_CHECKING:
    from .records import RecordedRequest, RecordedResponse

__all__ = [
    "DOCUMENTED_STATUSES",
    "OPERATION_PATH",
    "SPEC_PATH",
    "SpecChecker",
    "Verdict",
    "judge",
    "response_example",
    "response_headers",
    "spec_bytes",
]

#: The spec file: the same document as openapi/openrouter-stt.yaml, as JSON.
SPEC_PATH: Final = Path(openrouter_stt_models.__file__).parent / "openapi.json"
#: The operation's path in the spec (relative to the server URL ending in ``/api/v1``).
OPERATION_PATH: Final = "/audio/transcriptions"
_BASE: Final = "urn:openrouter-stt:spec"


@functools.cache
def spec_bytes() -> bytes:
    """The spec document as served at ``GET /openapi.json``."""
    return SPEC_PATH.read_bytes()


@functools.cache
def _document() -> dict[str, Any]:
    return cast(dict[str, Any], orjson.loads(spec_bytes()))


def _responses() -> dict[str, Any]:
    return cast(dict[str, Any], _document()["paths"][OPERATION_PATH]["post"]["responses"])


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        target: Any = _document()
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


#: Every status the spec documents for the operation.
DOCUMENTED_STATUSES: Final = frozenset(int(code) for code in _responses())


@functools.cache
def response_example(status: int) -> Any:
    """The example the spec gives the JSON body of ``status`` (``None`` when it gives none)."""
    content = _resolve(_responses()[str(status)]).get("content", {})
    return content.get("application/json", {}).get("example")


@functools.cache
def response_headers(status: int) -> Mapping[str, Mapping[str, Any]]:
    """The headers the spec gives ``status``, by name, each with its ``$ref`` resolved."""
    described = dict(_resolve(_responses()[str(status)]).get("headers", {}))
    return {name: _resolve(header) for name, header in described.items()}


@dataclass(frozen=True)
class Verdict:
    """Whether the request and the response fit the spec, and every reason they do not."""

    request_valid: bool
    response_valid: bool
    errors: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The verdict as plain JSON data."""
        return {
            "request_valid": self.request_valid,
            "response_valid": self.response_valid,
            "errors": list(self.errors),
        }


@functools.cache
def _checker() -> SpecChecker:
    # One compiled checker for every journal: compiling the schemas is the slow part.
    return SpecChecker()


def judge(request: RecordedRequest, response: RecordedResponse) -> Verdict:
    """One exchange of the journal judged against the spec."""
    checker = _checker()
    request_errors = [
        "request " + e
        for e in checker.check_request(request.headers, request.shape, request.parse_error)
    ]
    if response.fault is not None:
        response_errors = [f"response: the connection was broken on purpose ({response.fault})"]
    elif response.status is None:
        response_errors = ["response: none"]
    else:
        response_errors = [
            "response " + e
            for e in checker.check_response(response.status, response.headers, response.body)
        ]
    return Verdict(
        request_valid=not request_errors,
        response_valid=not response_errors,
        errors=tuple(request_errors + response_errors),
    )


class SpecChecker:
    """Validates requests and responses of the operation against the spec document."""

    def __init__(self) -> None:
        # Imported here: jsonschema is only needed once the journal is read (and, without stubs,
        # it is typed as Any through importlib).
        jsonschema: Any = importlib.import_module("jsonschema")
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        document = _document()
        self._registry: Registry[Any] = Registry().with_resource(
            _BASE, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self._validator_class = jsonschema.Draft202012Validator
        self._validators: dict[str, Any] = {}

    def _validate(self, pointer: str, instance: object) -> list[str]:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = self._validator_class(
                {"$ref": f"{_BASE}#{pointer}"}, registry=self._registry
            )
            self._validators[pointer] = validator
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [
            f"{'.'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message}"
            for error in map(self._closest, errors)
        ]

    @staticmethod
    def _closest(error: Any) -> Any:
        """For a value no member of a ``oneOf`` takes (``input_audio``), the deepest problem a
        member found, which names the field (``input_audio.url: 5 is not of type 'string'``)."""
        while error.context:
            error = max(error.context, key=lambda e: len(e.absolute_path))
        return error

    def check_request(
        self, headers: Mapping[str, str], body: object | None, parse_error: str | None
    ) -> list[str]:
        """What is wrong with a request, given its headers (lowercase names; a redacted key
        still shows its scheme) and its parsed JSON body."""
        errors: list[str] = []
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            errors.append("Authorization: the bearerAuth scheme needs 'Bearer <key>'")
        if parse_error is not None:
            errors.append(f"(body): {parse_error}")
            return errors
        media = headers.get("content-type", "").partition(";")[0].strip().lower()
        if media == _URLENCODED:
            # Read as a form (a client's way to send one without a file), but not in the spec.
            errors.append(f"Content-Type: {media} is not documented; the form's is {_FORM}")
        if media in (_FORM, _URLENCODED) and isinstance(body, dict):
            body = _as_form(body)
            errors += self._validate("/components/schemas/STTMultipartRequest", body)
        else:
            errors += self._validate("/components/schemas/STTRequest", body)
        if isinstance(body, dict):
            # The documented constraints the spec states in prose.
            language = body.get("language")
            if isinstance(language, str) and not is_iso_639_1(language):
                errors.append(f"language: {language!r} is not an ISO-639-1 code")
            temperature = body.get("temperature")
            if isinstance(temperature, int | float) and not 0 <= temperature <= 1:
                errors.append(f"temperature: {temperature!r} is outside 0..1")
        return errors

    def check_response(self, status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
        """What is wrong with a response, given its status, headers (lowercase) and raw body."""
        described = _responses().get(str(status))
        if described is None:
            return [f"status {status} is not documented for this operation"]
        response = _resolve(described)
        errors: list[str] = []
        for name, header in response_headers(status).items():
            value = headers.get(name.lower())
            if value is None:
                if header.get("required"):
                    errors.append(f"header {name}: required but missing")
                continue
            if header.get("schema", {}).get("type") == "integer":
                try:
                    number = int(value)
                except ValueError:
                    errors.append(f"header {name}: {value!r} is not an integer")
                    continue
                if number < header["schema"].get("minimum", number):
                    errors.append(f"header {name}: {number} is below the minimum")
        content = dict(response.get("content", {}))
        if "application/json" in content:
            media = headers.get("content-type", "").split(";")[0].strip()
            if media != "application/json":
                errors.append(f"content-type: {media!r}, expected application/json")
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                return [*errors, f"(body): not JSON ({exc})"]
            schema = content["application/json"]["schema"]["$ref"].removeprefix("#")
            errors += self._validate(schema, parsed)
            if status >= 400 and isinstance(parsed, dict):
                code = (
                    parsed.get("error", {}).get("code")
                    if isinstance(parsed.get("error"), dict)
                    else None
                )
                if code is not None and code != status:
                    errors.append(f"error.code: {code} differs from the HTTP status {status}")
        return errors


_FORM: Final = "multipart/form-data"
_URLENCODED: Final = "application/x-www-form-urlencoded"


def _as_form(fields: dict[str, Any]) -> dict[str, Any]:
    """A form as the journal keeps it, typed as the spec's form schema reads its text parts: the
    file part's account as a string (its bytes are not kept), a number part as a number, a
    boolean part (``true``/``false``) as a boolean."""
    typed = dict(fields)
    if isinstance(typed.get("file"), dict):
        typed["file"] = ""
    properties = _resolve({"$ref": "#/components/schemas/STTMultipartRequest"})["properties"]
    for name, value in fields.items():
        kind = properties.get(name, {}).get("type")
        if not isinstance(value, str):
            continue
        # A text that is not of its type is left a string: the schema says what is wrong.
        if kind == "number":
            with contextlib.suppress(ValueError):
                typed[name] = float(value)
        elif kind == "boolean" and value.lower() in ("true", "false"):
            typed[name] = value.lower() == "true"
    return typed
