"""Agency registry: who may sign for whom, safeguards, and file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from taxgate import reasons
from taxgate.errors import ConfigError
from taxgate.intake import load_request
from taxgate.intake.agencies import AgencyRegistry, canonical_basis

from .conftest import WriteRequest, good_item
from .test_checks import reasons_of

REGISTRY = AgencyRegistry.load()
I1, I2 = "6103(i)(1)", "6103(i)(2)"


@pytest.mark.parametrize(
    ("requester", "agency", "title"),
    [
        ("ICE", "ICE", "Director"),
        ("ICE", "ICE", "Acting Director"),
        ("ICE", "ICE", "Inspector General"),
        ("ICE", "DHS", "Secretary"),
        ("ICE", "DHS", "Acting Secretary"),
        ("USCIS", "USCIS", "Director"),
        ("CBP", "CBP", "Commissioner"),
        ("DHS", "DHS", "Secretary"),
        ("DOJ", "DOJ", "Attorney General"),
        ("DOJ", "DOJ", "Deputy Attorney General"),
        ("DOJ", "DOJ", "Assistant Attorney General"),
        ("DOJ", "DOJ", "U.S. Attorney"),
        ("DOJ", "DOJ", "United States Attorney"),
        ("DOJ", "DOJ", "FBI Director"),
        ("DOJ", "DOJ", "DEA Administrator"),
        ("FBI", "FBI", "Director"),
        ("FBI", "DOJ", "FBI Director"),
        ("DEA", "DEA", "Administrator"),
        ("SSA", "SSA", "Inspector General"),
        ("TIGTA", "TIGTA", "Inspector General"),
        ("IRS", "Treasury", "Secretary"),
    ],
)
def test_who_may_sign(requester: str, agency: str, title: str) -> None:
    assert REGISTRY.may_sign_for(requester, agency, title, I2)


@pytest.mark.parametrize(
    ("requester", "agency", "title"),
    [
        ("ICE", "ICE", "Assistant Director"),  # D.D.C. 21 Nov 2025: not the head
        ("ICE", "ICE", "Deputy Director"),
        ("ICE", "ICE", "Field Office Director"),
        ("ICE", "USCIS", "Director"),  # a sibling component
        ("DHS", "ICE", "Director"),  # a component head cannot sign for the department
        ("ICE", "DOJ", "Attorney General"),  # not the requester's department
        ("DOJ", "FBI", "Director"),  # signs as DOJ with title "FBI Director"
        ("ICE", "ICE", ""),
        ("ICE", "NSA", "Director"),
    ],
)
def test_who_may_not_sign(requester: str, agency: str, title: str) -> None:
    assert not REGISTRY.may_sign_for(requester, agency, title, I2)


def test_i1_authorisers_are_doj_officials() -> None:
    assert REGISTRY.may_sign("DOJ", "Assistant Attorney General", "26 U.S.C. 6103(i)(1)")
    assert not REGISTRY.may_sign("ICE", "Director", "6103(i)(1)")
    assert not REGISTRY.may_sign("DOJ", "FBI Director", "6103(i)(1)")


def test_basis_spellings() -> None:
    assert {canonical_basis(b) for b in ("6103(i)(2)", "26 U.S.C. § 6103(i)(2)", "(i)(2)")} == {I2}
    # A subparagraph invokes its paragraph's exception; another paragraph stays unknown.
    assert {canonical_basis(b) for b in ("6103(i)(2)(A)", "§ 6103(i)(2)(B)", "(i)(2)(a)")} == {I2}
    assert canonical_basis("6103(i)(1)(A)") == I1
    assert canonical_basis("6103(i)(3)(A)") not in (I1, I2)


def test_parent_chain_and_safeguards(tmp_path: Path) -> None:
    assert REGISTRY.parent_chain("ICE") == ("ICE", "DHS")
    assert not any(REGISTRY.safeguards_block(code) for code in REGISTRY.agencies)
    path = tmp_path / "agencies.toml"
    path.write_text(
        "[agencies.DHS]\nopen_findings = true\n"
        '[agencies.ICE]\nparent = "DHS"\ni2_signers = ["Director"]\n'
        '[agencies.CBP]\nparent = "DHS"\nopen_findings = true\ncorrective_plan = true\n',
        encoding="utf-8",
    )
    registry = AgencyRegistry.load(path)
    assert registry.safeguards_block("ICE")  # the department's findings reach its components
    assert registry.safeguards_block("DHS")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[agencies.ICE]\nparent = "XYZ"\n', "agencies.ICE.parent"),
        ('[agencies.ICE]\ni2_signers = "Director"\n', "agencies.ICE.i2_signers"),
        ('[agencies.ICE]\nopen_findings = "no"\n', "agencies.ICE.open_findings"),
        ("[agencies.ICE]\nsigners = []\n", "agencies.ICE.signers"),
        ('[agencies.A]\nparent = "B"\n[agencies.B]\nparent = "A"\n', "parent"),
        ("agencies = 3\n", "agencies"),
        ("[agencies.ICE\n", "not valid TOML"),
    ],
)
def test_bad_registry_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "agencies.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        AgencyRegistry.load(path)
    assert str(path) in str(caught.value) and field in str(caught.value)


@pytest.mark.parametrize(
    ("signer", "expected"),
    [
        ({"title": "Director", "agency": "ICE"}, []),
        ({"title": "Secretary", "agency": "DHS"}, []),
        ({"title": "Assistant Director", "agency": "ICE"}, [reasons.SIGNER]),
        ({"name": "", "title": "Director", "agency": "ICE"}, [reasons.SIGNER]),
        ({"title": "Director", "agency": "USCIS"}, [reasons.SIGNER]),
    ],
)
def test_signer_reason(
    write_request: WriteRequest, signer: dict[str, str], expected: list[str]
) -> None:
    path = write_request([good_item(1)], signer=signer)
    assert reasons_of(load_request(path))["I-00001"] == expected


def test_unsigned_request_is_a_signer_defect(write_request: WriteRequest) -> None:
    path = write_request([good_item(1)], drop=("signer",))
    assert reasons_of(load_request(path))["I-00001"] == [reasons.SIGNER]


def test_agencies_option_replaces_the_registry(write_request: WriteRequest, tmp_path: Path) -> None:
    registry = tmp_path / "mine.toml"
    registry.write_text('[agencies.ICE]\ni2_signers = ["Chief"]\n', encoding="utf-8")
    path = write_request([good_item(1)], signer={"title": "Chief"})
    assert reasons_of(load_request(path, agencies=registry))["I-00001"] == []
    assert reasons_of(load_request(path))["I-00001"] == [reasons.SIGNER]
