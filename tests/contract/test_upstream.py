"""Our fragment against OpenRouter's newest document (2026-10-27, rebuilt from the official SDK):
one contract, differences named.

Every difference between the two is listed here on purpose; any other drift fails a test. (The
exchanges of the other contract tests are judged against every upstream document.)
"""

from __future__ import annotations

from typing import Any

from tests.contract._contract import Contract

OP = ("paths", "/audio/transcriptions", "post")
# Statuses our fragment documents beyond upstream's: the mock's own 408 for clients that stall.
EXTRA_STATUSES = {"408"}
# Multipart parts our fragment documents beyond upstream's: its docs say `prompt` is accepted
# (and ignored), as OpenAI's clients send it.
EXTRA_MULTIPART_PARTS = {"prompt"}
# Upstream lists ~100 provider slugs, each holding an object; ours says "a map from slug to object",
# which accepts the same documents for every listed slug and keeps the generated model a plain dict.
PROVIDER_OPTIONS_DIFFER = True


def _get(document: dict[str, Any], *path: str) -> Any:
    node: Any = document
    for key in path:
        node = node[key]
    return node


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _get(document, *node["$ref"].removeprefix("#/").split("/"))
    return node


def _shape(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A schema reduced to what a payload must look like: types, required fields, nesting.

    Upstream writes OpenAPI 3.0's ``nullable: true`` inside a 3.1 document, where it means nothing;
    ours writes the 3.1 form ``type: [..., 'null']``. Both are read here as "may be null".
    """
    schema = _resolve(document, schema)
    kind = schema.get("type")
    nullable = bool(schema.get("nullable")) or (isinstance(kind, list) and "null" in kind)
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    shape: dict[str, Any] = {"type": kind, "nullable": nullable}
    if "format" in schema:
        shape["format"] = schema["format"]
    if kind == "object" and "properties" in schema:
        shape["required"] = sorted(schema.get("required", []))
        shape["properties"] = {
            name: _shape(document, sub) for name, sub in sorted(schema["properties"].items())
        }
    return shape


def _request_schema(contract: Contract, media_type: str = "application/json") -> dict[str, Any]:
    body = _get(contract.document, *OP, "requestBody", "content", media_type, "schema")
    return _resolve(contract.document, body)


def _response_schema(contract: Contract, status: str) -> dict[str, Any]:
    response = _resolve(contract.document, _get(contract.document, *OP, "responses", status))
    return _resolve(contract.document, response["content"]["application/json"]["schema"])


def test_same_request_fields_types_and_required(ours: Contract, latest_upstream: Contract) -> None:
    mine, theirs = _request_schema(ours), _request_schema(latest_upstream)
    assert sorted(mine["required"]) == sorted(theirs["required"])
    assert sorted(mine["properties"]) == sorted(theirs["properties"])
    for name in mine["properties"]:
        if name == "provider" and PROVIDER_OPTIONS_DIFFER:
            continue
        assert _shape(ours.document, mine["properties"][name]) == _shape(
            latest_upstream.document, theirs["properties"][name]
        ), name


def test_provider_options_differ_only_in_how_slugs_are_written(
    ours: Contract, latest_upstream: Contract
) -> None:
    mine = _resolve(ours.document, _request_schema(ours)["properties"]["provider"])
    theirs = _resolve(
        latest_upstream.document, _request_schema(latest_upstream)["properties"]["provider"]
    )
    assert sorted(mine["properties"]) == sorted(theirs["properties"])
    assert sorted(mine["properties"]) == ["data_collection", "options", "zdr"]
    for routing in ("zdr", "data_collection"):
        assert _shape(ours.document, mine["properties"][routing]) == _shape(
            latest_upstream.document, theirs["properties"][routing]
        ), routing
    mine_options = _resolve(ours.document, mine["properties"]["options"])
    theirs_options = _resolve(latest_upstream.document, theirs["properties"]["options"])
    assert mine_options["additionalProperties"]["type"] == "object"
    assert "properties" not in mine_options
    assert {slug["type"] for slug in theirs_options["properties"].values()} == {"object"}
    assert "openai" in theirs_options["properties"]


def test_same_success_body(ours: Contract, latest_upstream: Contract) -> None:
    assert _shape(ours.document, _response_schema(ours, "200")) == _shape(
        latest_upstream.document, _response_schema(latest_upstream, "200")
    )


def test_statuses_are_upstreams_plus_the_named_extras(
    ours: Contract, latest_upstream: Contract
) -> None:
    mine = set(_get(ours.document, *OP, "responses"))
    theirs = set(_get(latest_upstream.document, *OP, "responses"))
    assert theirs <= mine
    assert mine - theirs == EXTRA_STATUSES


def test_every_error_body_has_upstreams_shape(ours: Contract, latest_upstream: Contract) -> None:
    statuses = set(_get(latest_upstream.document, *OP, "responses")) - {"200"}
    for status in sorted(statuses):
        assert _shape(ours.document, _response_schema(ours, status)) == _shape(
            latest_upstream.document, _response_schema(latest_upstream, status)
        ), status


def test_same_security_scheme(ours: Contract, latest_upstream: Contract) -> None:
    mine = ours.document["components"]["securitySchemes"]
    theirs = latest_upstream.document["components"]["securitySchemes"]
    assert {(s["type"], s["scheme"]) for s in mine.values()} <= {
        (s["type"], s["scheme"]) for s in theirs.values()
    }


def test_same_request_content_types(ours: Contract, latest_upstream: Contract) -> None:
    mine = _get(ours.document, *OP, "requestBody", "content")
    theirs = _get(latest_upstream.document, *OP, "requestBody", "content")
    assert sorted(mine) == sorted(theirs) == ["application/json", "multipart/form-data"]


def test_same_multipart_parts_plus_the_named_extras(
    ours: Contract, latest_upstream: Contract
) -> None:
    mine = _request_schema(ours, "multipart/form-data")
    theirs = _request_schema(latest_upstream, "multipart/form-data")
    assert sorted(mine["required"]) == sorted(theirs["required"])
    assert set(mine["properties"]) - set(theirs["properties"]) == EXTRA_MULTIPART_PARTS
    assert set(theirs["properties"]) <= set(mine["properties"])
    for name in theirs["properties"]:
        assert _shape(ours.document, mine["properties"][name]) == _shape(
            latest_upstream.document, theirs["properties"][name]
        ), name
