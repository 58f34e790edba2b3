"""The statute policy files: schema-valid, annotated, and loud when broken."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cedarpy
import pytest

from taxgate import reasons
from taxgate.errors import ConfigError
from taxgate.law import LawEngine, load_statute
from taxgate.law.compile import POLICY_DIR, SCHEMA_PATH

SCHEMA = SCHEMA_PATH.read_text(encoding="utf-8")


def policy_notes(path: Path) -> list[dict[str, str]]:
    est = json.loads(cedarpy.policies_to_json_str(path.read_text(encoding="utf-8")))
    return [policy.get("annotations", {}) for policy in est["staticPolicies"].values()]


@pytest.mark.parametrize("path", sorted(POLICY_DIR.glob("*.cedar")), ids=lambda p: p.name)
def test_each_policy_file_passes_cedars_validator(path: Path) -> None:
    result = cedarpy.validate_policies(path.read_text(encoding="utf-8"), SCHEMA)
    assert result.validation_passed, [str(e) for e in result.errors]


@pytest.mark.parametrize("path", sorted(POLICY_DIR.glob("*.cedar")), ids=lambda p: p.name)
def test_every_policy_has_id_citation_and_reason(path: Path) -> None:
    for notes in policy_notes(path):
        assert notes.get("id") and notes.get("citation"), notes
        assert "reason" in notes


def test_every_reason_code_has_a_finding_forbid() -> None:
    forbidden = {notes["reason"] for notes in policy_notes(POLICY_DIR / "findings.cedar")}
    assert forbidden == set(reasons.ALL)


def test_policy_ids_are_unique_and_statute_loads() -> None:
    statute = load_statute()
    ids = [n["id"] for path in statute.files for n in policy_notes(path)]
    assert len(ids) == len(set(ids))
    assert {"6103-i2-written-request", "6103-i1-ex-parte-order", "6103-i6-protected"} <= set(ids)


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, target)
    return target


def add_policy(directory: Path, text: str) -> Path:
    path = directory / "zz_local.cedar"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_parse_error_names_the_file_and_line(policy_copy: Path) -> None:
    path = add_policy(
        policy_copy,
        '// local rule\n\n@id("x")\n@citation("y")\n@reason("request.basis")\n'
        'forbid (principal, action, resource)\nwhen { context.purpose === "civil" };\n',
    )
    with pytest.raises(ConfigError, match=rf"{path.name}, line 7: Cedar cannot parse"):
        load_statute(policy_copy)


def test_a_schema_error_names_the_file_and_line(policy_copy: Path) -> None:
    good = (
        '@id("a")\n@citation("c")\n@reason("request.basis")\n'
        'forbid (principal, action, resource) when { context.basis == "x" };\n'
    )
    bad = (
        '\n@id("b")\n@citation("c")\n@reason("request.basis")\n'
        'forbid (principal, action, resource) when { context.purpse == "civil" };\n'
    )
    path = add_policy(policy_copy, good + bad)
    with pytest.raises(ConfigError, match=rf"{path.name}, line 6: policy fails the schema"):
        load_statute(policy_copy)


def test_a_policy_without_citation_is_refused(policy_copy: Path) -> None:
    add_policy(
        policy_copy,
        '@id("x")\n@reason("request.basis")\nforbid (principal, action, resource);\n',
    )
    with pytest.raises(ConfigError, match=r"line 1: policy lacks @citation"):
        load_statute(policy_copy)


def test_a_broken_file_stops_the_engine_at_startup(policy_copy: Path) -> None:
    add_policy(policy_copy, "permit (principal, action, resource) when { ;\n")
    with pytest.raises(ConfigError, match=r"zz_local\.cedar, line 1"):
        LawEngine(orders=[], statute=load_statute(policy_copy))
