"""A small hand-built world with the household-confuser patterns, trained once per session.

Filler taxpayers are random but seeded; the confusers are written out by hand so each test
names exactly who is who. TINs are synthetic (SSN-like ones start 000).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxgate.identity import resolve_items, train_model
from taxgate.model import ITEM_PERSON_COLUMNS
from taxgate.world.io import ADDRESS_COLUMNS, TAXPAYER_COLUMNS

GIVEN = [
    "JAMES",
    "MARY",
    "ROBERT",
    "PATRICIA",
    "JOHN",
    "JENNIFER",
    "MICHAEL",
    "LINDA",
    "DAVID",
    "ELIZABETH",
    "WILLIAM",
    "BARBARA",
    "RICHARD",
    "SUSAN",
    "JOSEPH",
    "JESSICA",
    "THOMAS",
    "SARAH",
    "CHARLES",
    "KAREN",
    "CHRISTOPHER",
    "NANCY",
    "DANIEL",
    "LISA",
    "MATTHEW",
    "BETTY",
    "ANTHONY",
    "MARGARET",
    "MARK",
    "SANDRA",
    "DONALD",
    "ASHLEY",
    "STEVEN",
    "KIMBERLY",
    "PAUL",
    "EMILY",
    "ANDREW",
    "DONNA",
    "JOSHUA",
    "MICHELLE",
    "KENNETH",
    "CAROL",
    "KEVIN",
    "AMANDA",
    "BRIAN",
    "DOROTHY",
    "GEORGE",
    "MELISSA",
    "TIMOTHY",
    "DEBORAH",
]
SURNAMES = [
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "GONZALEZ",
    "WILSON",
    "ANDERSON",
    "THOMAS",
    "TAYLOR",
    "MOORE",
    "JACKSON",
    "MARTIN",
    "LEE",
    "PEREZ",
    "THOMPSON",
    "WHITE",
    "HARRIS",
    "SANCHEZ",
    "CLARK",
    "RAMIREZ",
    "LEWIS",
    "ROBINSON",
    "WALKER",
    "YOUNG",
    "ALLEN",
    "KING",
    "WRIGHT",
    "SCOTT",
    "TORRES",
    "NGUYEN",
    "HILL",
    "FLORES",
    "GREEN",
    "ADAMS",
    "NELSON",
    "BAKER",
    "HALL",
    "RIVERA",
    "CAMPBELL",
    "MITCHELL",
    "CARTER",
    "ROBERTS",
]
STREETS = [
    "MAIN ST",
    "OAK AVE",
    "PINE ST",
    "MAPLE DR",
    "CEDAR LN",
    "ELM ST",
    "WASHINGTON AVE",
    "LAKE RD",
    "HILL ST",
    "PARK AVE",
    "RIVER RD",
    "CHURCH ST",
    "HIGH ST",
    "MILL RD",
    "SPRING ST",
    "CENTER ST",
    "FOREST DR",
]
CITIES = (
    ("SPRINGFIELD", "IL", "62701"),
    ("RIVERTON", "WY", "82501"),
    ("FAIRVIEW", "TX", "75069"),
    ("MADISON", "WI", "53703"),
    ("GREENVILLE", "SC", "29601"),
    ("SALEM", "OR", "97301"),
)

TAXPAYER_FIELDS = TAXPAYER_COLUMNS
ADDRESS_FIELDS = ADDRESS_COLUMNS
ITEM_FIELDS = ITEM_PERSON_COLUMNS

# Hand-written households: (tin, given, middle, surname, suffix, dob, [(street, unit, city#)])
CONFUSERS: tuple[tuple[Any, ...], ...] = (
    # Jr/Sr: same name, same address.
    ("000900001", "JOHN", "A", "MILLER", "SR", "1950-03-04", [("12 OAK AVE", "", 0)]),
    ("000900002", "JOHN", "A", "MILLER", "JR", "1978-06-10", [("12 OAK AVE", "", 0)]),
    # Twins: same surname, DOB and flat; given names one letter apart.
    ("000900003", "MARIA", "", "GARCIA", "", "1990-01-15", [("45 PINE ST", "APT 3", 1)]),
    ("000900004", "MARTA", "", "GARCIA", "", "1990-01-15", [("45 PINE ST", "APT 3", 1)]),
    # Same-surname neighbours in one building.
    ("000900005", "DAVID", "", "CHEN", "", "1984-02-02", [("200 ELM ST", "APT 2", 2)]),
    ("000900006", "DANIEL", "", "CHEN", "", "1986-09-09", [("200 ELM ST", "APT 5", 2)]),
    # Father and son, living apart; the son files at 77 MAPLE DR.
    ("000900007", "ROBERT", "", "KING", "", "1955-05-05", [("9 BIRCH RD", "", 3)]),
    ("000900008", "ROBERT", "", "KING", "JR", "1982-08-08", [("77 MAPLE DR", "", 3)]),
)


def build_world(directory: Path, fillers: int = 400, seed: int = 7) -> dict[str, dict[str, Any]]:
    """Write taxpayers.parquet and addresses.parquet; return taxpayers by TIN."""
    rng = random.Random(seed)
    people: list[dict[str, Any]] = []
    addresses: list[dict[str, Any]] = []
    for index in range(fillers):
        tin = f"000{100000 + index:06d}"
        people.append(
            {
                "tin": tin,
                "tin_type": "SSN",
                "given_name": rng.choice(GIVEN).title(),
                "middle_name": rng.choice(["", "", *GIVEN]).title(),
                "surname": rng.choice(SURNAMES).title(),
                "suffix": "",
                "date_of_birth": f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-"
                f"{rng.randint(1, 28):02d}",
            }
        )
        for spell in range(rng.choice([1, 1, 2, 3])):
            city, state, zip_code = rng.choice(CITIES)
            addresses.append(
                {
                    "tin": tin,
                    "street": f"{rng.randint(1, 999)} {rng.choice(STREETS).title()}",
                    "unit": rng.choice(["", "", "", f"Apt {rng.randint(1, 20)}"]),
                    "city": city.title(),
                    "state": state,
                    "zip": zip_code,
                    "first_year": 2015 + 3 * spell,
                    "last_year": 2017 + 3 * spell,
                }
            )
    for tin, given, middle, surname, suffix, dob, homes in CONFUSERS:
        people.append(
            {
                "tin": tin,
                "tin_type": "SSN",
                "given_name": given,
                "middle_name": middle,
                "surname": surname,
                "suffix": suffix,
                "date_of_birth": dob,
            }
        )
        for street, unit, city_index in homes:
            city, state, zip_code = CITIES[city_index]
            addresses.append(
                {
                    "tin": tin,
                    "street": street,
                    "unit": unit,
                    "city": city,
                    "state": state,
                    "zip": zip_code,
                    "first_year": 2018,
                    "last_year": 2024,
                }
            )
    pq.write_table(pa.Table.from_pylist(people), directory / "taxpayers.parquet")
    pq.write_table(pa.Table.from_pylist(addresses), directory / "addresses.parquet")
    return {person["tin"]: person for person in people}


def items_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Items with every contract column, empty where a row does not say."""
    return pa.Table.from_pylist(
        [{field: row.get(field, "") for field in ITEM_FIELDS} for row in rows],
        schema=pa.schema([(field, pa.string()) for field in ITEM_FIELDS]),
    )


def home_of(world: Path, tin: str) -> dict[str, str]:
    """The latest address on file for ``tin``, as item columns."""
    table = pq.read_table(world / "addresses.parquet").to_pylist()
    spells = sorted((row for row in table if row["tin"] == tin), key=lambda r: -r["last_year"])
    latest = spells[0]
    return {key: latest[key] for key in ("street", "unit", "city", "state", "zip")}


@pytest.fixture(scope="session")
def trained_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    world = tmp_path_factory.mktemp("identity-world")
    people = build_world(world)
    train_model(world)
    return world, people


def resolve(world: Path, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Resolve ``rows`` and return the result rows by item_id."""
    result = resolve_items(world, items_table(rows))
    return {row["item_id"]: row for row in result.to_pylist()}
