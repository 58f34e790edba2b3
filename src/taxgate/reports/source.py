"""What every report reads: a signed tree head, the batch records under it, and its item
decisions and verdicts scanned into DuckDB a chunk at a time.

A report is computed from one signed tree head and names it, so every figure can be traced
to the entries that tree commits to: entries recorded after the head are not read. Batches
come from their typed records (``ledger.batches.batch_records``); item entries are never
decoded one by one in Python: each chunk of canonical JSON goes to DuckDB, which reads the
fields with ``json_transform`` and keeps only what the report aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from taxgate.duck import connect
from taxgate.intake.agencies import canonical_basis
from taxgate.ledger import Ledger, TreeHead
from taxgate.ledger.batches import batch_records
from taxgate.ledger.scan import batch_chunks, prefetched, store_chunks
from taxgate.model import BatchRecord
from taxgate.settings import DuckDBSettings, load_settings

ITEM_KINDS = ("decision", "verdict")
# The fields of a decision or verdict entry a report reads (ledger.entries.Entry.to_json).
ENTRY_JSON = (
    '{"kind":"VARCHAR","batch":"VARCHAR","item":"VARCHAR","subject":"VARCHAR",'
    '"outcome":"VARCHAR","reasons":["VARCHAR"],"rules":["VARCHAR"],"as_of":"DATE"}'
)
# The current chunk's entries as columns; ``chunk`` is re-registered for each chunk.
ITEMS_VIEW = f"""
CREATE OR REPLACE TEMP VIEW items AS
SELECT idx, e.kind, e.batch, e.item, e.subject, e.outcome,
       coalesce(e.reasons, []::VARCHAR[]) AS reasons, coalesce(e.rules, []::VARCHAR[]) AS rules,
       e.as_of
FROM (SELECT idx, json_transform(body, '{ENTRY_JSON}') AS e FROM chunk)
"""


@dataclass(frozen=True)
class Snapshot:
    """The signed tree head a report is computed from, and the batches recorded under it."""

    head: TreeHead
    records: tuple[BatchRecord, ...]

    def in_period(self, start: date, end: date) -> tuple[BatchRecord, ...]:
        return tuple(r for r in self.records if start <= r.as_of <= end)


def snapshot(ledger: Ledger) -> Snapshot:
    head = ledger.head()
    records = tuple(r for r in batch_records(ledger) if r.index < head.size)
    return Snapshot(head, records)


def batches_table(records: Sequence[BatchRecord]) -> pa.Table:
    """One row per batch: what its release entry records about the request it answered."""
    return pa.table(
        {
            "batch": pa.array([r.batch for r in records], pa.string()),
            "request": pa.array([r.request for r in records], pa.string()),
            "batch_as_of": pa.array([r.as_of for r in records], pa.date32()),
            "recipient": pa.array([r.recipient.upper() for r in records], pa.string()),
            "purpose": pa.array([r.terms.purpose for r in records], pa.string()),
            "basis": pa.array([canonical_basis(r.terms.basis) for r in records], pa.string()),
            "fields": pa.array([list(r.terms.fields) for r in records], pa.list_(pa.string())),
            "orders_in_force": pa.array(
                [list(r.orders_in_force) for r in records], pa.list_(pa.string())
            ),
            "release_entry": pa.array([r.index for r in records], pa.int64()),
        }
    )


def report_connection(records: Sequence[BatchRecord]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection, memory-bounded for reports, holding the ``batches`` table."""
    settings = load_settings()
    con = connect(DuckDBSettings(settings.reports.memory_limit, settings.duckdb.threads))
    con.register("batches_arrow", batches_table(records))
    con.execute("CREATE TABLE batches AS SELECT * FROM batches_arrow")
    con.unregister("batches_arrow")
    return con


def scan_items(
    ledger: Ledger,
    head: TreeHead,
    con: duckdb.DuckDBPyConnection,
    insert_sql: str,
    params: dict[str, Any] | None = None,
    batches: Sequence[str] | None = None,
    outcome: str = "",
) -> None:
    """Run ``insert_sql`` (an INSERT reading the ``items`` view) over every decision and
    verdict entry under ``head`` (only those of ``batches``, and with ``outcome``, when given),
    a chunk at a time."""
    chunks = (
        store_chunks(ledger.store, head.size, ITEM_KINDS)
        if batches is None
        else batch_chunks(ledger.store, batches, head.size, ITEM_KINDS, outcome)
    )
    for chunk in prefetched(chunks):
        con.register("chunk", chunk)
        con.execute(ITEMS_VIEW)
        con.execute(insert_sql, params or {})
        con.unregister("chunk")
