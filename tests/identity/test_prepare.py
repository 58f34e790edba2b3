"""The world is prepared only for the taxpayers a request can be compared with, and that
must change nothing: the same candidate pairs, with the same weights, as the whole world."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import cast

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from taxgate.duck import connect
from taxgate.errors import TaxgateError
from taxgate.identity.engine import Backend
from taxgate.identity.prepare import (
    _aggregate_in_chunks,
    blocking_agreement_sql,
    prepare_items,
    prepare_world,
    prepare_world_for_items,
    prepare_world_sample,
)
from taxgate.identity.resolve import (
    DECIDING_COMPARISONS,
    build_linker,
    gamma_readback_sql,
    score_candidates,
)
from taxgate.identity.saved import load_model
from taxgate.identity.train import train_model
from taxgate.settings import load_settings
from taxgate.world.generate import generate_world
from taxgate.world.io import open_world
from taxgate.world.request import generate_request

Pairs = set[tuple[str, str, float]]


@pytest.fixture(scope="module")
def world_and_items(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pa.Table]:
    root = tmp_path_factory.mktemp("prepare")
    world = root / "world"
    generate_world(world, taxpayers=4000, seed=5)
    train_model(world)
    request = root / "request"
    generate_request(world, request, kind="mixed", size=400, seed=3)
    with (request / "items.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = list(rows[0])
    rows.extend(_reachable_by_one_rule(world, rows[0]))
    items = pa.Table.from_pylist(rows, schema=pa.schema([(n, pa.string()) for n in names]))
    return world, items


def _reachable_by_one_rule(world: Path, template: dict[str, str]) -> list[dict[str, str]]:
    """Items that only one blocking rule can pair with their taxpayer: both names misspelt
    (DOB and a ZIP on file), a new surname without a DOB (house, street and the given name),
    and a surname misspelt after its first letter at an address not on file (given name,
    DOB and the surname's initial)."""
    con = duckdb.connect()
    person = con.execute(
        f"""SELECT t.given_name, t.surname, t.date_of_birth::VARCHAR, a.street, a.city, a.state,
                   a.zip::VARCHAR
            FROM '{world / "taxpayers.parquet"}' t JOIN '{world / "addresses.parquet"}' a
              USING (tin)
            WHERE t.date_of_birth IS NOT NULL AND length(t.given_name) > 4
              AND length(t.surname) > 4 AND regexp_matches(a.street, '^[0-9]+ ')
            ORDER BY t.tin LIMIT 1"""
    ).fetchall()[0]
    con.close()
    given, surname, dob, street, city, state, zip_code = person
    blank = dict.fromkeys(template, "")
    both_misspelt = blank | {
        "item_id": "only-dob-and-zip",
        "given_name": given[:-1] + ("X" if given[-1].upper() != "X" else "Y"),
        "surname": surname[:-1] + ("X" if surname[-1].upper() != "X" else "Y"),
        "date_of_birth": dob,
        "street": "1 Unknown Rd",
        "city": city,
        "state": state,
        "zip": zip_code,
    }
    new_surname = blank | {
        "item_id": "only-building-and-given-name",
        "given_name": given,
        "surname": "Quixby" if not surname.upper().startswith("Q") else "Zebrowski",
        "street": street,
        "city": city,
        "state": state,
        "zip": zip_code,
    }
    surname_misspelt_elsewhere = blank | {
        "item_id": "only-given-dob-and-surname-initial",
        "given_name": given,
        "surname": surname[:2] + "zz" + surname[2:],
        "date_of_birth": dob,
        "street": "1 Unknown Rd",
        "city": "Nowhere",
        "state": state,
        "zip": "00001",
    }
    return [both_misspelt, new_surname, surname_misspelt_elsewhere]


def _scored(
    world: Path, items: pa.Table, prepare: Callable[[duckdb.DuckDBPyConnection], int]
) -> tuple[Pairs, int]:
    rows, world_rows = _candidates(world, items, prepare=prepare)
    return {(str(r[0]), str(r[1]), round(float(str(r[2])), 9)) for r in rows}, world_rows


@pytest.mark.parametrize(
    "chosen",
    [
        "the whole request",
        "only-dob-and-zip",
        "only-building-and-given-name",
        "only-given-dob-and-surname-initial",
    ],
)
def test_restricting_the_world_to_a_requests_candidates_changes_no_pair(
    world_and_items: tuple[Path, pa.Table], chosen: str
) -> None:
    world, items = world_and_items
    if chosen != "the whole request":
        # Alone, so that no other item brings the taxpayer into the restricted world.
        items = items.filter(pc.equal(items.column("item_id"), chosen))
    whole, whole_rows = _scored(world, items, prepare_world)
    restricted, restricted_rows = _scored(world, items, prepare_world_for_items)
    assert whole, "the request must produce candidate pairs for the comparison to mean much"
    assert restricted == whole
    assert restricted_rows < whole_rows


def test_training_sample_has_the_size_asked_and_the_whole_world_counted(
    world_and_items: tuple[Path, pa.Table],
) -> None:
    world, _ = world_and_items
    con = connect()
    try:
        open_world(con, world)
        total = prepare_world_sample(con, 500, seed=9)
        sampled = con.execute("SELECT count(*), count(DISTINCT uid) FROM tg_world").fetchall()
        history_uids = con.execute("SELECT count(DISTINCT uid) FROM tg_history").fetchall()
        frequencies = con.execute("SELECT sum(tf_given) FROM tg_tf_given").fetchall()
    finally:
        con.close()
    assert total == 4000
    assert sampled == [(500, 500)]
    assert history_uids[0][0] <= 500
    # Term frequencies come from every taxpayer, not the sample: they sum to the share of
    # taxpayers with a given name.
    assert frequencies[0][0] == pytest.approx(1.0, abs=0.01)


def _candidates(
    world: Path,
    items: pa.Table,
    *,
    prepare: Callable[[duckdb.DuckDBPyConnection], int] = prepare_world_for_items,
    readback: bool = False,
    per_chunk: int | None = None,
) -> tuple[list[tuple[object, ...]], int]:
    """``tg_candidates`` (item, tin, weights, levels), and how many taxpayers were prepared."""
    con = connect()
    try:
        open_world(con, world)
        count = prepare_items(con, items)
        prepare(con)
        world_rows = int(con.execute("SELECT count(*) FROM tg_world").fetchall()[0][0])
        backend = Backend(con, "duckdb")
        sql = gamma_readback_sql(load_model(world)) if readback else None
        assert (sql is not None) == readback
        linker = build_linker(backend, world, matching_columns=not readback)
        identity = load_settings().identity
        if per_chunk is not None:
            identity = dataclasses.replace(identity, items_per_chunk=per_chunk)
        score_candidates(backend, linker, count, identity, sql)
        rows = con.execute("SELECT * FROM tg_candidates ORDER BY item_id, tin").fetchall()
        return rows, world_rows
    finally:
        con.close()


def test_levels_read_back_from_weights_are_splinks_own_levels(
    world_and_items: tuple[Path, pa.Table],
) -> None:
    """Resolving without matching columns reads each deciding level back from its weight;
    on every candidate pair it must be the level Splink computed, never NULL."""
    world, items = world_and_items
    direct, _ = _candidates(world, items, readback=False)
    read_back, _ = _candidates(world, items, readback=True)
    assert len(direct) > 100
    assert read_back == direct
    levels = {row[5 + i] for row in read_back for i in range(len(DECIDING_COMPARISONS))}
    assert None not in levels


def test_levels_of_equal_weight_cannot_be_read_back(world_and_items: tuple[Path, pa.Table]) -> None:
    world, _ = world_and_items
    model = load_model(world)
    assert gamma_readback_sql(model) is not None
    middle = next(c for c in model["comparisons"] if c["output_column_name"] == "middle")
    exact, initial = [lv for lv in middle["comparison_levels"] if not lv.get("is_null_level")][:2]
    initial["m_probability"], initial["u_probability"] = (
        exact["m_probability"],
        exact["u_probability"],
    )
    assert gamma_readback_sql(model) is None
    # A level whose m equals its u weighs 0 bits, like a missing value.
    initial["m_probability"] = initial["u_probability"]
    assert gamma_readback_sql(model) is None


def test_scoring_in_chunks_of_items_gives_the_same_candidates(
    world_and_items: tuple[Path, pa.Table],
) -> None:
    world, items = world_and_items
    whole, _ = _candidates(world, items, readback=True)
    chunked, _ = _candidates(world, items, readback=True, per_chunk=150)
    assert len(whole) > 100
    assert [row[:2] for row in chunked] == [row[:2] for row in whole]
    assert [round(float(str(row[2])), 9) for row in chunked] == [
        round(float(str(row[2])), 9) for row in whole
    ]


class _TightMemory:
    """A connection whose list aggregations run out of memory in fewer than four chunks."""

    def __init__(self) -> None:
        self.real = duckdb.connect()
        self.failed = 0

    def execute(self, sql: str) -> duckdb.DuckDBPyConnection:
        if "-- chunks=1 " in sql or "-- chunks=2 " in sql:
            self.failed += 1
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return self.real.execute(sql)


def test_world_rows_are_split_further_when_memory_runs_out() -> None:
    con = _TightMemory()

    def build(chunk: int, chunks: int) -> str:
        verb = "CREATE TABLE tg_world AS" if chunk == 0 else "INSERT INTO tg_world"
        return f"{verb} SELECT range AS uid FROM range(100) WHERE range % {chunks} = {chunk}" + (
            f" -- chunks={chunks} " if chunk == chunks - 1 else ""
        )

    chunks = _aggregate_in_chunks(cast(duckdb.DuckDBPyConnection, con), 10, build)
    assert chunks == 4
    assert con.failed == 2
    # The failed attempts left nothing behind: every taxpayer once.
    assert con.real.execute("SELECT count(*), count(DISTINCT uid) FROM tg_world").fetchall() == [
        (100, 100)
    ]


def test_memory_that_never_suffices_is_a_clear_error() -> None:
    class _NoMemory(_TightMemory):
        def execute(self, sql: str) -> duckdb.DuckDBPyConnection:
            if sql.startswith("DROP"):
                return self.real.execute(sql)
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    with pytest.raises(TaxgateError, match=r"memory_limit under \[duckdb\]"):
        _aggregate_in_chunks(
            cast(duckdb.DuckDBPyConnection, _NoMemory()), 10, lambda chunk, chunks: "SELECT 1"
        )


def test_blocking_agreement_names_exactly_the_pairs_splink_scores(
    world_and_items: tuple[Path, pa.Table],
) -> None:
    """The benchmark measures blocking recall with this predicate, so it must be Splink's."""
    world, items = world_and_items
    con = connect()
    try:
        open_world(con, world)
        prepare_items(con, items)
        prepare_world(con)
        agreeing = con.execute(
            f"""SELECT i.uid, w.uid FROM tg_items i, tg_world w
                WHERE {blocking_agreement_sql("i", "w")}"""
        ).fetchall()
        backend = Backend(con, "duckdb")
        predictions = build_linker(backend, world).inference.predict(warning_mode="never")
        scored = con.execute(
            f"""SELECT CASE WHEN source_dataset_l = 'items' THEN uid_l ELSE uid_r END,
                       CASE WHEN source_dataset_l = 'items' THEN uid_r ELSE uid_l END
                FROM {predictions.physical_name}"""
        ).fetchall()
    finally:
        con.close()
    assert len(scored) > 100
    assert set(agreeing) == set(scored)
