"""``response.csv`` says provided or not-provided, only permitted fields, and never why."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxgate.duck import connect
from taxgate.release import (
    RESPONSE_COLUMNS,
    build_response,
    last_known_addresses,
    row_digests,
    write_response_csv,
)
from taxgate.release.response import write_csv
from taxgate.world.io import open_world

DECISION_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("outcome", pa.string()),
        ("reasons", pa.list_(pa.string())),
        ("tin", pa.string()),
        ("fields", pa.list_(pa.string())),
    ]
)
ADDRESSES = pa.table(
    {
        "tin": ["000110001", "000110002", "912701234"],
        "street": ["12 Elm St", "7 Oak Ave, Rear", '1 "Main" St'],
        "unit": ["Apt 2", "", ""],
        "city": ["Springfield", "Dayton", "Boston"],
        "state": ["IL", "OH", "MA"],
        "zip": ["62701", "45402", "02108"],
    }
)
TINS = [None, "000110001", "000110002", "912701234", "000119999"]  # last: no address on file
REASONS = [
    [],
    ["match.none"],
    ["match.ambiguous"],
    ["taxpayer.protected"],
    ["order.ctr-pi-2025-11-21", "request.statute"],
    ["request.no-address"],
]


def decisions(rows: list[tuple[str, str, list[str], str | None, list[str]]]) -> pa.Table:
    names = DECISION_SCHEMA.names
    return pa.Table.from_pylist(
        [dict(zip(names, row, strict=True)) for row in rows], DECISION_SCHEMA
    )


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def test_only_released_items_are_provided_and_only_permitted_fields(tmp_path: Path) -> None:
    table = build_response(
        decisions(
            [
                ("i1", "release", [], "000110001", ["address"]),
                ("i2", "withhold", ["taxpayer.protected"], "000110002", ["address"]),
                ("i3", "review", ["match.ambiguous"], "000110001", []),
                ("i4", "release", [], "912701234", ["zip"]),
                ("i5", "release", [], "000110002", ["income"]),
                ("i6", "release", [], "000119999", ["address"]),
            ]
        ),
        ADDRESSES,
    )
    assert table.column_names == list(RESPONSE_COLUMNS)
    rows = table.to_pylist()
    assert rows[0] == {
        "item_id": "i1",
        "status": "provided",
        "street": "12 Elm St",
        "unit": "Apt 2",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
    }
    empty = dict.fromkeys(("street", "unit", "city", "state", "zip"), "")
    assert rows[1] == {"item_id": "i2", "status": "not-provided", **empty}
    assert rows[2] == {"item_id": "i3", "status": "not-provided", **empty}
    assert rows[3] == {"item_id": "i4", "status": "provided", **empty, "zip": "02108"}
    assert rows[4] == {"item_id": "i5", "status": "provided", **empty}  # no address permitted
    assert rows[5] == {"item_id": "i6", "status": "provided", **empty}  # none on file
    write_response_csv(table, tmp_path / "response.csv")
    with (tmp_path / "response.csv").open(newline="", encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == rows


decision_rows = st.lists(
    st.tuples(
        st.sampled_from(["release", "withhold", "review"]),
        st.sampled_from(REASONS),
        st.sampled_from(TINS),
        st.sampled_from([[], ["address"], ["zip", "city"], ["income"]]),
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=decision_rows)
def test_no_reason_leaks_into_the_response(
    tmp_path: Path, rows: list[tuple[str, list[str], str | None, list[str]]]
) -> None:
    items = [(f"item-{i:04d}", *row) for i, row in enumerate(rows)]
    path = tmp_path / "response.csv"
    write_response_csv(build_response(decisions(items), ADDRESSES), path)
    lines = lines_of(path)
    assert lines[0] == ",".join(RESPONSE_COLUMNS) and lines[-1] == ""
    body = lines[1:-1]
    assert [line.split(",", 1)[0] for line in body] == [item[0] for item in items]  # order kept
    withheld = {
        line.split(",", 1)[1]
        for line, item in zip(body, items, strict=True)
        if item[1] != "release"
    }
    # Withheld for any reason, with or without a matched taxpayer: the same bytes.
    assert withheld <= {"not-provided,,,,,"}


def test_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out" / "response.csv"
    path.parent.mkdir()
    path.write_text("stale\n")
    table = build_response(decisions([("i1", "withhold", ["match.none"], None, [])]), ADDRESSES)
    write_response_csv(table, path)
    assert lines_of(path) == [",".join(RESPONSE_COLUMNS), "i1,not-provided,,,,,", ""]
    assert [p.name for p in path.parent.iterdir()] == ["response.csv"]


@pytest.fixture
def world(tmp_path: Path) -> Path:
    (tmp_path / "taxpayers.csv").write_text(
        "tin,tin_type,given_name,middle_name,surname,suffix,date_of_birth\n"
        "000110001,SSN,Ann,,Lee,,\n000110002,SSN,Bo,,Ruiz,,\n"
    )
    (tmp_path / "addresses.csv").write_text(
        "tin,street,unit,city,state,zip,first_year,last_year\n"
        "000110001,1 Old Rd,,Albany,NY,12207,2015,2019\n"
        "000110001,12 Elm St,Apt 2,Springfield,IL,62701,2020,2023\n"
        "000110001,9 Mid Ln,,Peoria,IL,61602,2018,2021\n"
        "000110002,7 Oak Ave,,Dayton,OH,00501,2019,2024\n"
    )
    return tmp_path


def test_last_known_address_is_the_latest_spell(world: Path) -> None:
    con = connect()
    open_world(con, world)
    found = last_known_addresses(con, pa.array(["000110001", "000110002", "000119999", None]))
    by_tin = {row["tin"]: row for row in found.to_pylist()}
    assert set(by_tin) == {"000110001", "000110002"}
    assert by_tin["000110001"]["street"] == "12 Elm St"
    assert by_tin["000110002"]["zip"] == "00501"


def test_decisions_in_several_chunks_keep_their_rows_apart() -> None:
    one = decisions([("i1", "withhold", ["match.none"], "000110001", ["address"])])
    two = decisions([("i2", "release", [], "000110002", ["address"])])
    rows = build_response(pa.concat_tables([one, two]), ADDRESSES).to_pylist()
    assert [(r["item_id"], r["status"], r["city"]) for r in rows] == [
        ("i1", "not-provided", ""),
        ("i2", "provided", "Dayton"),
    ]


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.booleans(), st.lists(st.text(max_size=6), min_size=5, max_size=5)),
        max_size=12,
    )
)
def test_each_provided_row_is_digested_as_exactly_what_it_sent(
    rows: list[tuple[bool, list[str]]],
) -> None:
    response = pa.table(
        {
            "item_id": pa.array([f"item-{i}" for i in range(len(rows))], pa.string()),
            "status": pa.array(["provided" if sent else "not-provided" for sent, _ in rows]),
            **{
                name: pa.array([values[k] for _, values in rows], pa.string())
                for k, name in enumerate(("street", "unit", "city", "state", "zip"))
            },
        }
    )
    expected = {
        f"item-{i}": hashlib.sha256("\x1f".join([f"item-{i}", *values]).encode()).hexdigest()
        for i, (sent, values) in enumerate(rows)
        if sent
    }
    assert row_digests(response) == expected


cell = st.none() | st.text(max_size=6) | st.sampled_from(["a,b", 'say "hi"', "two\nlines", "cr\rx"])


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    width=st.integers(1, 4),
    rows=st.lists(st.lists(cell, min_size=4, max_size=4), max_size=8),
)
def test_csv_files_are_written_exactly_as_pythons_csv_module_writes_them(
    tmp_path: Path, width: int, rows: list[list[str | None]]
) -> None:
    names = [f"c{i}" for i in range(width)]
    table = pa.table(
        {name: pa.array([row[i] for row in rows], pa.string()) for i, name in enumerate(names)}
    )
    write_csv(table, tmp_path / "out.csv")
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([["" if v is None else v for v in row[:width]] for row in rows])
    assert (tmp_path / "out.csv").read_bytes() == expected.getvalue().encode("utf-8")
