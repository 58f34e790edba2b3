"""``identity explain`` for an officer: the law's limits and the audit record around it.

Only an item intake finds sufficient is looked up: looking a taxpayer up for any other would
be an inspection without a lawful request (§7213A). The candidates shown are return
information, so each look is recorded in the ledger under the officer's name (IRS Pub. 1075),
as ``review show`` is; a chart written for an unrecorded look is removed.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from taxgate.errors import ForbiddenError, InputError
from taxgate.identity import explain_item
from taxgate.intake import load_request
from taxgate.ledger import Ledger
from taxgate.model import ITEM_COLUMNS
from taxgate.review.inspection import inspecting_officer, record_inspection


def explain_for_officer(
    ledger: Ledger,
    manifest: Path,
    item_id: str,
    world: Path,
    officer: str,
    *,
    chart: Path | None = None,
    candidates: int = 3,
    agencies: Path | None = None,
) -> pa.Table:
    """Per-comparison match weights of the best ``candidates`` for one sufficient item
    (``identity.explain_item``'s table), recorded as shown to ``officer``."""
    inspecting_officer(officer)  # before any world or model is opened
    request = load_request(manifest, agencies=agencies)
    chosen = request.items.filter(pc.equal(request.items["item_id"], item_id))
    if chosen.num_rows == 0:
        raise InputError(manifest, f"no item with item_id {item_id!r}", field="item_id")
    found = chosen["reasons"][0].as_py()
    if found:
        raise ForbiddenError(
            f"item {item_id} is not sufficient ({';'.join(found)}): no taxpayer is looked up "
            "for it (§7213A)"
        )
    table = explain_item(
        world,
        chosen.select(list(ITEM_COLUMNS)),
        item_id,
        chart=chart,
        candidates=candidates,
        source=str(manifest),
    )
    try:
        shown = table.column("tin").to_pylist()
        record_inspection(ledger, request.manifest.id, item_id, shown, officer, "identity explain")
    except BaseException:
        if chart is not None:
            chart.unlink(missing_ok=True)  # unrecorded, it must not be read either
        raise
    return table
