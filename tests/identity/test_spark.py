"""The same model and decision rule on Spark (pyspark local mode) as on DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from taxgate.identity import resolve_items
from taxgate.identity.engine import spark_available

from .conftest import home_of, items_table

pytestmark = pytest.mark.skipif(not spark_available(), reason="pyspark is not installed")


def test_spark_engine_gives_the_duckdb_outcomes(trained_world: tuple[Path, Any]) -> None:
    world, people = trained_world
    rows = []
    for tin in ("000100001", "000100002", "000900001", "000900002", "000900008"):
        person = people[tin]
        rows.append(
            {
                "item_id": tin,
                "given_name": person["given_name"],
                "surname": person["surname"],
                "date_of_birth": person["date_of_birth"],
                **home_of(world, tin),
            }
        )
    rows.append({"item_id": "ghost", "given_name": "Zebulon", "surname": "Quackenbush"})
    items = items_table(rows)
    on_duckdb = resolve_items(world, items).to_pylist()
    on_spark = resolve_items(world, items, engine="spark").to_pylist()
    assert [(r["item_id"], r["outcome"], r["tin"]) for r in on_spark] == [
        (r["item_id"], r["outcome"], r["tin"]) for r in on_duckdb
    ]
    for spark_row, duck_row in zip(on_spark, on_duckdb, strict=True):
        if duck_row["match_probability"] is not None:
            assert spark_row["match_probability"] == pytest.approx(duck_row["match_probability"])
