"""``ledger verify`` over the store: recompute every hash and name the first bad entry.

Checks first that the ledger's tables and columns are all there with their types, then reads
the log in index order, a chunk at a time, and checks for each entry in turn that it is
present (no gap: deleted), readable, that its JSON hashes to its recorded leaf hash (edited, or
rows swapped), that its key columns agree with its JSON, that every interior node it completes
matches the stored one, that every signed tree head's root is reproduced, and finally that no
entry or node lies outside the tree the last signed head covers (inserted).

A store altered so far that the database itself refuses a query is a failure like any other:
``VerifyResult`` names the entry or table, never a traceback.
"""

from __future__ import annotations

from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Row, Table, func, select
from sqlalchemy.exc import DBAPIError

from taxgate.errors import EntryError, TamperedError
from taxgate.ledger.entries import decode
from taxgate.ledger.heads import TreeHead
from taxgate.ledger.merkle import CompactRange, leaf_hash
from taxgate.ledger.verify import VerifyResult, check_heads
from taxgate.store import Store, schema_problem
from taxgate.store.models import LedgerEntry, LedgerNode, LedgerTreeHead

ENTRIES = cast(Table, LedgerEntry.__table__)
NODES = cast(Table, LedgerNode.__table__)
HEADS = cast(Table, LedgerTreeHead.__table__)
CHUNK = 20_000
HEAD_TEXT = ("root", "time", "key_id", "signature")


def _node(key: int, what: str) -> TamperedError:
    """A problem with the interior node stored under ``key``, blamed on the entries under it:
    which of them changed cannot be told from a hash over them all."""
    level, end = key & 63, key >> 6
    first = end - (1 << level)
    return TamperedError(first, f"the tree node stored over them {what}", end - 1)


def _holds(value: object) -> str:
    return "NULL" if value is None else type(value).__name__


def _db_reason(exc: DBAPIError) -> str:
    text = " ".join(str(exc.orig or exc).split())
    # SQLite quotes the undecodable text itself; the column is what matters.
    text = text.split(" with text ")[0]
    return text if len(text) <= 160 else text[:159] + "…"


def _check_row(row: Row[Any], expect: int) -> bytes:
    if row.idx != expect:
        raise TamperedError(expect, f"entry {expect} is missing (deleted)")
    for name in ("kind", "batch", "item", "body"):
        if not isinstance(getattr(row, name), str):
            raise TamperedError(
                expect, f"its {name} column holds {_holds(getattr(row, name))}, not text (altered)"
            )
    if not isinstance(row.subject, str | None):
        raise TamperedError(expect, f"its subject column holds {_holds(row.subject)} (altered)")
    if not isinstance(row.leaf_hash, bytes | memoryview):
        raise TamperedError(
            expect, f"its leaf_hash column holds {_holds(row.leaf_hash)}, not a hash (altered)"
        )
    body = row.body.encode("utf-8", "surrogatepass")
    leaf = leaf_hash(body)
    if leaf != bytes(row.leaf_hash):
        raise TamperedError(
            expect, "its content does not match its recorded hash (edited or moved)"
        )
    try:
        doc = decode(body)
    except (EntryError, ValueError):
        raise TamperedError(expect, "it is not a JSON entry") from None
    columns = (row.kind, row.batch, row.item, row.subject or "")
    if columns != (doc.get("kind"), doc.get("batch"), doc.get("item", ""), doc.get("subject", "")):
        raise TamperedError(expect, "its kind/batch/item/subject columns disagree with its JSON")
    return leaf


def _read_heads(conn: Connection) -> list[TreeHead]:
    heads = []
    for number, row in enumerate(conn.execute(select(HEADS).order_by(HEADS.c.id)), start=1):
        wrong = [name for name in HEAD_TEXT if not isinstance(getattr(row, name), str)]
        if not isinstance(row.size, int) or isinstance(row.size, bool):
            wrong.insert(0, "size")
        if wrong:
            value = getattr(row, wrong[0])
            raise TamperedError(
                None, f"tree head #{number}: its {wrong[0]} column holds {_holds(value)} (altered)"
            )
        heads.append(TreeHead(row.size, row.root, row.time, row.key_id, row.signature))
    return heads


class _Walk:
    def __init__(self, conn: Connection, heads: list[TreeHead]) -> None:
        self.conn, self.heads = conn, heads
        self.tree, self.position, self.nodes = CompactRange(), 0, 0

    def reached(self) -> None:
        """Check every signed head whose size the walk has just reached."""
        heads, tree = self.heads, self.tree
        while self.position < len(heads) and heads[self.position].size == tree.size:
            if tree.root().hex() != heads[self.position].root:
                start = heads[self.position - 1].size if self.position else 0
                raise TamperedError(
                    start,
                    f"they do not produce the root signed for size {tree.size}: "
                    "they were rewritten",
                    tree.size - 1,
                )
            self.position += 1

    def _rows(self, start: int, stop: int) -> list[Row[Any]]:
        query = select(ENTRIES).where(ENTRIES.c.idx >= start, ENTRIES.c.idx < stop)
        try:
            return list(self.conn.execute(query.order_by(ENTRIES.c.idx)).all())
        except DBAPIError:
            self.conn.rollback()
        # Some row cannot even be read (e.g. a body that is not UTF-8): find which, one by one.
        indexes = select(ENTRIES.c.idx).where(ENTRIES.c.idx >= start, ENTRIES.c.idx < stop)
        for (index,) in self.conn.execute(indexes.order_by(ENTRIES.c.idx)).all():
            try:
                self.conn.execute(select(ENTRIES).where(ENTRIES.c.idx == index)).all()
            except DBAPIError as exc:
                raise TamperedError(index, f"its row cannot be read: {_db_reason(exc)}") from None
        raise TamperedError(start, f"entries {start}..{stop - 1} cannot be read")

    def chunk(self, start: int, stop: int) -> None:
        rows = self._rows(start, stop)
        stored = self.conn.execute(
            select(NODES.c.pos, NODES.c.hash)
            .where(NODES.c.pos >= (start + 1) << 6, NODES.c.pos < (stop + 1) << 6)
            .order_by(NODES.c.pos)
        ).all()
        expect, j = start, 0
        for row in rows:
            leaf = _check_row(row, expect)
            for key, value in self.tree.extend([leaf]):
                if j < len(stored) and stored[j].pos < key:
                    raise _node(stored[j].pos, "was inserted")
                if j >= len(stored) or stored[j].pos != key:
                    raise _node(key, "is missing")
                if not isinstance(stored[j].hash, bytes | memoryview):
                    raise _node(key, f"holds {_holds(stored[j].hash)}, not a hash (altered)")
                if bytes(stored[j].hash) != value:
                    raise _node(key, "does not match: one of them was rewritten with its hash")
                j += 1
            self.reached()
            expect += 1
        if expect < stop:
            raise TamperedError(expect, f"entry {expect} is missing (deleted)")
        if j < len(stored):
            raise _node(stored[j].pos, "was inserted")
        self.nodes += j

    def strays(self, end: int) -> None:
        """Rows the walk over ``0..end-1`` never saw: below index 0, unkeyed, or stray nodes
        (the accounting reads entries by subject, so a row outside the tree must not hide)."""
        count = self.conn.execute(select(func.count()).select_from(ENTRIES)).scalar_one()
        if count != end:
            low = self.conn.execute(select(func.min(ENTRIES.c.idx))).scalar()
            if low is not None and low < 0:
                raise TamperedError(low, "it lies outside the log, below entry 0 (inserted)")
            raise TamperedError(
                None, f"ledger_entries holds {count - end} row(s) with no index (inserted)"
            )
        stray = self.conn.execute(
            select(func.min(NODES.c.pos)).where(NODES.c.pos >= (end + 1) << 6)
        ).scalar()
        if stray is not None:
            raise _node(stray, "was inserted")
        count = self.conn.execute(select(func.count()).select_from(NODES)).scalar_one()
        if count != self.nodes:
            raise TamperedError(
                None,
                f"ledger_nodes holds {count - self.nodes} row(s) that are not tree nodes "
                "(inserted)",
            )


def _walk(conn: Connection, public_key: Ed25519PublicKey) -> VerifyResult:
    problem = schema_problem(conn)
    if problem:
        return VerifyResult(False, 0, 0, None, problem)
    try:
        heads = _read_heads(conn)
    except TamperedError as bad:
        return VerifyResult(False, 0, 0, None, bad.reason)
    failed = check_heads(heads, public_key)
    if failed:
        return failed
    signed = heads[-1].size if heads else 0
    top = conn.execute(select(func.max(ENTRIES.c.idx))).scalar()
    end = max(signed, top + 1 if isinstance(top, int) and top >= 0 else 0)
    walk = _Walk(conn, heads)
    try:
        walk.reached()
        for start in range(0, end, CHUNK):
            walk.chunk(start, min(start + CHUNK, end))
        if end > signed:
            raise TamperedError(signed, "it is not covered by any signed tree head (inserted)")
        walk.strays(end)
    except TamperedError as bad:
        return VerifyResult(False, walk.tree.size, walk.position, bad.index, bad.reason, bad.last)
    return VerifyResult(True, end, len(heads))


def audit(store: Store, public_key: Ed25519PublicKey) -> VerifyResult:
    """Verify the ledger in ``store`` against the signing key's public half."""
    try:
        with store.engine.connect() as conn:
            return _walk(conn, public_key)
    except DBAPIError as exc:
        # The schema looked whole, yet the database refused: say so, as a failure.
        return VerifyResult(False, 0, 0, None, f"the store cannot be read: {_db_reason(exc)}")
