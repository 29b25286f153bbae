"""The maintainer's loop: the spec changes, the drift check fails, one command regenerates."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "_generate.py"
SPEC = ROOT / "openapi" / "openrouter-stt.yaml"
GENERATED = ROOT / "generated" / "openrouter_stt_models"


def run_generate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def load_models(package: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"models_{id(package)}", package / "__init__.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the fragment and of the committed generated package, free to edit."""
    spec = tmp_path / "openrouter-stt.yaml"
    shutil.copyfile(SPEC, spec)
    out = tmp_path / "openrouter_stt_models"
    shutil.copytree(GENERATED, out, ignore=shutil.ignore_patterns("__pycache__"))
    return spec, out


def test_committed_models_are_current() -> None:
    result = run_generate("--check")
    assert result.returncode == 0, result.stderr


def test_a_spec_change_fails_the_check_until_regenerated(workspace: tuple[Path, Path]) -> None:
    spec, out = workspace
    assert run_generate("--check", "--spec", spec, "--out", out).returncode == 0

    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    document["components"]["schemas"]["STTRequest"]["properties"]["prompt"] = {
        "type": "string",
        "description": "Text to guide the transcription.",
    }
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    stale = run_generate("--check", "--spec", spec, "--out", out)
    assert stale.returncode == 1
    assert "__init__.py" in stale.stderr
    assert "openapi.json" in stale.stderr
    assert "./scripts/generate" in stale.stderr
    assert "prompt" not in load_models(out).STTRequest.model_fields

    assert run_generate("--spec", spec, "--out", out).returncode == 0
    assert run_generate("--check", "--spec", spec, "--out", out).returncode == 0
    assert "prompt" in load_models(out).STTRequest.model_fields


def test_a_hand_edit_of_generated_code_fails_the_check(workspace: tuple[Path, Path]) -> None:
    spec, out = workspace
    models = out / "__init__.py"
    models.write_text(models.read_text(encoding="utf-8") + "\n# tweak\n", encoding="utf-8")
    result = run_generate("--check", "--spec", spec, "--out", out)
    assert result.returncode == 1
    assert "__init__.py" in result.stderr
    assert "openapi.json" not in result.stderr


def test_regenerating_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = tmp_path / "a" / "openrouter_stt_models"
    second = tmp_path / "b" / "openrouter_stt_models"
    for out in (first, second):
        assert run_generate("--out", out).returncode == 0
    for path in sorted(first.iterdir()):
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name
    assert sorted(p.name for p in first.iterdir()) == ["__init__.py", "openapi.json", "py.typed"]
