"""Bulk reads of the log for reports and auditors: entries a chunk at a time, as Arrow tables.

A report over ten million entries must never hold them all as Python objects: each chunk is a
small Arrow table (``idx``, ``body``: the canonical JSON) that DuckDB aggregates with its JSON
functions, then drops. The same chunks come from the store (an index range read) or from an
export's ``entries.jsonl`` (what an outside auditor holds), so a replay reads either alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyarrow as pa
from sqlalchemy import Table, select

from taxgate.errors import InputError
from taxgate.ledger.merkle import CompactRange, leaf_hash
from taxgate.ledger.verify import ENTRIES_FILE
from taxgate.store import Store
from taxgate.store.models import LedgerEntry

ENTRIES = cast(Table, LedgerEntry.__table__)
CHUNK = 50_000
SCHEMA = pa.schema([pa.field("idx", pa.int64()), pa.field("body", pa.string())])


def store_chunks(
    store: Store, end: int, kinds: tuple[str, ...] = (), chunk: int = CHUNK
) -> Iterator[pa.Table]:
    """Entries ``0 .. end-1`` of ``store`` (only ``kinds`` when given), ``chunk`` at a time."""
    for start in range(0, end, chunk):
        query = select(ENTRIES.c.idx, ENTRIES.c.body).where(
            ENTRIES.c.idx >= start, ENTRIES.c.idx < min(start + chunk, end)
        )
        if kinds:
            query = query.where(ENTRIES.c.kind.in_(kinds))
        with store.engine.connect() as conn:
            rows = conn.execute(query.order_by(ENTRIES.c.idx)).all()
        if rows:
            idx, body = zip(*rows, strict=True)
            yield pa.table([pa.array(idx, pa.int64()), pa.array(body, pa.string())], SCHEMA)


def export_chunks(
    directory: Path, end: int | None = None, chunk: int = CHUNK
) -> Iterator[pa.Table]:
    """The first ``end`` entries of an export's ``entries.jsonl`` (line ``i`` is entry ``i``)."""
    path = directory / ENTRIES_FILE
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc
    with handle:
        index, bodies = 0, list[str]()
        for line in handle:
            if end is not None and index + len(bodies) >= end:
                break
            try:
                bodies.append(line.rstrip(b"\n").decode("utf-8"))
            except UnicodeDecodeError:
                raise InputError(path, "not UTF-8", row=index + len(bodies) + 1) from None
            if len(bodies) == chunk:
                yield _chunk(index, bodies)
                index, bodies = index + len(bodies), []
        if bodies:
            yield _chunk(index, bodies)


def _chunk(start: int, bodies: list[str]) -> pa.Table:
    idx = pa.array(range(start, start + len(bodies)), pa.int64())
    return pa.table([idx, pa.array(bodies, pa.string())], SCHEMA)


@dataclass
class Replay:
    """The Merkle tree rebuilt from the entries themselves, with its root at chosen sizes."""

    stops: tuple[int, ...]  # sizes at which to keep the root
    tree: CompactRange = field(default_factory=CompactRange)
    roots: dict[int, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if 0 in self.stops:
            self.roots[0] = self.tree.root()

    def add(self, chunk: pa.Table) -> None:
        """Hash the chunk's entries (which must follow on from the last) into the tree."""
        bodies = chunk.column("body").to_pylist()
        start = self.tree.size
        end = start + len(bodies)
        position = start
        for cut in [*sorted(s for s in self.stops if start < s <= end), end]:
            if cut > position:
                part = bodies[position - start : cut - start]
                self.tree.extend(leaf_hash(body.encode()) for body in part)
                position = cut
            if cut in self.stops:
                self.roots[cut] = self.tree.root()
