"""One settings object for the command line and the factory."""

from __future__ import annotations

from pathlib import Path

from openrouter_stt_mock import MockConfig, World


def test_defaults() -> None:
    config = MockConfig()
    assert (config.host, config.port, config.control_routes) == ("127.0.0.1", 8080, True)
    assert config.load_world() == World.default()


def test_world_wins_over_file(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text('[keys."a"]\n', encoding="utf-8")
    assert set(MockConfig(world_file=path).load_world().keys) == {"a"}
    assert MockConfig(world=World(), world_file=path).load_world() == World()
