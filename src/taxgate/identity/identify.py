"""A batch's identity step: who each sufficient item names, in batch order.

Orchestrates the stage for ``pipeline.decide``: trains the world's model when none fits the
world as it is now, resolves only the items intake found sufficient, and lines the result up
with intake's findings, one row per item.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from taxgate.duck import connect
from taxgate.identity.resolve import resolve_items
from taxgate.identity.saved import model_is_current
from taxgate.identity.train import train_model
from taxgate.model import ITEM_COLUMNS, IntakeBatch
from taxgate.settings import Settings

MATCHES_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("intake", pa.list_(pa.string())),  # intake's reason codes
        ("identity", pa.list_(pa.string())),  # identity's; null when not looked up
        ("tin", pa.string()),  # the matched taxpayer; null unless matched
        ("match_probability", pa.float64()),
    ]
)


def identify(
    world: Path,
    batch: IntakeBatch,
    settings: Settings,
    *,
    engine: str = "duckdb",
    lookup: bool = True,
    progress: Callable[[str], None] = lambda _message: None,
) -> pa.Table:
    """Intake's findings and identity's, one row per item in batch order (``MATCHES_SCHEMA``).

    Only items intake found sufficient are matched, and none when ``lookup`` is false (the
    statute bars the whole request): looking a taxpayer up for a request the statute does
    not allow would itself be an inspection of return information (§7213A).
    """
    items = batch.items
    order = pa.array(range(items.num_rows), pa.int64())
    sufficient = pc.and_(pc.equal(pc.list_value_length(items["reasons"]), 0), lookup)
    raw = items.select(list(ITEM_COLUMNS)).filter(sufficient)
    if raw.num_rows:
        if not model_is_current(world):
            progress("no model trained on this world as it is now: training one")
            train_model(world, identity=settings.identity)
        found = resolve_items(
            world, raw, identity=settings.identity, engine=engine, progress=progress
        )
    else:
        found = pa.table(
            {
                "item_id": pa.array([], pa.string()),
                "reasons": pa.array([], pa.list_(pa.string())),
                "tin": pa.array([], pa.string()),
                "match_probability": pa.array([], pa.float64()),
            }
        )
    base = pa.table({"idx": order, "item_id": items["item_id"], "intake": items["reasons"]})
    con = connect()
    try:
        con.register("base", base)
        con.register("found", found)
        return con.sql(
            """
            SELECT b.item_id, b.intake, f.reasons AS identity, f.tin, f.match_probability
            FROM base b LEFT JOIN found f USING (item_id)
            ORDER BY b.idx
            """
        ).to_arrow_table()
    finally:
        con.close()
