"""Why an item matched (or did not): per-comparison match weights, as a table and a chart.

For one item, the top candidates (best and rivals) each get one row per comparison: the
level reached, its match weight in bits (log2 Bayes factor, term-frequency adjustment
included) and, in words, the typo the level accepted (``typos.py``), plus a ``prior`` row
and a ``total`` row. The waterfall chart is Splink's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from taxgate.duck import connect
from taxgate.errors import InputError
from taxgate.files import SHARED, write_atomically
from taxgate.identity.engine import Backend
from taxgate.identity.prepare import prepare_items, prepare_world_for_items
from taxgate.identity.resolve import build_linker
from taxgate.identity.saved import load_model
from taxgate.identity.typos import accepted
from taxgate.world.io import open_world

EXPLANATION_SCHEMA = pa.schema(
    [
        ("rank", pa.int32()),  # 1 = best candidate
        ("tin", pa.string()),  # the candidate taxpayer
        ("comparison", pa.string()),  # given, middle, surname, ..., prior, total
        ("level", pa.string()),  # the level reached (label), or the probability for total
        ("item_value", pa.string()),
        ("taxpayer_value", pa.string()),
        ("match_weight", pa.float64()),  # bits; positive favours a match
        ("accepted", pa.string()),  # the typo the level accepted, in words ('' for none)
    ]
)


def _labels(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    labels: dict[str, dict[int, str]] = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        named: dict[int, str] = {}
        gamma = len([lv for lv in levels if not lv.get("is_null_level")]) - 1
        for level in levels:
            if level.get("is_null_level"):
                named[-1] = str(level.get("label_for_charts", "missing"))
            else:
                named[gamma] = str(level.get("label_for_charts", ""))
                gamma -= 1
        labels[comparison["output_column_name"]] = named
    return labels


_VALUE_COLUMN = {"surname": "surname_key", "address": "addr_street"}
# What the typo description reads: every part of each address (``address.py``).
_COMPARED_COLUMN = {"address": "addr_parts"}


def _rows(
    record: dict[str, Any], rank: int, labels: dict[str, dict[int, str]], prior_weight: float
) -> list[dict[str, Any]]:
    item_side = "l" if record["source_dataset_l"] == "items" else "r"
    world_side = "r" if item_side == "l" else "l"
    tin = record[f"uid_{world_side}"]
    rows = [
        {
            "rank": rank,
            "tin": tin,
            "comparison": "prior",
            "level": "",
            "item_value": None,
            "taxpayer_value": None,
            "match_weight": prior_weight,
            "accepted": "",
        }
    ]
    for name, named in labels.items():
        gamma = int(record[f"gamma_{name}"])
        weight = float(record[f"mw_{name}"] or 0.0) + float(record.get(f"mw_tf_adj_{name}") or 0.0)
        column = _VALUE_COLUMN.get(name, name)
        level = named.get(gamma, str(gamma))
        compared = _COMPARED_COLUMN.get(name, column)
        rows.append(
            {
                "rank": rank,
                "tin": tin,
                "comparison": name,
                "level": level,
                "item_value": _text(record.get(f"{column}_{item_side}")),
                "taxpayer_value": _text(record.get(f"{column}_{world_side}")),
                "match_weight": weight,
                "accepted": accepted(
                    name,
                    level,
                    record.get(f"{compared}_{item_side}"),
                    record.get(f"{compared}_{world_side}"),
                ),
            }
        )
    rows.append(
        {
            "rank": rank,
            "tin": tin,
            "comparison": "total",
            "level": f"p = {record['match_probability']:.6f}",
            "item_value": None,
            "taxpayer_value": None,
            "match_weight": float(record["match_weight"]),
            "accepted": "",
        }
    )
    return rows


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        # Sorted: the world's address arrays carry no order, and a reviewer comparing two
        # runs of the same explanation must see the same text.
        return "; ".join(sorted(str(v) for v in value))
    return str(value)


def explain_item(
    world: Path,
    items: pa.Table,
    item_id: str,
    *,
    chart: Path | None = None,
    candidates: int = 3,
    source: str = "items",
) -> pa.Table:
    """Match weights of the top ``candidates`` for ``item_id``; optionally write the
    waterfall chart as HTML to ``chart``. Uses the saved model; never retrains."""
    model = load_model(world)
    mask = pc.equal(items.column("item_id").cast(pa.string()), item_id)
    chosen = items.filter(mask)
    if chosen.num_rows == 0:
        raise InputError(source, f"no item with item_id {item_id!r}", field="item_id")
    con = connect()
    try:
        open_world(con, world)
        prepare_items(con, chosen, source=source)
        prepare_world_for_items(con)
        linker = build_linker(Backend(con, "duckdb"), world)
        predictions = linker.inference.predict(warning_mode="never")
        records = con.execute(
            f"SELECT * FROM {predictions.physical_name} "
            f"ORDER BY match_weight DESC LIMIT {int(candidates)}"
        ).fetchall()
        names = [d[0] for d in con.description or []]
        dicts = [dict(zip(names, row, strict=True)) for row in records]
        prior = float(model["probability_two_random_records_match"])
        from math import log2

        prior_weight = log2(prior / (1 - prior))
        labels = _labels(model)
        rows = [
            row
            for rank, rec in enumerate(dicts, 1)
            for row in _rows(rec, rank, labels, prior_weight)
        ]
        if chart is not None and dicts:
            waterfall = linker.visualisations.waterfall_chart(dicts, filter_nulls=False)
            try:
                write_atomically(chart, waterfall.to_html().encode("utf-8"), mode=SHARED)
            except OSError as exc:
                raise InputError(chart, f"cannot write the chart: {exc.strerror}") from exc
        return pa.Table.from_pylist(rows, schema=EXPLANATION_SCHEMA)
    finally:
        con.close()
