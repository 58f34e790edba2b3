"""Many inclusion proofs at once, for a report that cites thousands of entries.

Each proof is exactly what ``taxgate ledger prove`` prints (``proofs.InclusionProof``), so
``taxgate ledger check-proof`` checks a bundle of them with the published key alone. Proofs
of nearby entries share most of their nodes, so a group of entries is proven with one read of
every node the group needs, instead of a read per proof.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, select

from taxgate.errors import InputError, LedgerError, ProofError
from taxgate.ledger import merkle
from taxgate.ledger.heads import TreeHead
from taxgate.ledger.log import Ledger, read_nodes
from taxgate.ledger.proofs import ConsistencyProof, InclusionProof, load_proof
from taxgate.store.models import LedgerEntry

ENTRIES = cast(Table, LedgerEntry.__table__)
GROUP = 2_000  # entries proven per read
IN_LIST = 5_000  # values per SQL IN list


def inclusion_proofs(
    ledger: Ledger, indexes: Iterable[int], head: TreeHead
) -> Iterator[InclusionProof]:
    """An inclusion proof in the tree of ``head`` for each of ``indexes``, in the order given."""
    pending = iter(indexes)
    with ledger.store.engine.connect() as conn:
        while group := list(islice(pending, GROUP)):
            yield from _group(conn, group, head)


def _cover(start: int, end: int) -> list[merkle.NodeId]:
    """``merkle.cover``, with a shortcut for the usual case: one perfect subtree."""
    width = end - start
    if width & (width - 1) == 0:
        level = width.bit_length() - 1
        return [(level, start >> level)]
    return merkle.cover(start, end)


def _near(conn: Connection, low: int, high: int, size: int) -> dict[merkle.NodeId, bytes]:
    """Every stored node whose right edge lies in ``low .. high + 1`` (two range reads): the
    bulk of what proofs of entries ``low .. high`` need; the few others are read by key."""
    raw: Any = conn.connection.dbapi_connection
    marker = "?" if conn.dialect.name == "sqlite" else "%s"
    found: dict[merkle.NodeId, bytes] = {}
    cursor = raw.cursor()
    try:
        cursor.execute(
            f"SELECT idx, leaf_hash FROM ledger_entries WHERE idx >= {marker} AND idx <= {marker}",
            (max(low - 1, 0), min(high + 1, size - 1)),
        )
        found.update(((0, int(i)), bytes(h)) for i, h in cursor.fetchall())
        cursor.execute(
            f"SELECT pos, hash FROM ledger_nodes WHERE pos >= {marker} AND pos < {marker}",
            ((low + 1) << 6, (min(high + 2, size) + 1) << 6),
        )
        for pos, value in cursor.fetchall():
            level, end = pos & 63, pos >> 6
            found[(level, (end >> level) - 1)] = bytes(value)
    finally:
        cursor.close()
    return found


def _group(conn: Connection, group: list[int], head: TreeHead) -> Iterator[InclusionProof]:
    outside = [index for index in group if not 0 <= index < head.size]
    if outside:
        raise LedgerError(f"entry {outside[0]} is not in the signed tree of size {head.size}")
    paths = {index: merkle.inclusion_ranges(index, head.size) for index in group}
    # Nearby entries share most of their path: fold each distinct range once.
    spans = {span for ranges in paths.values() for span in ranges}
    covers = {span: _cover(*span) for span in spans}
    wanted = {node for cover in covers.values() for node in cover}
    nodes = _near(conn, group[0], group[-1], head.size)
    far = sorted(node for node in wanted if node not in nodes)
    for start in range(0, len(far), IN_LIST):
        nodes.update(read_nodes(conn, far[start : start + IN_LIST]))
    hashes = {span: merkle.fold([nodes[n] for n in cover]).hex() for span, cover in covers.items()}
    bodies: dict[int, tuple[str, bytes]] = {}
    for start in range(0, len(group), IN_LIST):
        query = select(ENTRIES.c.idx, ENTRIES.c.body, ENTRIES.c.leaf_hash).where(
            ENTRIES.c.idx.in_(group[start : start + IN_LIST])
        )
        bodies.update((int(i), (str(body), bytes(leaf))) for i, body, leaf in conn.execute(query))
    for index in group:
        if index not in bodies:
            raise LedgerError(f"entry {index} is missing from the store; run verify")
        body, leaf = bodies[index]
        path = [hashes[span] for span in paths[index]]
        yield InclusionProof(index, body, leaf.hex(), path, head)


def proof_line(proof: InclusionProof, head_json: str) -> str:
    """``proof.to_dict()`` as one line of compact JSON, for a bundle: the tree head all proofs
    share is encoded once by the caller (``head_json``), the rest formatted directly."""
    path = ",".join(f'"{value}"' for value in proof.proof)
    return (
        f'{{"type":"inclusion","index":{proof.index},'
        f'"entry":{json.dumps(proof.entry, ensure_ascii=False)},'
        f'"leaf_hash":"{proof.leaf_hash}","proof":[{path}],"tree_head":{head_json}}}\n'
    )


def proof_documents(path: Path) -> Iterator[tuple[int | None, str]]:
    """The proof documents in a file, read a line at a time: one document as ``prove`` prints
    it (over many lines; numbered None), or a bundle of one document per line (numbered)."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc
    with handle:
        first = handle.readline()
        if not (first.strip().startswith("{") and first.strip().endswith("}")):
            yield None, first + handle.read()
            return
        yield 1, first
        number = 1
        for line in handle:
            if line.strip():
                number += 1
                yield number, line


def check_documents(
    documents: Iterable[tuple[int | None, str]], public_key: Ed25519PublicKey
) -> tuple[int, InclusionProof | ConsistencyProof]:
    """Check every document with the public key alone: how many, and the last one; a failure
    is a ``ProofError`` naming the proof's line in a bundle."""
    count, proof = 0, None
    for number, document in documents:
        try:
            proof = load_proof(document)
            proof.check(public_key)
        except ProofError as exc:
            raise ProofError(f"proof {number}: {exc}" if number else str(exc)) from None
        count += 1
    if proof is None:
        raise ProofError("the file holds no proof")
    return count, proof
