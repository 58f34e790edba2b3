"""How ``Ledger.append_batch`` turns entries into stored rows, a chunk at a time.

A chunk is encoded (canonical JSON, a column at a time for ``EntryColumns``), stamped with the
append's time, hashed into the Merkle tree, and stored. Storing is mostly the database's own
work (SQLite's B-trees, PostgreSQL's COPY), during which Python's lock is released, so it runs
on one background thread while the next chunk is encoded: chunks are stored one at a time and
in order, inside the caller's single transaction, and nothing is committed here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table, select
from sqlalchemy.exc import IntegrityError

from taxgate.errors import LedgerError
from taxgate.ledger import merkle
from taxgate.ledger.entries import Entry, EntryColumns, entry_text, entry_texts
from taxgate.store import Store

ENTRY_COLUMNS: Final = ("idx", "kind", "batch", "item", "subject", "body", "leaf_hash")
# Entries per chunk: large enough that per-chunk costs vanish, small enough to bound memory.
CHUNK: Final = 50_000


@dataclass(frozen=True)
class Chunk:
    """Entries ready to store, as parallel lists; ``read`` counts those skipped as well."""

    kinds: Sequence[str]
    batches: Sequence[str]
    items: Sequence[str]
    subjects: Sequence[str | None]
    bodies: Sequence[str]
    read: int


class Recorded:
    """The ``(kind, item)`` keys a batch already has in the store, read once per batch.

    ``before_reading`` runs before each read: the writer's in-flight chunk must be stored
    before the connection is used for anything else."""

    def __init__(self, conn: Connection, entries: Table, before_reading: Callable[[], None]):
        self._conn, self._entries, self._settle = conn, entries, before_reading
        self._keys: dict[str, set[tuple[str, str]]] = {}
        self._items: dict[tuple[str, str], pa.Array] = {}

    def keys(self, batch: str) -> set[tuple[str, str]]:
        if batch not in self._keys:
            self._settle()
            table = self._entries
            query = select(table.c.kind, table.c.item).where(table.c.batch == batch)
            self._keys[batch] = {(kind, item) for kind, item in self._conn.execute(query)}
        return self._keys[batch]

    def items(self, batch: str, kind: str) -> pa.Array:
        if (batch, kind) not in self._items:
            found = [item for recorded, item in self.keys(batch) if recorded == kind]
            self._items[batch, kind] = pa.array(found, pa.string())
        return self._items[batch, kind]


def chunks(
    entries: Iterable[Entry | EntryColumns], recorded: Recorded, time: str
) -> Iterator[Chunk]:
    """``entries`` in chunks of at most ``CHUNK``, without those already recorded, each
    entry's canonical JSON stamped with ``time``. Runs of single entries are encoded one by
    one; columns of entries a column at a time."""
    single: list[Entry] = []
    for part in entries:
        if isinstance(part, Entry):
            single.append(part)
            if len(single) == CHUNK:
                yield _single_chunk(single, recorded, time)
                single = []
            continue
        if single:
            yield _single_chunk(single, recorded, time)
            single = []
        for start in range(0, len(part), CHUNK):
            yield _column_chunk(part.slice(start, CHUNK), recorded, time)
    if single:
        yield _single_chunk(single, recorded, time)


def _single_chunk(chunk: list[Entry], recorded: Recorded, time: str) -> Chunk:
    fresh = [e for e in chunk if (e.kind, e.item) not in recorded.keys(e.batch)]
    return Chunk(
        kinds=[e.kind for e in fresh],
        batches=[e.batch for e in fresh],
        items=[e.item for e in fresh],
        subjects=[e.subject or None for e in fresh],
        bodies=[entry_text(e, time) for e in fresh],
        read=len(chunk),
    )


def _column_chunk(chunk: EntryColumns, recorded: Recorded, time: str) -> Chunk:
    read, same = len(chunk), chunk.same
    done = recorded.items(same.batch, same.kind)
    if len(done):  # a re-run after a crash: skip what the ledger already holds
        chunk = chunk.filter(pc.invert(pc.is_in(chunk.values("item"), value_set=done)))
    subject = chunk.values("subject")
    subjects = pc.if_else(pc.equal(subject, ""), pa.scalar(None, pa.string()), subject)
    return Chunk(
        kinds=[same.kind] * len(chunk),
        batches=[same.batch] * len(chunk),
        items=chunk.values("item").to_pylist(),
        subjects=subjects.to_pylist(),
        bodies=entry_texts(chunk, time).to_pylist(),
        read=read,
    )


class Writer:
    """Stores chunks on one background thread, one at a time and in order, while the caller
    encodes the next; ``wait`` returns once the last chunk is stored (or raises its error).
    Leaving the ``with`` block always waits, so the transaction never ends under a write."""

    def __init__(self, store: Store, conn: Connection) -> None:
        self.store, self.conn = store, conn
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="taxgate-ledger")
        self._pending: Future[None] | None = None

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self.wait()
            elif self._pending is not None:
                self._pending.exception()  # finished, whatever its outcome: ours is raised
        finally:
            self._thread.shutdown(wait=True)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def write(self, tree: merkle.CompactRange, chunk: Chunk) -> None:
        """Hash ``chunk`` into ``tree`` and store its entries and new tree nodes."""
        start = tree.size
        sha, zero = hashlib.sha256, b"\x00"
        # RFC 6962 leaf hashes, inline: this loop runs once per entry of a million-item batch.
        leaves = [sha(zero + body.encode()).digest() for body in chunk.bodies]
        nodes = tree.extend(leaves)
        rows = list(
            zip(
                range(start, start + len(leaves)),
                chunk.kinds,
                chunk.batches,
                chunk.items,
                chunk.subjects,
                chunk.bodies,
                leaves,
                strict=True,
            )
        )
        self.wait()
        self._pending = self._thread.submit(self._store, rows, nodes)

    def _store(self, rows: list[tuple[object, ...]], nodes: list[tuple[int, bytes]]) -> None:
        try:
            self.store.bulk_insert(self.conn, "ledger_entries", ENTRY_COLUMNS, rows)
        except IntegrityError as exc:
            raise LedgerError(
                "the same (batch, kind, item) appears twice in one append; each is recorded once"
            ) from exc
        self.store.bulk_insert(self.conn, "ledger_nodes", ("pos", "hash"), nodes)
