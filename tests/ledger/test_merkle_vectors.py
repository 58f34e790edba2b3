"""The Merkle core against published RFC 6962 vectors, good proofs and broken ones.

The vectors live as JSON in ``tests/ledger/vectors/`` so an outside verifier can run them
too (its README gives the format): the reference tree of 8 leaves used by Certificate
Transparency and transparency-dev/merkle (``testonly/constants.go``: leaf inputs, the root
of every size 0..8), the proofs of transparency-dev/merkle ``testdata/internal`` (the
generator of its ``testdata/inclusion`` and ``testdata/consistency`` JSON), and the same
corruptions those files apply: wrong index or size, wrong leaf or root, preceding/trailing
garbage, a flipped bit, a removed or inserted component. Each broken proof is marked
``"valid": false`` and must be refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taxgate.errors import ProofError
from taxgate.ledger import merkle

VECTORS = Path(__file__).parent / "vectors"


def _load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


TREE = _load("tree.json")
LEAF_INPUTS = [bytes.fromhex(h) for h in TREE["leaf_inputs"]]
ROOTS = [bytes.fromhex(h) for h in TREE["roots"]]
LEAVES = [merkle.leaf_hash(data) for data in LEAF_INPUTS]
INCLUSION_CASES = _load("inclusion.json")
CONSISTENCY_CASES = _load("consistency.json")
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


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


def test_roots_of_every_size_match_the_reference_tree() -> None:
    for size, root in enumerate(ROOTS):
        assert merkle.root_of(LEAVES[:size]) == root


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert ROOTS[0] == merkle.EMPTY_ROOT


def _case_id(case: dict[str, Any]) -> str:
    where = (
        f"{case.get('leaf_index', case.get('size1'))}/{case.get('tree_size', case.get('size2'))}"
    )
    return f"{where}:{case['desc']}"


@pytest.mark.parametrize("case", [c for c in INCLUSION_CASES if c["valid"]], ids=_case_id)
def test_inclusion_proofs_match_vectors_and_verify(case: dict[str, Any]) -> None:
    index, size, proof = case["leaf_index"], case["tree_size"], _hashes(case["proof"])
    built = merkle.resolve(merkle.inclusion_ranges(index, size), memory_nodes(LEAVES))
    assert built == proof
    assert LEAVES[index].hex() == case["leaf_hash"]
    merkle.verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(
    "case", [c for c in CONSISTENCY_CASES if c["valid"] and c["proof"]], ids=_case_id
)
def test_consistency_proofs_match_vectors_and_verify(case: dict[str, Any]) -> None:
    old, new, proof = case["size1"], case["size2"], _hashes(case["proof"])
    built = merkle.resolve(merkle.consistency_ranges(old, new), memory_nodes(LEAVES))
    assert built == proof
    merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize("case", INCLUSION_CASES, ids=_case_id)
def test_every_inclusion_vector_is_accepted_or_refused_as_marked(case: dict[str, Any]) -> None:
    arguments = (
        bytes.fromhex(case["leaf_hash"]),
        case["leaf_index"],
        case["tree_size"],
        _hashes(case["proof"]),
        bytes.fromhex(case["root"]),
    )
    if case["valid"]:
        merkle.verify_inclusion(*arguments)
    else:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*arguments)


@pytest.mark.parametrize("case", CONSISTENCY_CASES, ids=_case_id)
def test_every_consistency_vector_is_accepted_or_refused_as_marked(case: dict[str, Any]) -> None:
    arguments = (
        case["size1"],
        case["size2"],
        bytes.fromhex(case["root1"]),
        bytes.fromhex(case["root2"]),
        _hashes(case["proof"]),
    )
    if case["valid"]:
        merkle.verify_consistency(*arguments)
    else:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*arguments)


def test_the_vectors_hold_broken_proofs_of_every_kind() -> None:
    """A file of only good proofs would test nothing an outside verifier could get wrong."""
    kinds = {case["desc"].split("[")[0] for case in INCLUSION_CASES if not case["valid"]}
    assert {"wrong leaf", "trailing garbage", "preceding garbage", "removed component"} <= kinds
    assert {"modified proof"} <= kinds
    assert sum(not c["valid"] for c in CONSISTENCY_CASES) > 50


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
