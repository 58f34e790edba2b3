"""Bulk reads of the log for reports and auditors: entries a chunk at a time, as Arrow tables.

A report over ten million entries must never hold them all as Python objects: each chunk is a
small Arrow table (``idx``, ``body``: the canonical JSON) that DuckDB aggregates with its JSON
functions, then drops. The same chunks come from the store (an index range read) or from an
export's ``entries.jsonl`` (what an outside auditor holds), so a replay reads either alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full, Queue
from threading import Event, Thread
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from taxgate.errors import EntryError, InputError, LedgerError
from taxgate.ledger.entries import ENTRY_KINDS
from taxgate.ledger.merkle import CompactRange, leaf_hash
from taxgate.ledger.verify import ENTRIES_FILE
from taxgate.store import Store

CHUNK = 100_000
SCHEMA = pa.schema([pa.field("idx", pa.int64()), pa.field("body", pa.string())])


# One chunk as two strings, ids and bodies, joined by the store: at ten million entries, making
# a Python object per row costs more than the database takes to read them. Canonical JSON
# holds no raw newline, so the bodies split back exactly (a count that differs means a body
# that is not canonical: that chunk is then read row by row).
_JOINED = {
    "sqlite": "SELECT group_concat(idx, ','), group_concat(body, char(10)) FROM (SELECT idx, "
    "body FROM ledger_entries WHERE idx >= ? AND idx < ?{kinds} ORDER BY idx)",
    "postgresql": "SELECT string_agg(idx::text, ',' ORDER BY idx), string_agg(body, E'\\n' "
    "ORDER BY idx) FROM ledger_entries WHERE idx >= %s AND idx < %s{kinds}",
}
_ROWS = {
    "sqlite": "SELECT idx, body FROM ledger_entries WHERE idx >= ? AND idx < ?{kinds} ORDER BY idx",
    "postgresql": "SELECT idx, body FROM ledger_entries WHERE idx >= %s AND idx < %s{kinds} "
    "ORDER BY idx",
}


def store_chunks(
    store: Store, end: int, kinds: tuple[str, ...] = (), chunk: int = CHUNK
) -> Iterator[pa.Table]:
    """Entries ``0 .. end-1`` of ``store`` (only ``kinds`` when given), ``chunk`` at a time,
    in index order, read through the driver's own cursor."""
    if not set(kinds) <= set(ENTRY_KINDS):
        raise EntryError(f"unknown entry kinds {kinds}")
    names = ", ".join(f"'{kind}'" for kind in kinds)  # checked against ENTRY_KINDS above
    where = f" AND kind IN ({names})" if kinds else ""
    joined = _JOINED[store.dialect].format(kinds=where)
    by_row = _ROWS[store.dialect].format(kinds=where)
    with store.engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        for start in range(0, end, chunk):
            bounds = (start, min(start + chunk, end))
            ids, bodies = _fetch(raw, joined, bounds)[0]
            if ids is None:
                continue
            idx = pc.cast(pc.split_pattern(pa.array([ids]), ",").flatten(), pa.int64())
            body = pc.split_pattern(pa.array([bodies], pa.string()), "\n").flatten()
            if len(idx) != len(body):
                rows = _fetch(raw, by_row, bounds)
                idx = pa.array([row[0] for row in rows], pa.int64())
                body = pa.array([row[1] for row in rows], pa.string())
            yield pa.table([idx, body], SCHEMA)


# A batch's entries through the (batch, kind, item) index: a report about a few batches reads
# those, not the whole log.
_BATCH = {
    "sqlite": "SELECT group_concat(idx, ','), group_concat(body, char(10)) FROM (SELECT idx, "
    "body FROM ledger_entries WHERE batch = ? AND idx < ? AND body LIKE ?{kinds})",
    "postgresql": "SELECT string_agg(idx::text, ','), string_agg(body, E'\\n') "
    "FROM ledger_entries WHERE batch = %s AND idx < %s AND body LIKE %s{kinds}",
}


def batch_chunks(
    store: Store,
    batches: Iterable[str],
    end: int,
    kinds: tuple[str, ...] = (),
    outcome: str = "",
) -> Iterator[pa.Table]:
    """The entries (of ``kinds``, with ``outcome`` when given) of each of ``batches`` below
    ``end``, a batch at a time, in no particular order. The outcome is matched on the
    canonical JSON text by the store, so the entries left out never leave it."""
    if outcome and not outcome.isalpha():
        raise EntryError(f"not an outcome: {outcome!r}")
    pattern = f'%"outcome":"{outcome}"%' if outcome else "%"
    if not set(kinds) <= set(ENTRY_KINDS):
        raise EntryError(f"unknown entry kinds {kinds}")
    names = ", ".join(f"'{kind}'" for kind in kinds)  # checked against ENTRY_KINDS above
    sql = _BATCH[store.dialect].format(kinds=f" AND kind IN ({names})" if kinds else "")
    with store.engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        for batch in batches:
            ids, bodies = _fetch(raw, sql, (batch, end, pattern))[0]
            if ids is None:
                continue
            idx = pc.cast(pc.split_pattern(pa.array([ids]), ",").flatten(), pa.int64())
            body = pc.split_pattern(pa.array([bodies], pa.string()), "\n").flatten()
            if len(idx) != len(body):
                raise LedgerError(f"batch {batch}: an entry that is not canonical JSON; run verify")
            yield pa.table([idx, body], SCHEMA)


def _fetch(raw: Any, sql: str, bounds: tuple[Any, ...]) -> list[Any]:
    cursor = raw.cursor()
    try:
        cursor.execute(sql, bounds)
        return list(cursor.fetchall())
    finally:
        cursor.close()


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


def prefetched(chunks: Iterator[pa.Table], depth: int = 2) -> Iterator[pa.Table]:
    """``chunks`` read ahead by a thread: the database reads the next chunk (outside the GIL)
    while the caller hashes or aggregates this one."""
    queue: Queue[pa.Table | BaseException | None] = Queue(maxsize=depth)
    stop = Event()

    def read() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        queue.put(chunk, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(None)
        except BaseException as exc:  # handed to the consumer, who raises it
            queue.put(exc)

    thread = Thread(target=read, name="ledger-scan", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
