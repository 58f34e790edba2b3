"""``ledger verify`` over the store: recompute every hash and name the first bad entry.

Reads the log in index order, a chunk at a time, and checks for each entry in turn that it is
present (no gap: deleted), that its JSON hashes to its recorded leaf hash (edited, or rows
swapped), that its key columns agree with its JSON, that every interior node it completes
matches the stored one, that every signed tree head's root is reproduced, and finally that no
entry lies beyond the last signed head (inserted).
"""

from __future__ import annotations

from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, func, select

from taxgate.ledger.entries import EntryError, decode
from taxgate.ledger.heads import TreeHead
from taxgate.ledger.merkle import CompactRange, leaf_hash
from taxgate.ledger.verify import VerifyResult, check_heads
from taxgate.store import Store
from taxgate.store.models import LedgerEntry, LedgerNode, LedgerTreeHead

ENTRIES = cast(Table, LedgerEntry.__table__)
NODES = cast(Table, LedgerNode.__table__)
HEADS = cast(Table, LedgerTreeHead.__table__)
CHUNK = 20_000


class _TamperError(Exception):
    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


def _node(key: int, what: str) -> _TamperError:
    """A problem with the interior node stored under ``key``, blamed on its first entry."""
    level, end = key & 63, key >> 6
    first = end - (1 << level)
    return _TamperError(first, f"the tree node over entries {first}..{end - 1} {what}")


def _check_row(row: Any, expect: int) -> bytes:
    if row.idx != expect:
        raise _TamperError(expect, f"entry {expect} is missing (deleted)")
    body = row.body.encode()
    leaf = leaf_hash(body)
    if leaf != bytes(row.leaf_hash):
        raise _TamperError(expect, "its content does not match its recorded hash (edited or moved)")
    try:
        doc = decode(body)
    except (EntryError, ValueError):
        raise _TamperError(expect, "it is not a JSON entry") from None
    columns = (row.kind, row.batch, row.item, row.subject or "")
    if columns != (doc.get("kind"), doc.get("batch"), doc.get("item", ""), doc.get("subject", "")):
        raise _TamperError(expect, "its kind/batch/item/subject columns disagree with its JSON")
    return leaf


class _Walk:
    def __init__(self, conn: Connection, heads: list[TreeHead]) -> None:
        self.conn, self.heads = conn, heads
        self.tree, self.position = CompactRange(), 0

    def reached(self) -> None:
        """Check every signed head whose size the walk has just reached."""
        heads, tree = self.heads, self.tree
        while self.position < len(heads) and heads[self.position].size == tree.size:
            if tree.root().hex() != heads[self.position].root:
                start = heads[self.position - 1].size if self.position else 0
                raise _TamperError(
                    start,
                    f"entries {start}..{tree.size - 1} do not produce the root signed for size "
                    f"{tree.size}: they were rewritten",
                )
            self.position += 1

    def chunk(self, start: int, stop: int) -> None:
        rows = self.conn.execute(
            select(ENTRIES)
            .where(ENTRIES.c.idx >= start, ENTRIES.c.idx < stop)
            .order_by(ENTRIES.c.idx)
        ).all()
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
                if bytes(stored[j].hash) != value:
                    raise _node(key, "was altered")
                j += 1
            self.reached()
            expect += 1
        if expect < stop:
            raise _TamperError(expect, f"entry {expect} is missing (deleted)")
        if j < len(stored):
            raise _node(stored[j].pos, "was inserted")


def audit(store: Store, public_key: Ed25519PublicKey) -> VerifyResult:
    """Verify the ledger in ``store`` against the signing key's public half."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(HEADS).order_by(HEADS.c.id)).all()
        heads = [TreeHead(r.size, r.root, r.time, r.key_id, r.signature) for r in rows]
        failed = check_heads(heads, public_key)
        if failed:
            return failed
        signed = heads[-1].size if heads else 0
        top = conn.execute(select(func.max(ENTRIES.c.idx))).scalar()
        end = max(signed, top + 1 if top is not None else 0)
        walk = _Walk(conn, heads)
        try:
            walk.reached()
            for start in range(0, end, CHUNK):
                walk.chunk(start, min(start + CHUNK, end))
            if end > signed:
                raise _TamperError(signed, "it is not covered by any signed tree head (inserted)")
            stray = conn.execute(select(func.min(NODES.c.pos)).where(NODES.c.pos >= (end + 1) << 6))
            key = stray.scalar()
            if key is not None:
                raise _node(key, "was inserted")
        except _TamperError as bad:
            return VerifyResult(False, walk.tree.size, walk.position, bad.index, bad.reason)
    return VerifyResult(True, end, len(heads))
