"""``openrouter-stt contract diff``: known differences between the bundled documents, and the
rules on small documents written here (3.0 and 3.1 spellings, unions, allOf, cycles)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from openrouter_stt_mock.contract import Difference, Document, diff, load
from openrouter_stt_mock.contract.cli import main
from tests.contract_tools._documents import APRIL, AUGUST, OCTOBER, OURS

OP = "POST /audio/transcriptions"


def _found(old: Path, new: Path) -> set[tuple[str, str, str]]:
    return {(d.kind, d.where, d.change) for d in diff(load(old), load(new))}


def test_april_to_august_adds_multipart_and_response_format() -> None:
    found = _found(APRIL, AUGUST)
    assert {
        ("additive", "request[multipart/form-data]", "media-type-added"),
        ("additive", "request[application/json].response_format", "field-added"),
        ("additive", "request[application/json].timestamp_granularities", "field-added"),
        ("additive", "response[200][application/json].segments", "field-added"),
        ("additive", "response[429][application/json].openrouter_metadata", "field-added"),
    } <= found
    assert not {f for f in found if f[0] == "breaking"}


def test_august_to_october_loosens_the_upload_and_adds_url_audio_and_statuses() -> None:
    found = _found(AUGUST, OCTOBER)
    assert {
        ("additive", "request[multipart/form-data].file", "required-changed"),
        ("additive", "request[multipart/form-data].source_url", "field-added"),
        ("additive", "request[application/json].input_audio", "alternative-added"),
        ("additive", "request[application/json].diarize", "field-added"),
        ("additive", "request[application/json].keyterms", "field-added"),
        ("additive", "response[403]", "status-added"),
        ("additive", "response[504]", "status-added"),
        ("additive", "response[200][application/json].words[].speaker_label", "field-added"),
    } <= found
    assert not {f for f in found if f[0] == "breaking"}
    url = next(d for d in diff(load(AUGUST), load(OCTOBER)) if d.change == "alternative-added")
    assert url.detail == "alternative STTURLInputAudio (object: format, url) added"


def test_october_back_to_august_is_breaking_for_an_october_client() -> None:
    found = _found(OCTOBER, AUGUST)
    assert {
        ("breaking", "request[multipart/form-data].file", "required-changed"),
        ("breaking", "request[application/json].input_audio", "alternative-removed"),
        ("breaking", "request[application/json].diarize", "field-removed"),
        ("breaking", "response[200][application/json].entities", "field-removed"),
        # An error status no longer documented costs a client nothing.
        ("additive", "response[403]", "status-removed"),
    } <= found


def test_ours_to_each_upstream_document() -> None:
    april = _found(OURS, APRIL)
    assert {
        ("breaking", "request[multipart/form-data]", "media-type-removed"),
        ("breaking", "response[200].headers.X-Generation-Id", "header-removed"),
        ("breaking", "response[429].headers.Retry-After", "header-removed"),
        ("breaking", "request.headers.X-Title", "parameter-removed"),
        ("additive", "response[413]", "status-removed"),
    } <= april
    august = _found(OURS, AUGUST)
    assert ("breaking", "request[multipart/form-data].prompt", "field-removed") in august
    assert ("breaking", "request[multipart/form-data]", "media-type-removed") not in august
    # Our map of provider options reads as upstream's list of slugs: no difference.
    assert not {f for f in august if ".provider.options." in f[1]}
    october = _found(OURS, OCTOBER)
    # Ours follows it: what is left is what we document beyond it.
    assert ("additive", "response[408]", "status-removed") in october
    assert ("additive", "request[application/json].session_id", "bound-changed") in october
    assert ("breaking", "request[multipart/form-data].prompt", "field-removed") in october
    assert not {
        f for f in october if f[0] != "cosmetic" and ("diarize" in f[1] or "input_audio" in f[1])
    }
    # Our one error schema against upstream's one per status: the same shape, another name.
    assert ("cosmetic", "response[400][application/json]", "schema-renamed") in october
    assert not {f for f in october if f[0] == "breaking" and "[application/json]" in f[1]}


def test_a_document_against_itself_has_no_differences() -> None:
    for path in (APRIL, AUGUST, OCTOBER, OURS):
        assert diff(load(path), load(path)) == []


# Small documents ----------------------------------------------------------------------------


def _document(request: dict[str, Any], response: dict[str, Any], **schemas: Any) -> Document:
    return Document(
        {
            "openapi": "3.1.0",
            "paths": {
                "/audio/transcriptions": {
                    "post": {
                        "requestBody": {
                            "required": True,
                            "content": {"application/json": {"schema": request}},
                        },
                        "responses": {
                            "200": {"content": {"application/json": {"schema": response}}}
                        },
                    }
                }
            },
            "components": {"schemas": schemas},
        }
    )


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def _between(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The differences when a field ``x`` of both the request and the response changes."""
    before = _document(_object(x=old), _object(x=old))
    after = _document(_object(x=new), _object(x=new))
    return sorted((d.kind, d.where, d.change, d.detail) for d in diff(before, after))


def test_nullable_of_openapi_3_0_and_3_1_read_alike() -> None:
    spellings = [
        {"type": "string", "nullable": True},
        {"type": ["string", "null"]},
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        {"oneOf": [{"type": "null"}, {"type": "string"}]},
    ]
    for old in spellings:
        for new in spellings:
            assert [d for d in _between(old, new) if d[0] != "cosmetic"] == []


def test_nullability_is_judged_each_way() -> None:
    assert _between({"type": "string"}, {"type": "string", "nullable": True}) == [
        ("additive", "request[application/json].x", "nullable-changed", "may now be null"),
        ("breaking", "response[200][application/json].x", "nullable-changed", "may now be null"),
    ]


def test_types_widen_requests_and_narrow_responses() -> None:
    assert _between({"type": "integer"}, {"type": "number"}) == [
        ("additive", "request[application/json].x", "type-changed", "type integer -> number"),
        ("breaking", "response[200][application/json].x", "type-changed", "type integer -> number"),
    ]
    assert [d[0] for d in _between({"type": "string"}, {"type": "integer"})] == ["breaking"] * 2


def test_enum_values() -> None:
    found = _between({"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["b", "c"]})
    assert found == [
        ("additive", "request[application/json].x", "enum-values-added", "values 'c' added"),
        (
            "additive",
            "response[200][application/json].x",
            "enum-values-removed",
            "values 'a' removed",
        ),
        ("breaking", "request[application/json].x", "enum-values-removed", "values 'a' removed"),
        ("breaking", "response[200][application/json].x", "enum-values-added", "values 'c' added"),
    ]


def test_required_and_fields_through_all_of() -> None:
    old = {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "required": ["a"]}]}
    base = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    new = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "c": {"type": "string"}},
        "required": ["c"],
    }
    before = _document(old, old, Base=base)
    after = _document(new, new)
    found = {(d.kind, d.where, d.change) for d in diff(before, after)}
    assert {
        ("additive", "request[application/json].a", "required-changed"),
        ("breaking", "response[200][application/json].a", "required-changed"),
        ("breaking", "request[application/json].b", "field-removed"),
        ("breaking", "response[200][application/json].b", "field-removed"),
        ("breaking", "request[application/json].c", "field-added"),
        ("additive", "response[200][application/json].c", "field-added"),
    } <= found


def test_a_schema_that_contains_itself_is_compared_once() -> None:
    tree = {
        "type": "object",
        "properties": {
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}
        },
    }
    grown = copy.deepcopy(tree)
    grown["properties"]["name"] = {"type": "string"}
    ref = {"$ref": "#/components/schemas/Tree"}
    found = diff(_document(ref, ref, Tree=tree), _document(ref, ref, Tree=grown))
    assert {(d.kind, d.where) for d in found} == {
        ("additive", "request[application/json].name"),
        ("additive", "response[200][application/json].name"),
    }


# The command --------------------------------------------------------------------------------


def test_the_command_exits_1_on_breaking_and_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    as_json = tmp_path / "august.json"
    as_json.write_text(json.dumps(load(AUGUST).contents), encoding="utf-8")
    assert main(["diff", str(AUGUST), str(as_json)]) == 0
    assert capsys.readouterr().out.endswith(": 0 breaking, 0 additive, 0 cosmetic\n")
    assert main(["diff", str(OCTOBER), str(as_json), "--json", "--no-cosmetic"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["counts"]["cosmetic"] == 0
    assert report["counts"]["breaking"] > 0
    assert {
        "kind": "breaking",
        "change": "required-changed",
        "operation": OP,
        "where": "request[multipart/form-data].file",
        "detail": "now required",
    } in report["differences"]
    assert main(["diff", str(OCTOBER), str(AUGUST)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert (
        f"  breaking  {OP} request[multipart/form-data].file: now required [required-changed]"
        in lines
    )


def test_difference_reads_as_one_line() -> None:
    d = Difference("additive", "status-added", OP, "response[504]", "status 504 documented")
    assert str(d) == f"additive  {OP} response[504]: status 504 documented [status-added]"
