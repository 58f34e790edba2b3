"""The synthetic master file: contract, determinism, TINs, households, histories, CLI."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from taxgate.cli import app
from taxgate.errors import InputError, TaxgateError
from taxgate.world.generate import (
    ITIN_CAPACITY,
    SCRAMBLE,
    SSN_BLOCK,
    SSN_CAPACITY,
    generate_world,
)
from taxgate.world.generate import _tins as tins_for
from taxgate.world.io import open_world, table_path
from taxgate.world.names import NICKNAMES, nicknames_for, spelling_variants

SSN_RE = re.compile(r"^(000\d{6}|666\d{6}|9\d\d[0-4]\d{5})$")
ITIN_RE = re.compile(r"^9\d\d(7\d|8[0-8])\d{4}$")
SIZE = 20_000


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, taxpayers=SIZE, seed=11)
    return out


@pytest.fixture(scope="module")
def con(world: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    open_world(connection, world)
    connection.execute(
        f"CREATE VIEW households AS SELECT * FROM read_parquet('{world / 'households.parquet'}')"
    )
    return connection


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def test_tables_follow_the_contract(world: Path) -> None:
    taxpayers = pq.read_schema(world / "taxpayers.parquet")
    addresses = pq.read_schema(world / "addresses.parquet")
    assert taxpayers.names == [
        "tin", "tin_type", "given_name", "middle_name", "surname", "suffix", "date_of_birth",
        "protected",
    ]  # fmt: skip
    assert addresses.names == [
        "tin", "street", "unit", "city", "state", "zip", "first_year", "last_year",
    ]  # fmt: skip
    assert str(taxpayers.field("protected").type) == "bool"
    assert {str(addresses.field(c).type) for c in ("first_year", "last_year")} == {"int32"}
    assert all(str(taxpayers.field(c).type) == "string" for c in taxpayers.names[:-1])
    assert (world / "world.json").is_file()


def test_values_are_well_formed(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT count(*), count(DISTINCT tin) FROM taxpayers") == [(SIZE, SIZE)]
    bad_dob = (
        "date_of_birth IS NOT NULL AND NOT regexp_full_match(date_of_birth, '\\d{4}-\\d\\d-\\d\\d')"
    )
    assert rows(con, f"SELECT count(*) FROM taxpayers WHERE {bad_dob}") == [(0,)]
    missing = rows(con, "SELECT avg((date_of_birth IS NULL)::INT) FROM taxpayers")[0][0]
    assert 0.02 <= float(missing) <= 0.04
    bad_zip = "NOT regexp_full_match(zip, '\\d{5}')"
    assert rows(con, f"SELECT count(*) FROM addresses WHERE {bad_zip}") == [(0,)]
    assert rows(con, "SELECT count(*) FROM taxpayers WHERE given_name = '' OR surname = ''") == [
        (0,)
    ]
    assert rows(con, "SELECT count(*) FROM addresses WHERE tin NOT IN (SELECT tin FROM taxpayers)")[
        0
    ] == (0,)


def test_tins_are_unique_and_only_in_never_issued_ranges(con: duckdb.DuckDBPyConnection) -> None:
    found = rows(con, "SELECT tin, tin_type FROM taxpayers")
    for tin, kind in found:
        assert re.fullmatch(ITIN_RE if kind == "ITIN" else r"000\d{6}", str(tin)), (tin, kind)
    share = sum(kind == "ITIN" for _, kind in found) / len(found)
    assert 0.04 <= share <= 0.06


def test_scramble_multipliers_are_coprime_with_their_capacity() -> None:
    assert all(math.gcd(a, capacity) == 1 for capacity, a in SCRAMBLE.items())


@settings(max_examples=40, deadline=None)
@given(
    ssn_before=st.integers(0, SSN_CAPACITY - 1000),
    itin_before=st.integers(0, ITIN_CAPACITY - 1000),
    seed=st.integers(0, 2**32),
)
def test_tins_stay_in_range_across_the_overflow_areas(
    ssn_before: int, itin_before: int, seed: int
) -> None:
    is_itin = np.random.default_rng(seed).random(1000) < 0.4
    tins = tins_for(is_itin, ssn_before, itin_before, seed).to_pylist()
    assert len(set(tins)) == len(tins)
    for tin, itin in zip(tins, is_itin, strict=True):
        assert (ITIN_RE if itin else SSN_RE).fullmatch(tin), tin
        assert not (itin and SSN_RE.fullmatch(tin))


def test_ssn_areas_follow_the_filer_count() -> None:
    ssn = np.zeros(4, dtype=bool)
    assert [t[:3] for t in tins_for(ssn, SSN_BLOCK - 2, 0, 1).to_pylist()] == [
        "000", "000", "666", "666",
    ]  # fmt: skip
    high = tins_for(ssn, 2 * SSN_BLOCK - 2, 0, 1).to_pylist()
    assert [t[:3] for t in high[:2]] == ["666", "666"]
    assert all(t[0] == "9" and int(t[3:5]) <= 49 for t in high[2:])


def test_itin_share_follows_the_parameter(tmp_path: Path) -> None:
    summary = generate_world(tmp_path / "w", taxpayers=10_000, seed=3, itin_share=0.3)
    assert abs(summary.itin / summary.taxpayers - 0.3) < 0.03
    none = generate_world(tmp_path / "z", taxpayers=2_000, seed=3, itin_share=0.0)
    assert none.itin == 0


def test_same_seed_same_bytes_and_different_seed_differs(tmp_path: Path, world: Path) -> None:
    generate_world(tmp_path / "again", taxpayers=SIZE, seed=11)
    generate_world(tmp_path / "other", taxpayers=SIZE, seed=12)
    for name in ("taxpayers.parquet", "addresses.parquet"):
        assert (tmp_path / "again" / name).read_bytes() == (world / name).read_bytes()
        assert (tmp_path / "other" / name).read_bytes() != (world / name).read_bytes()


def test_junior_and_senior_share_name_and_address(con: duckdb.DuckDBPyConnection) -> None:
    pairs = rows(
        con,
        """
        SELECT j.tin, s.tin, tj.given_name = ts.given_name
               AND tj.surname = ts.surname
               AND tj.middle_name IS NOT DISTINCT FROM ts.middle_name,
               tj.suffix
        FROM households j JOIN households s ON j.household = s.household
        JOIN taxpayers tj ON tj.tin = j.tin JOIN taxpayers ts ON ts.tin = s.tin
        WHERE j.role = 'junior' AND s.role = 'senior'
        """,
    )
    assert len(pairs) > 50
    assert all(same for _, _, same, _ in pairs)
    assert {"Jr", "Jr.", "JR"} <= {suffix for *_, suffix in pairs}
    assert _share_an_address(con, [(a, b) for a, b, *_ in pairs]) == len(pairs)


def test_twins_share_birthday_and_address_but_not_given_name(
    con: duckdb.DuckDBPyConnection,
) -> None:
    twins = rows(
        con,
        """
        SELECT a.tin, b.tin, ta.date_of_birth, tb.date_of_birth, ta.given_name, tb.given_name,
               ta.surname = tb.surname
        FROM households a JOIN households b ON a.household = b.household AND a.tin < b.tin
        JOIN taxpayers ta ON ta.tin = a.tin JOIN taxpayers tb ON tb.tin = b.tin
        WHERE a.role = 'twin' AND b.role = 'twin'
        """,
    )
    assert len(twins) > 20
    for _, _, dob_a, dob_b, given_a, given_b, same_surname in twins:
        assert dob_a == dob_b or dob_a is None or dob_b is None
        assert str(given_a).casefold() != str(given_b).casefold()
        assert same_surname
    assert _share_an_address(con, [(a, b) for a, b, *_ in twins]) == len(twins)


def test_tenants_share_a_building_and_a_surname_in_different_units(
    con: duckdb.DuckDBPyConnection,
) -> None:
    buildings = rows(
        con,
        """
        WITH last AS (
            SELECT tin, street, unit, zip FROM addresses
            QUALIFY row_number() OVER (PARTITION BY tin ORDER BY last_year DESC) = 1
        )
        SELECT street, zip, count(*), count(DISTINCT unit), count(DISTINCT h.household),
               count(DISTINCT t.surname)
        FROM households h JOIN last USING (tin) JOIN taxpayers t USING (tin)
        WHERE h.role = 'tenant' GROUP BY street, zip HAVING count(*) > 1
        """,
    )
    assert len(buildings) > 50
    for _, _, tenants, units, households, surnames in buildings:
        assert units == tenants == households  # unrelated, each in their own unit
        assert surnames == 1


def test_spouses_share_an_address(con: duckdb.DuckDBPyConnection) -> None:
    pairs = rows(
        con,
        """
        SELECT h.tin, s.tin, th.surname = ts.surname FROM households h
        JOIN households s ON h.household = s.household AND s.role = 'spouse'
        JOIN taxpayers th ON th.tin = h.tin JOIN taxpayers ts ON ts.tin = s.tin
        WHERE h.role IN ('head', 'senior')
        """,
    )
    assert len(pairs) > 500
    assert _share_an_address(con, [(a, b) for a, b, _ in pairs]) == len(pairs)
    kept = sum(not same for *_, same in pairs) / len(pairs)
    assert 0.1 < kept < 0.6  # some keep their own surname, most do not


def _share_an_address(con: duckdb.DuckDBPyConnection, pairs: list[tuple[object, object]]) -> int:
    con.execute("CREATE OR REPLACE TEMP TABLE pairs (a VARCHAR, b VARCHAR)")
    con.executemany("INSERT INTO pairs VALUES (?, ?)", pairs)
    return int(
        rows(
            con,
            """
            SELECT count(DISTINCT (p.a, p.b)) FROM pairs p
            JOIN addresses x ON x.tin = p.a JOIN addresses y ON y.tin = p.b
            WHERE x.street = y.street AND x.zip = y.zip
              AND x.unit IS NOT DISTINCT FROM y.unit
              AND x.first_year <= y.last_year AND y.first_year <= x.last_year
            """,
        )[0][0]
    )


def test_most_people_live_alone_about_thirty_percent_do_not(con: duckdb.DuckDBPyConnection) -> None:
    share = rows(
        con,
        """
        SELECT avg((n > 1)::INT) FROM (
            SELECT count(*) OVER (PARTITION BY household) AS n FROM households)
        """,
    )[0][0]
    assert 0.25 < float(share) < 0.36


def test_address_histories_are_contiguous_with_one_last_known_address(
    con: duckdb.DuckDBPyConnection,
) -> None:
    gaps = rows(
        con,
        """
        SELECT count(*) FROM (
            SELECT first_year, lag(last_year) OVER (PARTITION BY tin ORDER BY first_year) AS prev
            FROM addresses) WHERE prev IS NOT NULL AND first_year <> prev + 1
        """,
    )
    assert gaps == [(0,)]
    assert rows(con, "SELECT count(*) FROM addresses WHERE first_year > last_year") == [(0,)]
    assert rows(con, "SELECT min(first_year), max(last_year) FROM addresses") == [(2012, 2024)]
    per_person = "SELECT count(*) n FROM addresses GROUP BY tin"
    spells = {n for (n,) in rows(con, f"SELECT DISTINCT n FROM ({per_person})")}
    assert {1, 2, 3, 4} <= spells
    units = {
        u for (u,) in rows(con, "SELECT DISTINCT regexp_extract(unit, '^\\D+') FROM addresses")
    }
    assert {"Apt ", "APT ", "# ", "Unit "} <= units


def test_csv_and_parquet_load_identically(tmp_path: Path) -> None:
    generate_world(tmp_path / "p", taxpayers=3_000, seed=5)
    generate_world(tmp_path / "c", taxpayers=3_000, seed=5, fmt="csv")
    assert table_path(tmp_path / "c", "taxpayers").suffix == ".csv"
    contents = []
    for name in ("p", "c"):
        con = duckdb.connect()
        open_world(con, tmp_path / name)
        contents.append(
            (
                rows(
                    con,
                    "SELECT tin, given_name, middle_name, surname, suffix, date_of_birth, "
                    "lower(protected::VARCHAR) FROM taxpayers ORDER BY tin",
                ),
                rows(
                    con,
                    "SELECT tin, street, unit, city, state, zip, first_year::INT, "
                    "last_year::INT FROM addresses ORDER BY tin, first_year",
                ),
            )
        )
    assert contents[0] == contents[1]


def test_regenerating_in_another_format_replaces_the_tables(tmp_path: Path) -> None:
    generate_world(tmp_path, taxpayers=500, seed=1)
    generate_world(tmp_path, taxpayers=400, seed=1, fmt="csv")
    assert not list(tmp_path.glob("*.parquet"))
    assert table_path(tmp_path, "taxpayers").suffix == ".csv"


def test_a_crash_leaves_no_table_that_looks_complete(tmp_path: Path) -> None:
    def crash(done: int, total: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        generate_world(tmp_path, taxpayers=1_000, seed=1, progress=crash)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("taxpayers", "share"), [(0, 0.05), (-5, 0.05), (10, -0.1), (10, 1.5), (10, float("nan"))]
)
def test_bad_arguments_are_refused(tmp_path: Path, taxpayers: int, share: float) -> None:
    with pytest.raises(TaxgateError):
        generate_world(tmp_path / "w", taxpayers=taxpayers, seed=1, itin_share=share)


def test_a_foreign_directory_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"notes\.txt"):
        generate_world(tmp_path, taxpayers=10, seed=1)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_cli_writes_a_world(tmp_path: Path) -> None:
    args = ["world", "generate", "-n", "2000", "--seed", "4", "--out", str(tmp_path / "w")]
    result = CliRunner().invoke(app, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w" / "taxpayers.csv").is_file()
    assert (tmp_path / "w" / "addresses.csv").is_file()
    refused = CliRunner().invoke(app, ["world", "generate", "-n", "0", "--out", str(tmp_path)])
    assert isinstance(refused.exception, TaxgateError)


def test_cli_bad_argument_is_one_line_on_stderr(tmp_path: Path) -> None:
    args = ["world", "generate", "-n", "10", "--itin-share", "2", "--out", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "taxgate", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    # Exactly one line: a progress bar must not leave a blank line before the error.
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "--itin-share" in lines[0], repr(done.stderr)


def test_nickname_and_variant_tables() -> None:
    assert len(NICKNAMES) >= 60
    assert {"Bill", "Will", "Billy"} <= set(NICKNAMES["William"])
    assert "Paco" in nicknames_for("Francisco") and "Lupe" in nicknames_for("Guadalupe")
    assert "Pepe" in nicknames_for("Jose")  # accents do not hide a nickname
    assert {"Alhassan", "Al Hassan"} <= set(spelling_variants("Al-Hassan"))
    assert "Delacruz" in spelling_variants("Dela Cruz")


def test_names_look_like_the_populations(con: duckdb.DuckDBPyConnection) -> None:
    surnames = [s for (s,) in rows(con, "SELECT surname FROM taxpayers")]
    counts: dict[str, int] = {}
    for surname in surnames:
        counts[surname] = counts.get(surname, 0) + 1
    top = sorted(counts, key=counts.__getitem__, reverse=True)[:20]
    assert {"Smith", "Nguyen"} <= set(top)  # Zipf head, and a concentrated population
    everything = " ".join(surnames)
    assert any(ch in everything for ch in "áéíóúñ")  # some keep their accents
    assert re.search(r"\b(Garcia|García)[ -]\w", everything)  # compound Hispanic surnames
    assert "Jean-Baptiste" in counts or "Jean Baptiste" in counts
