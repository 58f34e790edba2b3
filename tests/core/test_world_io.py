"""Reading a world directory in either format (contracts.md §1)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from taxgate.duck import connect
from taxgate.errors import InputError
from taxgate.world.io import ADDRESS_COLUMNS, TAXPAYER_COLUMNS, open_world

TAXPAYER = {
    "tin": ["000123456"],
    "tin_type": ["SSN"],
    "given_name": ["Ana"],
    "middle_name": [""],
    "surname": ["Lopez"],
    "suffix": [""],
    "date_of_birth": ["1980-02-03"],
}
ADDRESS = {
    "tin": ["000123456"],
    "street": ["12 Elm St"],
    "unit": [""],
    "city": ["Reno"],
    "state": ["NV"],
    "zip": ["00501"],
    "first_year": [2019],
    "last_year": [2024],
}


def write(world: Path, fmt: str, taxpayers: dict[str, list[object]]) -> None:
    world.mkdir(exist_ok=True)
    for name, columns in (("taxpayers", taxpayers), ("addresses", ADDRESS)):
        table = pa.table(columns)
        if fmt == "parquet":
            pq.write_table(table, world / f"{name}.parquet")
        else:
            pacsv.write_csv(table, world / f"{name}.csv")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_either_format_loads_with_leading_zeros_intact(tmp_path: Path, fmt: str) -> None:
    write(tmp_path / "w", fmt, TAXPAYER)
    con = connect()
    open_world(con, tmp_path / "w")
    assert con.execute("SELECT tin, surname FROM taxpayers").fetchall() == [("000123456", "Lopez")]
    assert con.execute("SELECT zip FROM addresses").fetchall() == [("00501",)]
    assert set(TAXPAYER_COLUMNS) <= {row[0] for row in con.execute("DESCRIBE taxpayers").fetchall()}
    assert set(ADDRESS_COLUMNS) <= {row[0] for row in con.execute("DESCRIBE addresses").fetchall()}


def test_missing_table_names_the_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no taxpayers\.parquet or taxpayers\.csv"):
        open_world(connect(), tmp_path)


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    broken = {key: value for key, value in TAXPAYER.items() if key != "surname"}
    write(tmp_path / "w", "csv", broken)
    with pytest.raises(InputError) as caught:
        open_world(connect(), tmp_path / "w")
    assert "taxpayers.csv" in str(caught.value)
    assert "'surname'" in str(caught.value)


def test_integer_codes_in_parquet_get_their_leading_zeros_back(tmp_path: Path) -> None:
    """A master file exported with TIN and ZIP as integers: 000123456 became 123456. Taken as
    written, no item's TIN would match it and the accounting would miss the taxpayer."""
    world = tmp_path / "w"
    world.mkdir()
    pq.write_table(
        pa.table({**TAXPAYER, "tin": pa.array([123456], pa.int64())}), world / "taxpayers.parquet"
    )
    address = {**ADDRESS, "tin": pa.array([123456], pa.int64()), "zip": pa.array([501], pa.int32())}
    pq.write_table(pa.table(address), world / "addresses.parquet")
    con = connect()
    open_world(con, world)
    assert con.execute("SELECT tin FROM taxpayers").fetchall() == [("000123456",)]
    assert con.execute("SELECT tin, zip FROM addresses").fetchall() == [("000123456", "00501")]


def test_a_code_stored_as_a_fraction_is_refused(tmp_path: Path) -> None:
    world = tmp_path / "w"
    world.mkdir()
    pq.write_table(pa.table({**TAXPAYER, "tin": pa.array([123456.0])}), world / "taxpayers.parquet")
    pq.write_table(pa.table(ADDRESS), world / "addresses.parquet")
    with pytest.raises(InputError, match=r"taxpayers\.parquet, field 'tin': is DOUBLE"):
        open_world(connect(), world)
