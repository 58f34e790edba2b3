"""Settings: thresholds and resource limits as dated data (``settings.toml``), overridable.

Each value is an OpenFisca-style parameter: ``values`` keyed by the date each value took
effect and ``reference`` keyed by the same dates, citing what justifies it. ``load_settings``
takes the values in force on a date (default: today, the day a decision is made), so a value
is changed by adding a dated one, and the past stays readable. Code reads ``load_settings()``
once and passes the typed values down; nothing else in the package reads the TOML.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import asdict, dataclass
from datetime import date
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
class ReportSettings:
    memory_limit: str
    public_epsilon_per_period: float
    public_delta: float
    public_cap: int


@dataclass(frozen=True)
class Settings:
    intake: IntakeSettings
    duckdb: DuckDBSettings
    identity: IdentitySettings
    reports: ReportSettings

    @property
    def sha256(self) -> str:
        """A digest of every value in force: recorded with each batch beside the policy hash,
        so a decision can be re-made with the numbers it used."""
        # Reports read the ledger; they decide nothing, so their settings stay out of the
        # digest a decision is replayed with.
        values = {k: v for k, v in asdict(self).items() if k != "reports"}
        text = json.dumps(values, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


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


def in_force(raw: dict[str, Any], on: date, where: str = "") -> dict[str, Any]:
    """``raw`` with every dated parameter (a table with ``values`` keyed by date) replaced by
    its value in force ``on``: the one with the latest date not after it. A plain value is
    in force on every date."""
    resolved: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{where}.{key}" if where else key
        if isinstance(value, dict) and "values" in value:
            resolved[key] = _value_on(value["values"], on, name)
        elif isinstance(value, dict):
            resolved[key] = in_force(value, on, name)
        else:
            resolved[key] = value
    return resolved


def _value_on(values: Any, on: date, name: str) -> Any:
    if not isinstance(values, dict) or not values:
        raise ConfigError(f"setting {name}: 'values' must map dates to values")
    try:
        dated = sorted((date.fromisoformat(str(day)), value) for day, value in values.items())
    except ValueError as exc:
        raise ConfigError(f"setting {name}: a key of 'values' is not a date: {exc}") from exc
    in_effect = [value for day, value in dated if day <= on]
    if not in_effect:
        raise ConfigError(
            f"setting {name} has no value in force on {on.isoformat()} "
            f"(the first takes effect {dated[0][0].isoformat()})"
        )
    return in_effect[-1]


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


def packaged_settings() -> dict[str, Any]:
    """``settings.toml`` as shipped, dated values and references included."""
    text = resources.files("taxgate").joinpath("settings.toml").read_text("utf-8")
    return tomllib.loads(text)


def load_settings(path: Path | None = None, *, on: date | None = None) -> Settings:
    """Packaged defaults, overridden by ``path`` or by the file named in $TAXGATE_SETTINGS,
    as in force ``on`` (default: today)."""
    raw = packaged_settings()
    chosen = path or (Path(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None)
    source = "settings.toml"
    if chosen is not None:
        raw = _merge(raw, _read_toml(chosen))
        source = str(chosen)
    raw = in_force(raw, on or date.today())
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
            reports=ReportSettings(
                memory_limit=str(raw["reports"]["memory_limit"]),
                public_epsilon_per_period=float(raw["reports"]["public_epsilon_per_period"]),
                public_delta=float(raw["reports"]["public_delta"]),
                public_cap=int(raw["reports"]["public_cap"]),
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: missing or malformed setting {exc}") from exc
