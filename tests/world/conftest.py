"""Small hand-made worlds with known household patterns, for request tests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from taxgate.world.io import ADDRESS_COLUMNS, TAXPAYER_COLUMNS

GIVEN = (
    "Jose", "Francisco", "Maria", "Guadalupe", "William", "Robert", "Ana", "Luis", "Carmen",
    "Elizabeth", "Wei", "Fatima", "Olga", "Kofi", "Daniel", "Samuel", "Rafael", "Ignacio",
)  # fmt: skip
SURNAMES = (
    "Garcia", "Lopez", "Perez", "Nguyen", "Smith", "Okafor", "Kowalski", "Garcia Lopez",
    "Hernandez-Cruz", "Chen", "Rossi", "Haddad", "Silva", "Martin", "Diaz", "Ramos",
)  # fmt: skip
STREETS = ("Elm St", "Main St", "Oak Ave", "Pine Rd", "Cedar Ln", "Maple Dr", "Lake Blvd")
CITIES = (("Reno", "NV", "89501"), ("Fresno", "CA", "93701"), ("Tucson", "AZ", "85701"))


@dataclass
class WorldBuilder:
    taxpayers: dict[str, list[object]] = field(
        default_factory=lambda: {c: [] for c in TAXPAYER_COLUMNS}
    )
    addresses: dict[str, list[object]] = field(
        default_factory=lambda: {c: [] for c in ADDRESS_COLUMNS}
    )
    serial: int = 0

    def person(
        self,
        given: str,
        surname: str,
        dob: str,
        *,
        suffix: str = "",
        middle: str = "",
        itin: bool = False,
    ) -> str:
        self.serial += 1
        # Never-issued ranges only: 000xxxxxx, or 9xx-7x-xxxx ITIN-like without dashes.
        tin = (
            f"9{self.serial % 100:02d}7{self.serial % 9}{self.serial:04d}"
            if itin
            else (f"000{self.serial:06d}")
        )
        row = (tin, "ITIN" if itin else "SSN", given, middle, surname, suffix, dob)
        for column, value in zip(self.taxpayers, row, strict=True):
            self.taxpayers[column].append(value)
        return tin

    def lives(self, tin: str, street: str, city: tuple[str, str, str], years: tuple[int, int],
              unit: str = "") -> None:  # fmt: skip
        row = (tin, street, unit, *city, *years)
        for column, value in zip(self.addresses, row, strict=True):
            self.addresses[column].append(value)

    def write(self, world: Path, fmt: str) -> Path:
        world.mkdir(parents=True, exist_ok=True)
        for name, columns in (("taxpayers", self.taxpayers), ("addresses", self.addresses)):
            table = pa.table(columns)
            if fmt == "parquet":
                pq.write_table(table, world / f"{name}.parquet")
            else:
                pacsv.write_csv(table, world / f"{name}.csv")
        return world


# Known households, checked by the tests.
FATHER_SON = ("Jose", "Garcia", "1958-03-04", "1986-07-15", "12 Elm St", CITIES[0])
TWINS = ("Ana", "Maria", "Lopez", "1990-05-06", "77 Oak Ave", CITIES[1])
NEIGHBOURS = ("Luis", "Carmen", "Perez", "400 Main St", CITIES[2])


def build_world(people: int = 600, seed: int = 11) -> WorldBuilder:
    rng = random.Random(seed)
    w = WorldBuilder()
    given, surname, old_dob, young_dob, street, city = FATHER_SON
    father = w.person(given, surname, old_dob, suffix="Sr")
    son = w.person(given, surname, young_dob, suffix="Jr")
    for tin in (father, son):
        w.lives(tin, street, city, (2018, 2024))
    a, b, surname, dob, street, city = TWINS
    for twin_given in (a, b):
        w.lives(w.person(twin_given, surname, dob), street, city, (2019, 2024))
    a, b, surname, street, city = NEIGHBOURS
    w.lives(w.person(a, surname, "1970-01-20"), street, city, (2017, 2024), unit="Apt 1")
    w.lives(w.person(b, surname, "1975-11-02"), street, city, (2017, 2024), unit="Apt 2")
    start = date(1940, 1, 1)
    for i in range(people):
        dob = "" if rng.random() < 0.1 else (start + timedelta(rng.randrange(24000))).isoformat()
        tin = w.person(rng.choice(GIVEN), rng.choice(SURNAMES), dob, itin=i % 7 == 0)
        moves = rng.choice((1, 1, 2, 3))
        year = 2010
        for _ in range(moves):
            house = rng.randrange(1, 9999)
            end = min(2024, year + rng.randrange(2, 7))
            w.lives(tin, f"{house} {rng.choice(STREETS)}", rng.choice(CITIES), (year, end))
            year = end + 1
    return w


@pytest.fixture(scope="session")
def households() -> dict[str, tuple[object, ...]]:
    """The known household patterns of ``small_world``."""
    return {"father_son": FATHER_SON, "twins": TWINS, "neighbours": NEIGHBOURS}


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Parquet world of ~600 filers with one father/son pair, twins and neighbours."""
    return build_world().write(tmp_path_factory.mktemp("world") / "w", "parquet")


@pytest.fixture(scope="session")
def small_world_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same world as CSV tables."""
    return build_world().write(tmp_path_factory.mktemp("world_csv") / "w", "csv")
