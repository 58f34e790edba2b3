"""Settings: packaged defaults, partial overrides, and errors a person can act on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from taxgate.errors import ConfigError
from taxgate.settings import ENV_VAR, load_settings, packaged_settings


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


def _parameters(raw: dict[str, object], where: str = "") -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for key, value in raw.items():
        name = f"{where}.{key}" if where else key
        if isinstance(value, dict) and "values" in value:
            found[name] = value
        elif isinstance(value, dict):
            found.update(_parameters(value, name))
        else:
            found[name] = {"plain": value}
    return found


def test_every_packaged_value_is_dated_and_cited_for_each_date() -> None:
    parameters = _parameters(packaged_settings())
    assert len(parameters) > 20
    for name, parameter in parameters.items():
        assert "values" in parameter, f"{name} is not dated: give it values.DATE"
        values, references = parameter["values"], parameter.get("reference", {})
        assert isinstance(values, dict) and isinstance(references, dict)
        for day in values:
            date.fromisoformat(day)
            assert str(references.get(day, "")).strip(), f"{name} has no reference for {day}"


def test_a_value_added_later_applies_from_its_date_only(tmp_path: Path) -> None:
    override = tmp_path / "dated.toml"
    override.write_text(
        "[intake.not_specific]\n"
        "min_items.values.2030-01-01 = 40\n"
        'min_items.reference.2030-01-01 = "a later finding"\n'
    )
    before = load_settings(override, on=date(2029, 12, 31))
    after = load_settings(override, on=date(2030, 1, 1))
    assert before.intake.not_specific.min_items == load_settings().intake.not_specific.min_items
    assert after.intake.not_specific.min_items == 40
    # The digest a batch records tells the two apart.
    assert before.sha256 != after.sha256
    assert before.sha256 == load_settings(on=date(2029, 12, 31)).sha256


def test_a_date_before_any_value_took_effect_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"max_share has no value in force on 2020-01-01"):
        load_settings(on=date(2020, 1, 1))
    broken = tmp_path / "broken.toml"
    broken.write_text("[duckdb]\nthreads.values.someday = 2\n")
    with pytest.raises(ConfigError, match=r"duckdb\.threads: a key of 'values' is not a date"):
        load_settings(broken)
