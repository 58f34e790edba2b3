"""Order files: the built-in timeline loads; every kind of mistake is reported with its field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from taxgate.errors import ConfigError
from taxgate.law import BUILTIN_ORDERS, check_orders, in_effect, load_orders, timeline

GRANT = """
id = "{id}"
case = "A v. B"
court = "D.D.C."
kind = "preliminary-injunction"
issued = 2025-11-21
effective = {effective}
{expires}
disclosers = ["IRS"]
recipients = {recipients}
data = ["address"]
purposes = ["*"]
citation = "No. 1"
"""
STAY = """
id = "{id}"
case = "A v. B"
court = "D.C. Cir."
kind = "{kind}"
issued = {effective}
effective = {effective}
{expires}
target = "{target}"
citation = "No. 2"
"""


def grant(
    directory: Path,
    order_id: str,
    effective: str = "2025-11-21",
    expires: str = "",
    recipients: str = '["ICE"]',
) -> Path:
    path = directory / f"{order_id}.toml"
    expiry = f"expires = {expires}" if expires else ""
    path.write_text(
        GRANT.format(id=order_id, effective=effective, expires=expiry, recipients=recipients)
    )
    return path


def stay(
    directory: Path,
    order_id: str,
    target: str,
    effective: str,
    expires: str = "",
    kind: str = "stay-of-order",
) -> Path:
    path = directory / f"{order_id}.toml"
    expiry = f"expires = {expires}" if expires else ""
    path.write_text(
        STAY.format(id=order_id, kind=kind, target=target, effective=effective, expires=expiry)
    )
    return path


def problems_in(directory: Path) -> list[tuple[str, str | None, str]]:
    return [(p.file.name, p.field, p.problem) for p in check_orders(directory)[1]]


def test_builtin_timeline_is_clean_and_complete() -> None:
    orders, problems = check_orders(BUILTIN_ORDERS)
    assert problems == []
    assert {o.id for o in orders} == {
        "cwu-denial-2025-05-12",
        "cwu-affirmance-2026-02-24",
        "ctr-stay-2025-11-21",
        "cedc-pi-2026-02-05",
        "ca-tro-2026-03-02",
    }
    cedc = next(o for o in orders if o.id == "cedc-pi-2026-02-05")
    assert cedc.reaches_prior_disclosures and cedc.notice_deadline == date(2026, 2, 10)


@pytest.mark.parametrize(
    ("edit", "field", "says"),
    [
        (('kind = "preliminary-injunction"', 'kind = "injunction"'), "kind", "unknown kind"),
        (("effective = 2025-11-21", "effective = 2025-13-01"), None, "not valid TOML"),
        (("effective = 2025-11-21", 'effective = "21 Nov 2025"'), "effective", "not a date"),
        (('recipients = ["ICE"]', 'recipients = ["ICE", "NSA"]'), "recipients", "'NSA'"),
        (('data = ["address"]', 'data = ["addresses"]'), "data", "unknown value"),
        (('citation = "No. 1"', ""), "citation", "missing"),
        (('purposes = ["*"]', "purposes = []"), "purposes", "is empty"),
    ],
)
def test_malformed_order_is_reported_with_file_and_field(
    tmp_path: Path, edit: tuple[str, str], field: str | None, says: str
) -> None:
    path = grant(tmp_path, "ctr")
    path.write_text(path.read_text().replace(*edit))
    found = problems_in(tmp_path)
    assert any(f == "ctr.toml" and fld == field and says in p for f, fld, p in found), found
    with pytest.raises(ConfigError, match=r"ctr\.toml"):
        load_orders(tmp_path)


def test_expiry_before_effect_is_reported(tmp_path: Path) -> None:
    grant(tmp_path, "ctr", effective="2025-11-21", expires="2025-11-01")
    assert problems_in(tmp_path) == [
        ("ctr.toml", "expires", "2025-11-01 is not after effective 2025-11-21; it never applies")
    ]


def test_notice_deadline_before_effect_is_reported(tmp_path: Path) -> None:
    path = grant(tmp_path, "ctr", effective="2025-11-21")
    path.write_text(path.read_text() + "notice_deadline = 2025-11-20\n")
    assert problems_in(tmp_path) == [
        ("ctr.toml", "notice_deadline", "2025-11-20 is before effective 2025-11-21")
    ]
    path.write_text(path.read_text().replace("2025-11-20", "2025-11-21"))  # the same day is fine
    assert problems_in(tmp_path) == []


def test_contradictions_across_files_are_reported(tmp_path: Path) -> None:
    grant(tmp_path, "a")
    (tmp_path / "a-again.toml").write_text((tmp_path / "a.toml").read_text())
    stay(tmp_path, "s1", target="ghost", effective="2025-12-01")
    stay(tmp_path, "s2", target="s3", effective="2025-12-01")
    stay(tmp_path, "s3", target="s2", effective="2025-12-01")
    found = problems_in(tmp_path)
    assert ("a.toml", "id", "'a' is also used in a-again.toml") in found
    assert ("s1.toml", "target", "no order has id 'ghost'") in found
    assert {f for f, fld, p in found if "cycle" in p} == {"s2.toml", "s3.toml"}


def test_stays_of_stays_and_vacaturs_resolve_by_date(tmp_path: Path) -> None:
    grant(tmp_path, "pi", effective="2025-11-21")
    stay(tmp_path, "appeal-stay", target="pi", effective="2025-12-01")
    stay(
        tmp_path, "stay-of-stay", target="appeal-stay", effective="2025-12-10", expires="2025-12-20"
    )
    stay(tmp_path, "vacate-pi", target="pi", effective="2026-01-15", kind="vacatur")
    orders = load_orders(tmp_path)

    def pi_applies(day: str) -> bool:
        return "pi" in in_effect(orders, date.fromisoformat(day))

    assert not pi_applies("2025-11-20")
    assert pi_applies("2025-11-21")
    assert not pi_applies("2025-12-01")  # stayed on appeal
    assert pi_applies("2025-12-10")  # the stay is itself stayed
    assert not pi_applies("2025-12-20")  # that stay expired: the appeal stay is back
    assert not pi_applies("2026-02-01")
    entries = timeline(orders)
    assert [e.day.isoformat() for e in entries] == [
        "2025-11-21", "2025-12-01", "2025-12-10", "2025-12-20", "2026-01-15",
    ]  # fmt: skip
    assert entries[2].started == ("pi", "stay-of-stay") and entries[2].ended == ("appeal-stay",)


def test_component_agencies_are_accepted_and_unknown_directory_is_a_problem(
    tmp_path: Path,
) -> None:
    grant(tmp_path, "dhs", recipients='["DHS", "*"]')
    assert problems_in(tmp_path) == []
    assert problems_in(tmp_path / "missing")[0][2].startswith("is not a directory")
