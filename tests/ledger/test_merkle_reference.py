"""The Merkle core against a brute-force transcription of RFC 9162 §2.1 (MTH, PATH, PROOF),
for every tree size from 1 to 2,000 that Hypothesis picks, and exhaustively for small trees."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from taxgate.ledger import merkle

from .test_merkle_vectors import memory_nodes


def ref_mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) as the RFC writes it, on leaf hashes, recursively."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], whole), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(leaves)) else ref_subproof(m, leaves, True)


def leaves_for(size: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]


ALL = leaves_for(2000)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(1, 2000))
def test_roots_and_proofs_agree_with_the_rfc_for_random_sizes(
    data: st.DataObject, size: int
) -> None:
    leaves = ALL[:size]
    nodes = memory_nodes(leaves)
    root = merkle.root_of(leaves)
    assert root == ref_mth(leaves)

    index = data.draw(st.integers(0, size - 1), label="index")
    path = merkle.resolve(merkle.inclusion_ranges(index, size), nodes)
    assert path == ref_path(index, leaves)
    merkle.verify_inclusion(leaves[index], index, size, path, root)

    old = data.draw(st.integers(0, size), label="old size")
    proof = merkle.resolve(merkle.consistency_ranges(old, size), nodes)
    assert proof == ref_proof(old, leaves)
    merkle.verify_consistency(old, size, ref_mth(leaves[:old]), root, proof)


def test_every_proof_in_small_trees_agrees_with_the_rfc() -> None:
    for size in range(1, 33):
        leaves = ALL[:size]
        nodes = memory_nodes(leaves)
        root = ref_mth(leaves)
        for index in range(size):
            path = merkle.resolve(merkle.inclusion_ranges(index, size), nodes)
            assert path == ref_path(index, leaves), (index, size)
            merkle.verify_inclusion(leaves[index], index, size, path, root)
        for old in range(size + 1):
            proof = merkle.resolve(merkle.consistency_ranges(old, size), nodes)
            assert proof == ref_proof(old, leaves), (old, size)
            merkle.verify_consistency(old, size, ref_mth(leaves[:old]), root, proof)


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 300), min_size=1, max_size=6))
def test_growing_in_batches_creates_each_perfect_node_once(sizes: list[int]) -> None:
    """Appending in any batch sizes yields the same root and exactly the perfect nodes."""
    tree, created = merkle.CompactRange(), dict[int, bytes]()
    total = 0
    for size in sizes:
        new = merkle.CompactRange(tree.size, tree.edge)
        created.update(new.extend(ALL[total : total + size]))
        tree, total = new, total + size
        assert tree.root() == ref_mth(ALL[:total])
    expected = {
        merkle.node_key(level, index)
        for level in range(1, total.bit_length())
        for index in range(total >> level)
    }
    assert set(created) == expected
    nodes = memory_nodes(ALL[:total])
    for key, value in created.items():
        level, end = key & 63, key >> 6
        assert value == nodes([(level, (end >> level) - 1)])[(level, (end >> level) - 1)]
