"""The CI check on drift: our fragment against upstream's newest document differs exactly as
``openapi/expected-drift.json`` says. When it fails, it names each unforeseen difference; once
they are handled, ``openrouter-stt contract drift --update`` rewrites the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from openrouter_stt_mock.contract import drift, drift_problems, newest_upstream
from openrouter_stt_mock.contract.cli import main
from tests.contract_tools._documents import OCTOBER, OURS, ROOT, UPSTREAM, load

EXPECTED = ROOT / "openapi" / "expected-drift.json"


def test_our_fragment_drifts_from_the_newest_upstream_document_only_as_expected() -> None:
    actual = drift(OURS, newest_upstream(UPSTREAM))
    problems = drift_problems(json.loads(EXPECTED.read_text(encoding="utf-8")), actual)
    assert problems == [], (
        "\n".join(problems) + "\nhandle them, then: openrouter-stt contract drift --update"
    )


def test_the_expected_file_is_what_update_writes() -> None:
    assert EXPECTED.read_text(encoding="utf-8") == drift(OURS, newest_upstream(UPSTREAM)).to_json()


def test_a_newer_upstream_excerpt_with_unhandled_drift_fails_and_names_it(tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    shutil.copytree(UPSTREAM, upstream)
    newer = load(OCTOBER)
    del newer["components"]["schemas"]["STTResponse"]["properties"]["usage"]
    newer["components"]["schemas"]["STTUsage"]["properties"]["cost"]["type"] = "string"
    (upstream / "openrouter-stt-2026-12-01.json").write_text(json.dumps(newer), encoding="utf-8")
    expected = tmp_path / "expected-drift.json"
    shutil.copy(EXPECTED, expected)
    args = ["drift", "--ours", str(OURS), "--upstream", str(upstream), "--expected", str(expected)]
    assert main(args) == 1
    problems = drift_problems(
        json.loads(expected.read_text()), drift(OURS, newest_upstream(upstream))
    )
    assert problems[0].startswith("the newest upstream document is openrouter-stt-2026-12-01.json")
    assert (
        "unexpected: breaking POST /audio/transcriptions response[200][application/json].usage: "
        "field removed [field-removed]"
    ) in problems
    assert main([*args, "--update"]) == 0
    assert main(args) == 0
