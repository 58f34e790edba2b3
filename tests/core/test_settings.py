"""Settings: packaged defaults, partial overrides, and errors a person can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from taxgate.errors import ConfigError
from taxgate.settings import ENV_VAR, load_settings


def test_defaults_load_and_bound_duckdb_memory() -> None:
    settings = load_settings()
    assert settings.intake.removal_min_days == 90
    assert settings.intake.not_specific.min_items >= 2
    assert settings.duckdb.memory_limit.endswith("GB")


def test_override_file_changes_only_what_it_names(tmp_path: Path) -> None:
    override = tmp_path / "mine.toml"
    override.write_text("[intake.not_specific]\nmin_items = 3\n")
    settings = load_settings(override)
    defaults = load_settings()
    assert settings.intake.not_specific.min_items == 3
    assert settings.intake.not_specific.max_share == defaults.intake.not_specific.max_share
    assert settings.intake.officers == defaults.intake.officers


def test_environment_variable_names_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    override = tmp_path / "env.toml"
    override.write_text("[intake.statute]\nremoval_min_days = 120\n")
    monkeypatch.setenv(ENV_VAR, str(override))
    assert load_settings().intake.removal_min_days == 120


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[intake.statute\n", "not valid TOML"),
        ("[intake.statute]\nremoval_min_days = 'ninety'\n", "malformed setting"),
    ],
)
def test_bad_override_names_the_file(tmp_path: Path, text: str, expected: str) -> None:
    override = tmp_path / "bad.toml"
    override.write_text(text)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_settings(override)
    assert str(override) in str(caught.value)


def test_missing_override_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.toml")
