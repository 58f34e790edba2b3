"""RFC 6962 / RFC 9162 §2.1 Merkle tree hashing and proofs: pure, no storage, no I/O.

Leaves are hashed ``SHA-256(0x00 || data)`` and interior nodes ``SHA-256(0x01 || left ||
right)``; the distinct prefixes keep a leaf from ever being passed off as a node.

Storage reads only *perfect* subtrees (``2**level`` leaves starting at ``index * 2**level``).
Every node a proof needs is either perfect or the right-edge subtree ``D[start:end]``, which
splits into perfect subtrees by the binary digits of its size; so a proof is a short list of
ranges (``inclusion_ranges``, ``consistency_ranges``), each a few perfect nodes (``cover``),
folded back together (``fold``). A perfect node is named by ``node_key``: its right edge times
64 plus its level, so keys grow in exactly the order appends create the nodes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from taxgate.errors import LedgerError, ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256

Range = tuple[int, int]
NodeId = tuple[int, int]  # (level, index): leaves [index * 2**level, (index + 1) * 2**level)


def leaf_hash(data: bytes) -> bytes:
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(_NODE + left + right).digest()


def node_key(level: int, index: int) -> int:
    """Storage key of a perfect node: right edge * 64 + level (append order)."""
    return (((index + 1) << level) << 6) | level


def _split(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (``size >= 2``)."""
    return 1 << ((size - 1).bit_length() - 1)


def cover(start: int, end: int) -> list[NodeId]:
    """Perfect subtrees, left to right, whose fold is ``MTH(D[start:end])``.

    ``start`` must be aligned to a power of two no smaller than ``end - start``, which holds for
    every range the RFC's recursions produce.
    """
    nodes: list[NodeId] = []
    position = start
    for level in range((end - start).bit_length() - 1, -1, -1):
        if (end - start) >> level & 1:
            nodes.append((level, position >> level))
            position += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the perfect subtrees of ``cover`` (left to right) into one subtree hash."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form ``PATH(index, D[0:size])``, leaf to root (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start = middle
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The ranges whose hashes form ``PROOF(old_size, D[0:new_size])`` (RFC 9162 2.1.4.1)."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[Range] = []
    start, end, remaining, whole = 0, new_size, old_size, True
    while True:
        size = end - start
        if remaining == size:
            if not whole:
                ranges.append((start, end))
            break
        middle = start + _split(size)
        if remaining <= middle - start:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            remaining -= middle - start
            start = middle
            whole = False
    ranges.reverse()
    return ranges


def resolve(
    ranges: Sequence[Range], nodes: Callable[[list[NodeId]], dict[NodeId, bytes]]
) -> list[bytes]:
    """Hashes of ``ranges``, reading every perfect node they need in one ``nodes`` call."""
    covers = [cover(start, end) for start, end in ranges]
    found = nodes(sorted({node for parts in covers for node in parts}))
    return [fold([found[node] for node in parts]) for parts in covers]


class CompactRange:
    """The right edge of a growing tree: the hashes of the perfect subtrees of ``D[0:size]``.

    Enough to extend the tree and compute its root without any earlier leaf.
    """

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        if len(edge) != size.bit_count():
            raise LedgerError(f"a tree of size {size} has {size.bit_count()} edge nodes")
        self.size = size
        self.edge = list(edge)

    def extend(self, leaves: Iterable[bytes]) -> list[tuple[int, bytes]]:
        """Append leaf hashes; return the new interior nodes as ``(node_key, hash)``."""
        created: list[tuple[int, bytes]] = []
        edge, size, sha = self.edge, self.size, _sha256
        for leaf in leaves:
            node, level, carry = leaf, 0, size
            size += 1
            while carry & 1:
                node = sha(_NODE + edge.pop() + node).digest()
                carry >>= 1
                level += 1
                created.append(((size << 6) | level, node))
            edge.append(node)
        self.size = size
        return created

    def root(self) -> bytes:
        return fold(self.edge)


def root_of(leaves: Iterable[bytes]) -> bytes:
    """``MTH`` of a sequence of leaf hashes."""
    tree = CompactRange()
    tree.extend(leaves)
    return tree.root()


def _check_hashes(proof: Sequence[bytes], *hashes: bytes) -> None:
    for value in (*proof, *hashes):
        if len(value) != HASH_SIZE:
            raise ProofError(f"a hash of {len(value)} bytes, not {HASH_SIZE}")


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2; raises ``ProofError`` unless ``leaf`` is entry ``index`` of ``root``."""
    _check_hashes(proof, leaf, root)
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of size {size}")
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    if result != root:
        raise ProofError("the proof leads to a different root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2; raises ``ProofError`` unless the new tree extends the old one."""
    _check_hashes(proof, old_root, new_root)
    if not 0 <= old_size <= new_size:
        raise ProofError(f"size {old_size} cannot grow into size {new_size}")
    if old_size == new_size or old_size == 0:
        if proof:
            raise ProofError("the proof should be empty for these sizes")
        if old_size == new_size and old_root != new_root:
            raise ProofError("equal sizes with different roots")
        return
    if not proof:
        raise ProofError("empty proof")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than needed")
    if fr != old_root:
        raise ProofError("the proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("the proof does not lead to the new root")
