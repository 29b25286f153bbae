"""``openrouter-stt contract excerpt``: one endpoint cut out of a whole document assembled here
from upstream's excerpts and ours, among other paths and components."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from openrouter_stt_mock.contract import DocumentError, excerpt, excerpt_yaml
from openrouter_stt_mock.contract.cli import main
from tests.contract_tools._documents import APRIL, AUGUST, OCTOBER, OURS, load, whole_document

UPSTREAM_EXCERPTS = [APRIL, AUGUST, OCTOBER]
# The installed command, run by the test's own interpreter.
COMMAND = [
    sys.executable,
    "-c",
    "import sys; from openrouter_stt._cli import main; sys.exit(main())",
]


def _without_unused_scheme(document: dict[str, Any]) -> dict[str, Any]:
    # Upstream's excerpts carry both of the document's schemes; only apiKey is required anywhere.
    expected = copy.deepcopy(document)
    del expected["components"]["securitySchemes"]["bearer"]
    return expected


@pytest.mark.parametrize("path", [APRIL, AUGUST], ids=lambda p: p.stem)
def test_the_layout_is_upstreams_byte_for_byte(path: Path) -> None:
    assert excerpt_yaml(load(path)) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", UPSTREAM_EXCERPTS, ids=lambda p: p.stem)
def test_an_upstream_excerpt_is_cut_back_out_of_a_whole_document(path: Path) -> None:
    original = load(path)
    cut = excerpt(whole_document(original), title=original["info"]["title"])
    assert excerpt_yaml(cut) == excerpt_yaml(_without_unused_scheme(original))
    # The components come in the order the endpoint first reaches them, not the document's.
    assert list(cut["components"]["schemas"]) == list(original["components"]["schemas"])


def test_our_fragment_keeps_exactly_what_the_endpoint_uses() -> None:
    ours = load(OURS)
    cut = excerpt(whole_document(ours), title=ours["info"]["title"])
    expected = copy.deepcopy(ours)
    # Not reached from the path: the client's own refinement of the 200 answer.
    del expected["components"]["schemas"]["STTVerboseResponse"]
    assert cut["paths"] == expected["paths"]
    for section in ("schemas", "parameters", "headers", "responses", "securitySchemes"):
        assert cut["components"][section] == expected["components"][section], section
    assert list(cut["components"]) == sorted(expected["components"])


def test_other_endpoints_components_stay_out() -> None:
    cut = excerpt(whole_document(load(AUGUST)))
    names = {name for entries in cut["components"].values() for name in entries}
    assert names.isdisjoint({"ChatRequest", "Message", "Unused", "ChatOk", "X-Trace", "Author"})
    assert "managementKey" not in cut["components"]["securitySchemes"]
    assert list(cut["paths"]) == ["/audio/transcriptions"]
    assert cut["info"]["title"] == "OpenRouter API, /audio/transcriptions excerpt"


def test_another_path_follows_its_own_refs_through_cycles_and_sections() -> None:
    whole = whole_document(load(AUGUST))
    chat = excerpt(whole, "/chat/completions")
    assert list(chat["components"]["schemas"]) == [
        "ChatRequest", "Message", "BadRequestResponse", "BadRequestResponseErrorData"
    ]  # fmt: skip
    assert chat["components"]["headers"] == {"X-Trace": {"schema": {"type": "string"}}}
    assert list(chat["components"]["responses"]) == ["ChatOk"]
    models = excerpt(whole, "/models/{author}/{slug}")
    assert list(models["components"]["parameters"]) == ["Author"]
    assert "schemas" not in models["components"]


def test_a_missing_path_names_the_paths_there_are() -> None:
    with pytest.raises(
        DocumentError, match=r"no path /audio/speech \(it has: /audio/transcriptions"
    ):
        excerpt(load(AUGUST), "/audio/speech")


def test_a_dangling_ref_names_where_it_is() -> None:
    whole = whole_document(load(AUGUST))
    del whole["components"]["schemas"]["STTUsage"]
    with pytest.raises(DocumentError, match=r"#/components/schemas/STTResponse/properties/usage: "):
        excerpt(whole)


def test_the_command_reads_json_and_writes_the_excerpt(tmp_path: Path) -> None:
    original = load(AUGUST)
    full = tmp_path / "openapi.json"
    full.write_text(json.dumps(whole_document(original)), encoding="utf-8")
    out = tmp_path / "excerpt.yaml"
    title = original["info"]["title"]
    assert main(["excerpt", str(full), "--title", title, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == excerpt_yaml(_without_unused_scheme(original))


def test_the_command_is_openrouter_stt_contract(tmp_path: Path) -> None:
    full = tmp_path / "openapi.yaml"
    full.write_text(excerpt_yaml(whole_document(load(APRIL))), encoding="utf-8")
    done = subprocess.run(
        [*COMMAND, "contract", "excerpt", str(full)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("openapi: 3.1.0\ninfo:\n  title: OpenRouter API, /audio/")
    missing = subprocess.run(
        [*COMMAND, "contract", "excerpt", str(tmp_path / "no.yaml")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
