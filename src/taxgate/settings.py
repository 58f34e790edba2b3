"""Settings: thresholds and resource limits as data (``settings.toml``), overridable by file.

Code reads ``load_settings()`` once and passes the typed values down; nothing else in the
package reads the TOML.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from taxgate.errors import ConfigError

ENV_VAR = "TAXGATE_SETTINGS"


@dataclass(frozen=True)
class NotSpecificSettings:
    max_share: float
    min_items: int
    template_max_share: float
    cited_template_max_share: float
    template_coverage: float


@dataclass(frozen=True)
class OfficerSettings:
    max_share: float
    min_investigations: int


@dataclass(frozen=True)
class IntakeSettings:
    not_specific: NotSpecificSettings
    officers: OfficerSettings
    removal_min_days: int
    max_item_file_mb: int


@dataclass(frozen=True)
class DuckDBSettings:
    memory_limit: str
    threads: int


@dataclass(frozen=True)
class IdentitySettings:
    release_threshold: float
    tinless_threshold: float
    candidate_threshold: float
    rival_ceiling: float
    rival_margin_bits: float
    candidate_floor: float
    expected_match_share: float
    train_sample: int
    echo_size: int
    u_max_pairs: float
    seed: int
    items_per_chunk: int
    address_similarity: float
    common_given_share: float
    common_given_min_taxpayers: int
    house_typo_min_digits: int
    unit_typo_min_length: int
    dob_year_typo_years: int
    name_two_edits_min_letters: int
    middle_typo_min_letters: int


@dataclass(frozen=True)
class Settings:
    intake: IntakeSettings
    duckdb: DuckDBSettings
    identity: IdentitySettings


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: settings file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _identity(raw: dict[str, Any]) -> IdentitySettings:
    return IdentitySettings(
        release_threshold=float(raw["release_threshold"]),
        tinless_threshold=float(raw["tinless_threshold"]),
        candidate_threshold=float(raw["candidate_threshold"]),
        rival_ceiling=float(raw["rival_ceiling"]),
        rival_margin_bits=float(raw["rival_margin_bits"]),
        candidate_floor=float(raw["candidate_floor"]),
        expected_match_share=float(raw["expected_match_share"]),
        train_sample=int(raw["train_sample"]),
        echo_size=int(raw["echo_size"]),
        u_max_pairs=float(raw["u_max_pairs"]),
        seed=int(raw["seed"]),
        items_per_chunk=int(raw["items_per_chunk"]),
        address_similarity=float(raw["address_similarity"]),
        common_given_share=float(raw["common_given_share"]),
        common_given_min_taxpayers=int(raw["common_given_min_taxpayers"]),
        house_typo_min_digits=int(raw["house_typo_min_digits"]),
        unit_typo_min_length=int(raw["unit_typo_min_length"]),
        dob_year_typo_years=int(raw["dob_year_typo_years"]),
        name_two_edits_min_letters=int(raw["name_two_edits_min_letters"]),
        middle_typo_min_letters=int(raw["middle_typo_min_letters"]),
    )


def load_settings(path: Path | None = None) -> Settings:
    """Packaged defaults, overridden by ``path`` or by the file named in $TAXGATE_SETTINGS."""
    raw = tomllib.loads(resources.files("taxgate").joinpath("settings.toml").read_text("utf-8"))
    chosen = path or (Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None)
    source = "settings.toml"
    if chosen is not None:
        raw = _merge(raw, _read_toml(chosen))
        source = str(chosen)
    try:
        intake = raw["intake"]
        return Settings(
            intake=IntakeSettings(
                not_specific=NotSpecificSettings(
                    max_share=float(intake["not_specific"]["max_share"]),
                    min_items=int(intake["not_specific"]["min_items"]),
                    template_max_share=float(intake["not_specific"]["template_max_share"]),
                    cited_template_max_share=float(
                        intake["not_specific"]["cited_template_max_share"]
                    ),
                    template_coverage=float(intake["not_specific"]["template_coverage"]),
                ),
                officers=OfficerSettings(
                    max_share=float(intake["officers"]["max_share"]),
                    min_investigations=int(intake["officers"]["min_investigations"]),
                ),
                removal_min_days=int(intake["statute"]["removal_min_days"]),
                max_item_file_mb=int(intake["files"]["max_item_file_mb"]),
            ),
            duckdb=DuckDBSettings(
                memory_limit=str(raw["duckdb"]["memory_limit"]),
                threads=int(raw["duckdb"]["threads"]),
            ),
            identity=_identity(raw["identity"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: missing or malformed setting {exc}") from exc
