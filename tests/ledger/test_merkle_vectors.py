"""The Merkle core against published RFC 6962 vectors, good proofs and broken ones.

Vectors: the reference tree of 8 leaves used by Certificate Transparency and
transparency-dev/merkle (``testonly/constants.go``: leaf inputs, the root of every size 0..8)
and the proofs in transparency-dev/merkle ``testdata/internal`` (the generator of its
``testdata/inclusion`` and ``testdata/consistency`` JSON), with the same corruptions those
files apply: wrong index or size, wrong leaf or root, preceding/trailing garbage, a flipped bit,
a removed or inserted component.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from taxgate.errors import ProofError
from taxgate.ledger import merkle

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    bytes.fromhex(h)
    for h in [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]


def h(value: str) -> bytes:
    return bytes.fromhex(value)


# (leaf number counted from 1, tree size, proof)
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (3, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        2,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]
# (old size, new size, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")
LEAVES = [merkle.leaf_hash(data) for data in LEAF_INPUTS]


def memory_nodes(
    leaves: list[bytes],
) -> Callable[[list[merkle.NodeId]], dict[merkle.NodeId, bytes]]:
    """Perfect subtree hashes computed from a list of leaf hashes (a stand-in for storage)."""

    def nodes(ids: list[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        return {
            (level, index): merkle.root_of(leaves[index << level : (index + 1) << level])
            for level, index in ids
        }

    return nodes


def flip(proof: list[bytes], at: int, bit: int) -> list[bytes]:
    changed = list(proof)
    changed[at] = bytes([changed[at][0] ^ bit]) + changed[at][1:]
    return changed


def test_roots_of_every_size_match_the_reference_tree() -> None:
    for size, root in enumerate(ROOTS):
        assert merkle.root_of(LEAVES[:size]) == root


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert ROOTS[0] == merkle.EMPTY_ROOT


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_vectors_and_verify(
    leaf: int, size: int, proof: list[bytes]
) -> None:
    index = leaf - 1
    built = merkle.resolve(merkle.inclusion_ranges(index, size), memory_nodes(LEAVES))
    assert built == proof
    merkle.verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_vectors_and_verify(
    old: int, new: int, proof: list[bytes]
) -> None:
    built = merkle.resolve(merkle.consistency_ranges(old, new), memory_nodes(LEAVES))
    assert built == proof
    merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


BrokenInclusion = tuple[str, int, int, bytes, list[bytes], bytes]
BrokenConsistency = tuple[str, int, int, bytes, bytes, list[bytes]]


def broken_inclusions(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> Iterator[BrokenInclusion]:
    yield "index - 1", index - 1, size, leaf, proof, root
    yield "index + 1", index + 1, size, leaf, proof, root
    yield "index ^ 2", index ^ 2, size, leaf, proof, root
    yield "size * 2", index, size * 2, leaf, proof, root
    yield "size // 2", index, size // 2, leaf, proof, root
    yield "wrong leaf", index, size, b"WrongLeaf", proof, root
    yield "empty root", index, size, leaf, proof, ROOTS[0]
    yield "random root", index, size, leaf, proof, SOME_HASH
    yield "trailing garbage", index, size, leaf, [*proof, b""], root
    yield "trailing root", index, size, leaf, [*proof, root], root
    yield "preceding garbage", index, size, leaf, [b"", *proof], root
    yield "preceding root", index, size, leaf, [root, *proof], root
    for i in range(len(proof)):
        yield f"modified proof[{i}] bit 3", index, size, leaf, flip(proof, i, 8), root
    if proof:
        yield "removed component", index, size, leaf, proof[:-1], root
    if len(proof) > 1:
        yield "inserted component", index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], root


BROKEN_INCLUSIONS = [
    pytest.param(*case[1:], id=f"{leaf}/{size}:{case[0]}")
    for leaf, size, proof in INCLUSION
    for case in broken_inclusions(leaf - 1, size, proof, ROOTS[size], LEAVES[leaf - 1])
]


@pytest.mark.parametrize(("index", "size", "leaf", "proof", "root"), BROKEN_INCLUSIONS)
def test_broken_inclusion_proofs_are_rejected(
    index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes
) -> None:
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaf, index, size, proof, root)


def broken_consistencies(old: int, new: int, proof: list[bytes]) -> Iterator[BrokenConsistency]:
    root1, root2 = ROOTS[old], ROOTS[new]
    yield "size1 - 1", old - 1, new, root1, root2, proof
    yield "size1 + 1", old + 1, new, root1, root2, proof
    yield "size1 ^ 2", old ^ 2, new, root1, root2, proof
    yield "size2 * 2", old, new * 2, root1, root2, proof
    yield "size2 // 2", old, new // 2, root1, root2, proof
    yield "wrong root1", old, new, b"WrongRoot", root2, proof
    yield "wrong root2", old, new, root1, b"WrongRoot", proof
    yield "swapped roots", old, new, root2, root1, proof
    yield "empty proof", old, new, root1, root2, []
    yield "trailing garbage", old, new, root1, root2, [*proof, b""]
    yield "trailing root1", old, new, root1, root2, [*proof, root1]
    yield "trailing root2", old, new, root1, root2, [*proof, root2]
    yield "preceding garbage", old, new, root1, root2, [b"", *proof]
    yield "preceding root1", old, new, root1, root2, [root1, *proof]
    yield "preceding root2", old, new, root1, root2, [root2, *proof]
    yield "preceding proof[0]", old, new, root1, root2, [proof[0], *proof]
    yield "truncated proof", old, new, root1, root2, proof[:-1]
    for i in range(len(proof)):
        yield f"modified proof[{i}] bit 4", old, new, root1, root2, flip(proof, i, 16)


BROKEN_CONSISTENCIES = [
    pytest.param(*case[1:], id=f"{old}->{new}:{case[0]}")
    for old, new, proof in CONSISTENCY
    if proof  # as in transparency-dev: only non-trivial proofs are corrupted
    for case in broken_consistencies(old, new, proof)
]


@pytest.mark.parametrize(("old", "new", "root1", "root2", "proof"), BROKEN_CONSISTENCIES)
def test_broken_consistency_proofs_are_rejected(
    old: int, new: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> None:
    with pytest.raises(ProofError):
        merkle.verify_consistency(old, new, root1, root2, proof)


def test_consistency_edge_cases() -> None:
    merkle.verify_consistency(0, 0, ROOTS[0], ROOTS[0], [])
    merkle.verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])
    merkle.verify_consistency(0, 5, ROOTS[0], ROOTS[5], [])  # anything extends the empty tree
    for old, new, root1, root2, proof in [
        (3, 3, ROOTS[3], ROOTS[4], []),  # equal sizes, different roots
        (3, 3, ROOTS[3], ROOTS[3], [ROOTS[0]]),  # equal sizes, proof not empty
        (0, 1, ROOTS[0], ROOTS[1], [ROOTS[0]]),  # from empty, proof not empty
        (2, 1, ROOTS[2], ROOTS[1], []),  # the tree shrank
    ]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, root1, root2, proof)


def test_single_entry_tree_proof_is_empty_and_needs_real_hashes() -> None:
    leaf = merkle.leaf_hash(b"data")
    merkle.verify_inclusion(leaf, 0, 1, [], leaf)
    for bad_leaf, bad_root in [(b"", leaf), (leaf, b""), (b"", b"")]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(bad_leaf, 0, 1, [], bad_root)
    for index, size in [(0, 0), (1, 0), (2, 1)]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(SOME_HASH, index, size, [], ROOTS[0])


def test_a_leaf_cannot_pose_as_an_interior_node() -> None:
    """Domain separation: the node over two leaves is not the leaf of their concatenation."""
    left, right = LEAVES[1], LEAVES[2]
    assert merkle.node_hash(left, right) != merkle.leaf_hash(left + right)


def test_node_keys_sort_in_append_order() -> None:
    tree = merkle.CompactRange()
    keys = [key for key, _ in tree.extend(LEAVES)]
    assert keys == sorted(keys)
    assert keys[-1] == merkle.node_key(3, 0)
    assert merkle.cover(0, 7) == [(2, 0), (1, 2), (0, 6)]
