"""Tiny hand-made worlds and items for the 2025 baseline."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pytest

from taxgate.model import ITEM_COLUMNS
from taxgate.world.io import ADDRESS_COLUMNS, TAXPAYER_COLUMNS

Row = dict[str, str]
WorldFactory = Callable[[Sequence[Row], Sequence[Row]], Path]


def _write(path: Path, columns: Sequence[str], rows: Sequence[Row]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in columns})


@pytest.fixture
def make_world(tmp_path: Path) -> WorldFactory:
    """A CSV world from taxpayer and address rows (missing fields are empty)."""

    def build(taxpayers: Sequence[Row], addresses: Sequence[Row]) -> Path:
        world = tmp_path / "world"
        world.mkdir(exist_ok=True)
        _write(world / "taxpayers.csv", TAXPAYER_COLUMNS, taxpayers)
        _write(world / "addresses.csv", ADDRESS_COLUMNS, addresses)
        return world

    return build


def items_table(*rows: Row) -> pa.Table:
    """Items with every contract column; unnamed fields empty, ids numbered if absent."""
    filled = [
        {name: row.get(name, "") for name in ITEM_COLUMNS}
        | {"item_id": row.get("item_id", f"I{n}")}
        for n, row in enumerate(rows, start=1)
    ]
    return pa.table(
        {name: pa.array([r[name] for r in filled], pa.string()) for name in ITEM_COLUMNS}
    )
