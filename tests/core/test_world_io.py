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
