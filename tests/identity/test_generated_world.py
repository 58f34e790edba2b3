"""Household confusers found in a generated world (``households.parquet`` says who lives with
whom; only this test reads it): whatever the item says, a release may name only the person
the item truly names, and a same-name relative who does not file is never released."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pytest

from taxgate.identity import AMBIGUOUS, MATCHED, NONE, resolve_items, train_model
from taxgate.world.generate import generate_world

from .conftest import items_table

World = tuple[Path, dict[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> World:
    world = tmp_path_factory.mktemp("generated-world")
    generate_world(world, taxpayers=3000, seed=11)
    train_model(world)
    con = duckdb.connect()
    relation = con.sql(
        f"""SELECT h.tin, h.household, h.role, t.given_name, t.middle_name, t.surname,
                   t.suffix, t.date_of_birth::VARCHAR AS dob, a.street, a.unit, a.city, a.state,
                   a.zip::VARCHAR AS zip
            FROM '{world / "households.parquet"}' h
            JOIN '{world / "taxpayers.parquet"}' t USING (tin)
            JOIN (SELECT * FROM '{world / "addresses.parquet"}'
                  QUALIFY row_number() OVER (PARTITION BY tin ORDER BY last_year DESC) = 1) a
              USING (tin)"""
    )
    names, rows = relation.columns, relation.fetchall()
    con.close()
    return world, {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def _item(item_id: str, person: dict[str, Any], **overrides: str | None) -> dict[str, Any]:
    row = {
        "item_id": item_id,
        "given_name": person["given_name"],
        "middle_name": person["middle_name"],
        "surname": person["surname"],
        "date_of_birth": person["dob"],
        "street": person["street"],
        "unit": person["unit"],
        "city": person["city"],
        "state": person["state"],
        "zip": person["zip"],
    }
    row.update({key: value or "" for key, value in overrides.items()})
    return row


def _pairs(people: dict[str, dict[str, Any]], first: str, second: str) -> list[tuple[Any, Any]]:
    by_household: dict[int, dict[str, dict[str, Any]]] = {}
    for person in people.values():
        by_household.setdefault(person["household"], {})[person["role"]] = person
    return [
        (members[first], members[second])
        for members in by_household.values()
        if first in members and second in members
    ][:15]


def _resolve(world: Path, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["item_id"]: r for r in resolve_items(world, items_table(rows)).to_pylist()}


def test_junior_and_senior_are_never_confused(generated: World) -> None:
    world, people = generated
    pairs = _pairs(people, "senior", "junior")
    assert pairs, "the generated world has Jr./Sr. pairs"
    rows: list[dict[str, Any]] = []
    expect: dict[str, str | None] = {}
    for n, (senior, junior) in enumerate(pairs):
        for who, person in (("sr", senior), ("jr", junior)):
            # Name and address alone (no DOB, no suffix): either of two people.
            rows.append(_item(f"{n}-{who}-bare", person, date_of_birth="", middle_name=""))
            expect[f"{n}-{who}-bare"] = None
            # With the date of birth: only that person may be released.
            rows.append(_item(f"{n}-{who}-dob", person))
            expect[f"{n}-{who}-dob"] = person["tin"]
    got = _resolve(world, rows)
    for item_id, allowed in expect.items():
        outcome = got[item_id]
        if allowed is None:
            assert outcome["outcome"] in (AMBIGUOUS, NONE), outcome
        elif outcome["outcome"] == MATCHED:
            assert outcome["tin"] == allowed, outcome
    assert sum(got[i]["tin"] is not None for i in expect) > 0  # the DOB does identify


def test_twins_with_a_wrong_or_missing_given_name_are_not_released(generated: World) -> None:
    world, people = generated
    twins = [p for p in people.values() if p["role"] == "twin"]
    pairs = [
        (a, b)
        for a in twins
        for b in twins
        if a["household"] == b["household"] and a["tin"] < b["tin"]
    ][:15]
    assert pairs, "the generated world has twins"
    rows = []
    for n, (a, _b) in enumerate(pairs):
        rows.append(_item(f"{n}-a", a))
        rows.append(_item(f"{n}-initial", a, given_name=a["given_name"][0], middle_name=""))
    got = _resolve(world, rows)
    for n, (a, _b) in enumerate(pairs):
        exact = got[f"{n}-a"]
        assert exact["outcome"] != MATCHED or exact["tin"] == a["tin"], exact
        assert got[f"{n}-initial"]["tin"] in (None, a["tin"]), got[f"{n}-initial"]


@pytest.mark.parametrize("role", ["spouse", "child"])
def test_relatives_and_tenants_never_take_the_heads_release(generated: World, role: str) -> None:
    world, people = generated
    pairs = _pairs(people, "head", role)
    if not pairs:
        pytest.skip(f"no household with a {role} in this world")
    rows = []
    for n, (head, other) in enumerate(pairs):
        rows.append(_item(f"{n}-other", other))
        # The relative's given name at the head's record otherwise: never the head.
        rows.append(_item(f"{n}-mixed", head, given_name=other["given_name"]))
    got = _resolve(world, rows)
    for n, (head, other) in enumerate(pairs):
        assert got[f"{n}-other"]["tin"] in (None, other["tin"])
        if head["given_name"].upper() != other["given_name"].upper():
            assert got[f"{n}-mixed"]["tin"] in (None,), got[f"{n}-mixed"]


def test_a_same_name_relative_who_does_not_file_is_never_released(generated: World) -> None:
    world, people = generated
    heads = [p for p in people.values() if p["role"] == "head" and p["dob"]][:30]
    rows = []
    for n, head in enumerate(heads):
        year = int(head["dob"][:4])
        son = (
            f"{year + 25}{head['dob'][4:]}"
            if year + 25 <= 2006
            else f"{year - 25}{head['dob'][4:]}"
        )
        rows.append(_item(f"{n}", head, date_of_birth=son, middle_name=""))
    got = _resolve(world, rows)
    assert all(r["outcome"] != MATCHED for r in got.values()), got
    assert any(r["outcome"] == NONE for r in got.values())  # a DOB decades off is no match


def test_same_surname_tenants_in_one_building_never_take_each_others_release(
    generated: World,
) -> None:
    """Unrelated tenants share a street and surname but not a household: find them by address."""
    world, people = generated
    buildings: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for person in people.values():
        if person["role"] == "tenant" and person["unit"]:
            key = (person["street"], person["zip"], person["surname"].upper())
            buildings.setdefault(key, []).append(person)
    pairs = [
        (first, second)
        for tenants in buildings.values()
        for first, second in pairwise(tenants)
        if first["unit"] != second["unit"]
    ]
    assert pairs, "the generator promises same-surname tenants in one building"
    rows = []
    for n, (first, second) in enumerate(pairs):
        rows.append(_item(f"{n}-own", first))
        # The first tenant's name at the second tenant's flat: never the second tenant.
        rows.append(_item(f"{n}-flat", first, unit=second["unit"]))
    got = _resolve(world, rows)
    for n, (first, second) in enumerate(pairs):
        assert got[f"{n}-own"]["tin"] in (None, first["tin"]), got[f"{n}-own"]
        assert got[f"{n}-flat"]["tin"] != second["tin"], got[f"{n}-flat"]
