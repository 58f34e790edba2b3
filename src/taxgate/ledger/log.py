"""The ledger: an append-only, signed Merkle log of decisions and disclosures in the store.

Write-ahead use by a batch (the release file is written only after its entries commit)::

    with Ledger.open(store_url) as ledger:
        ledger.append_batch(decision_entries)           # entries already recorded are skipped
        ledger.append_batch([Entry("release", batch, digest=sha256_of_file, ...)])
        write_release_file_atomically()                 # only now

Run again after a crash at any point, the same calls record nothing twice: ``(batch, kind,
item)`` is unique, ``append_batch`` skips keys already committed, and each call is one
transaction, so a kill leaves either the whole call or none of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select

from taxgate.errors import LedgerError
from taxgate.ledger import keys as keyfiles
from taxgate.ledger import merkle
from taxgate.ledger.append import Recorded, Writer, chunks
from taxgate.ledger.audit import audit
from taxgate.ledger.entries import Disclosure, Entry, EntryColumns, decode
from taxgate.ledger.heads import TreeHead, now
from taxgate.ledger.proofs import ConsistencyProof, InclusionProof
from taxgate.ledger.verify import (
    ENTRIES_FILE,
    HEAD_FILE,
    HEADS_FILE,
    PUBLIC_KEY_FILE,
    VerifyResult,
)
from taxgate.model import RELEASE
from taxgate.store import Store, open_store
from taxgate.store.models import LedgerEntry, LedgerNode, LedgerTreeHead

ENTRIES = cast(Table, LedgerEntry.__table__)
NODES = cast(Table, LedgerNode.__table__)
HEADS = cast(Table, LedgerTreeHead.__table__)
CHUNK = 20_000  # entries read at a time


def read_nodes(conn: Connection, ids: list[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
    """Perfect subtree hashes by (level, index): leaves from entries, the rest from nodes."""
    leaves = [index for level, index in ids if level == 0]
    keys = {merkle.node_key(level, index): (level, index) for level, index in ids if level}
    found: dict[merkle.NodeId, bytes] = {}
    if leaves:
        query = select(ENTRIES.c.idx, ENTRIES.c.leaf_hash).where(ENTRIES.c.idx.in_(leaves))
        found.update(((0, idx), bytes(value)) for idx, value in conn.execute(query))
    if keys:
        query = select(NODES.c.pos, NODES.c.hash).where(NODES.c.pos.in_(list(keys)))
        found.update((keys[pos], bytes(value)) for pos, value in conn.execute(query))
    missing = [node for node in ids if node not in found]
    if missing:
        level, index = missing[0]
        raise LedgerError(
            f"the store lacks tree node level {level} index {index}: it was altered; "
            "run 'taxgate ledger verify'"
        )
    return found


def _head_from_row(row: Any) -> TreeHead:
    return TreeHead(row.size, row.root, row.time, row.key_id, row.signature)


class Ledger:
    """The ledger in one store, signing with the keys in one key directory."""

    def __init__(self, store: Store, keys: keyfiles.LedgerKeys) -> None:
        self.store = store
        self.keys = keys

    @classmethod
    def open(
        cls, store_url: str | None = None, key_dir: Path | None = None, *, create: bool = True
    ) -> Ledger:
        """Open the store and load the keys; by default create (and migrate) what is missing.

        Commands that only read pass ``create=False``: a store or key directory holding no
        ledger then raises ``NoLedgerError`` (one line, exit 2) and nothing is created.
        """
        if create:
            return cls(open_store(store_url), keyfiles.load_or_create(key_dir))
        store = open_store(store_url, create=False)
        try:
            return cls(store, keyfiles.load(key_dir))
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def subject(self, tin: str) -> str:
        """The keyed hash to record as ``Entry.subject`` in place of a TIN."""
        return self.keys.subject(tin)

    # -- appending -----------------------------------------------------------------------

    def append_batch(
        self,
        entries: Iterable[Entry | EntryColumns],
        progress: Callable[[int], None] | None = None,
    ) -> TreeHead:
        """Record ``entries`` in one transaction and sign one tree head over the result.

        ``entries`` are single entries or columns of many (a batch's decisions), in log order.
        Entries whose ``(batch, kind, item)`` is already recorded are skipped; if nothing is
        new, the current head is returned and nothing is signed. ``progress`` hears how many
        entries have been read so far, a chunk at a time.
        """
        with self.store.transaction() as conn:
            if self.store.dialect == "postgresql":
                # One writer at a time; readers are not blocked.
                conn.exec_driver_sql("LOCK TABLE ledger_tree_heads IN EXCLUSIVE MODE")
            latest = self._latest(conn)
            if latest is not None and latest.key_id != self.keys.key_id:
                # Signing on with another key would leave a log no one key verifies, and
                # subject keys no accounting query could find again.
                raise LedgerError(
                    f"this store's tree heads are signed by key {latest.key_id[:16]}…, but the "
                    f"key folder holds key {self.keys.key_id[:16]}…; pass the ledger's --keys"
                )
            size = latest.size if latest else 0
            stored = conn.execute(select(func.max(ENTRIES.c.idx))).scalar()
            if (stored + 1 if stored is not None else 0) != size:
                raise LedgerError(
                    f"the store holds {0 if stored is None else stored + 1} entries but the "
                    f"last signed tree head covers {size}; run 'taxgate ledger verify'"
                )
            edge = merkle.cover(0, size)
            found = read_nodes(conn, edge)
            tree = merkle.CompactRange(size, [found[node] for node in edge])
            recorded, read = now(), 0
            with Writer(self.store, conn) as writer:
                stored = Recorded(conn, ENTRIES, before_reading=writer.wait)
                for chunk in chunks(entries, stored, recorded):
                    if chunk.bodies:
                        writer.write(tree, chunk)
                    read += chunk.read
                    if progress is not None:
                        progress(read)
            if tree.size == size:
                return latest or self._sign(0, merkle.EMPTY_ROOT, recorded)
            head = self._sign(tree.size, tree.root(), recorded)
            conn.execute(HEADS.insert().values(**head.to_dict()))
            return head

    def _sign(self, size: int, root: bytes, time: str) -> TreeHead:
        return TreeHead.sign(self.keys, size, root, time)

    # -- reading -------------------------------------------------------------------------

    def _latest(self, conn: Connection) -> TreeHead | None:
        query = select(HEADS).order_by(HEADS.c.id.desc()).limit(1)
        row = conn.execute(query).first()
        return _head_from_row(row) if row else None

    def head(self) -> TreeHead:
        """The latest signed tree head (for an empty ledger, a freshly signed head of size 0)."""
        with self.store.engine.connect() as conn:
            latest = self._latest(conn)
        return latest or self._sign(0, merkle.EMPTY_ROOT, now())

    def heads(self) -> list[TreeHead]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(HEADS).order_by(HEADS.c.id)).all()
        return [_head_from_row(row) for row in rows]

    def size(self) -> int:
        return self.head().size

    def recorded(self, batch: str, item: str = "", kind: str = "decision") -> dict[str, Any] | None:
        """The recorded entry with this key, as JSON, or None."""
        query = select(ENTRIES.c.body).where(
            ENTRIES.c.batch == batch, ENTRIES.c.kind == kind, ENTRIES.c.item == item
        )
        with self.store.engine.connect() as conn:
            body = conn.execute(query).scalar()
        return decode(body) if body is not None else None

    def committed(self, batch: str, item: str = "", kind: str = "decision") -> bool:
        """Whether an entry with this key is durably recorded (write-ahead check)."""
        return self.recorded(batch, item, kind) is not None

    def recorded_items(self, batch: str, kind: str = "decision") -> set[str]:
        """The items of ``batch`` that already have an entry of ``kind``."""
        query = select(ENTRIES.c.item).where(ENTRIES.c.batch == batch, ENTRIES.c.kind == kind)
        with self.store.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def entries_of(
        self, kind: str, batch: str | None = None, contains: str = ""
    ) -> list[tuple[int, dict[str, Any]]]:
        """``(index, entry)`` for the entries of ``kind`` in log order, only those of ``batch``
        (an index read) and whose canonical JSON contains ``contains`` when given."""
        query = select(ENTRIES.c.idx, ENTRIES.c.body).where(ENTRIES.c.kind == kind)
        if batch is not None:
            query = query.where(ENTRIES.c.batch == batch)
        if contains:
            query = query.where(ENTRIES.c.body.contains(contains, autoescape=True))
        with self.store.engine.connect() as conn:
            rows = conn.execute(query.order_by(ENTRIES.c.idx)).all()
        return [(int(idx), decode(body)) for idx, body in rows]

    def entry(self, index: int) -> str:
        """Entry ``index`` as its canonical JSON text."""
        with self.store.engine.connect() as conn:
            body = conn.execute(select(ENTRIES.c.body).where(ENTRIES.c.idx == index)).scalar()
        if body is None:
            raise LedgerError(f"there is no entry {index}")
        return str(body)

    def iter_entries(self, limit: int | None = None) -> Iterator[tuple[int, str]]:
        """``(index, canonical JSON)`` in order, read in chunks (never the whole log at once)."""
        start, end = 0, limit if limit is not None else self.size()
        while start < end:
            stop = min(start + CHUNK, end)
            query = (
                select(ENTRIES.c.idx, ENTRIES.c.body)
                .where(ENTRIES.c.idx >= start, ENTRIES.c.idx < stop)
                .order_by(ENTRIES.c.idx)
            )
            with self.store.engine.connect() as conn:
                yield from ((int(idx), str(body)) for idx, body in conn.execute(query))
            start = stop

    # -- proofs --------------------------------------------------------------------------

    def _head_at(self, conn: Connection, size: int | None) -> TreeHead:
        if size is None:
            latest = self._latest(conn)
            if latest is None:
                raise LedgerError("the ledger is empty: there is nothing to prove")
            return latest
        query = select(HEADS).where(HEADS.c.size == size).order_by(HEADS.c.id.desc()).limit(1)
        row = conn.execute(query).first()
        if row is None:
            raise LedgerError(f"no signed tree head has size {size}; omit --size for the latest")
        return _head_from_row(row)

    def prove(self, index: int, size: int | None = None) -> InclusionProof:
        """Proof that entry ``index`` is in the signed tree of ``size`` (default: latest)."""
        with self.store.engine.connect() as conn:
            head = self._head_at(conn, size)
            if not 0 <= index < head.size:
                raise LedgerError(f"entry {index} is not in the signed tree of size {head.size}")
            row = conn.execute(
                select(ENTRIES.c.body, ENTRIES.c.leaf_hash).where(ENTRIES.c.idx == index)
            ).first()
            if row is None:
                raise LedgerError(f"entry {index} is missing from the store; run verify")
            ranges = merkle.inclusion_ranges(index, head.size)
            path = merkle.resolve(ranges, lambda ids: read_nodes(conn, ids))
        return InclusionProof(
            index, row.body, bytes(row.leaf_hash).hex(), [p.hex() for p in path], head
        )

    def consistency(self, old_size: int, size: int | None = None) -> ConsistencyProof:
        """Proof that the signed tree of ``size`` (default: latest) extends the first ``old_size``
        entries unchanged."""
        with self.store.engine.connect() as conn:
            head = self._head_at(conn, size)
            if not 0 <= old_size <= head.size:
                raise LedgerError(f"old size {old_size} must be between 0 and {head.size}")

            # The old root and the proof in one read: a few dozen rows for any log size.
            ranges = [(0, old_size), *merkle.consistency_ranges(old_size, head.size)]
            old_root, *path = merkle.resolve(ranges, lambda ids: read_nodes(conn, ids))
            old_row = conn.execute(
                select(HEADS).where(HEADS.c.size == old_size).order_by(HEADS.c.id.desc()).limit(1)
            ).first()
        old_head = _head_from_row(old_row) if old_row else None
        return ConsistencyProof(old_size, old_root.hex(), [p.hex() for p in path], head, old_head)

    # -- accounting, export, verification ------------------------------------------------

    def accounting(self, tin: str) -> list[Disclosure]:
        """Every disclosure about the taxpayer with ``tin`` (§6103(p)(3), 5 U.S.C. §552a(c))."""
        query = (
            select(ENTRIES.c.idx, ENTRIES.c.body)
            .where(ENTRIES.c.subject == self.subject(tin))
            .order_by(ENTRIES.c.idx)
        )
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
        docs = ((int(idx), decode(body)) for idx, body in rows)
        return [Disclosure.from_doc(idx, doc) for idx, doc in docs if doc.get("outcome") == RELEASE]

    def export(self, directory: Path) -> TreeHead:
        """Write entries, tree heads and the public key for ``verify.verify_export``."""
        directory.mkdir(parents=True, exist_ok=True)
        heads = self.heads()
        head = heads[-1] if heads else self.head()
        with (directory / ENTRIES_FILE).open("w", encoding="utf-8") as out:
            for _, body in self.iter_entries(head.size):
                out.write(body + "\n")
        lines = "".join(json.dumps(h.to_dict()) + "\n" for h in heads)
        (directory / HEADS_FILE).write_text(lines)
        (directory / HEAD_FILE).write_text(head.to_json() + "\n")
        (directory / PUBLIC_KEY_FILE).write_bytes(keyfiles.public_pem(self.keys.public_key))
        return head

    def verify(self) -> VerifyResult:
        """Recompute every hash from the entries and check every signed tree head."""
        return audit(self.store, self.keys.public_key)
