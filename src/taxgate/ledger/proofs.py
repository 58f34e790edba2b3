"""Proof documents that anyone can check with the ledger's published public key alone.

``taxgate ledger prove`` prints an ``InclusionProof`` (this entry is in the signed tree);
``taxgate ledger consistency`` prints a ``ConsistencyProof`` (the signed tree extends the
old one without rewriting it). ``check`` raises ``ProofError`` saying what failed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from taxgate.errors import ProofError
from taxgate.ledger.heads import TreeHead
from taxgate.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion


def _hashes(values: Any) -> list[bytes]:
    if not isinstance(values, list):
        raise ProofError("'proof' must be a list of hex hashes")
    try:
        return [bytes.fromhex(value) for value in values]
    except (TypeError, ValueError) as exc:
        raise ProofError(f"a proof hash is not hex: {exc}") from exc


def _check_head(head: TreeHead, public_key: Ed25519PublicKey, which: str) -> None:
    problem = head.check(public_key)
    if problem:
        raise ProofError(f"the {which} tree head is not genuine: {problem}")


@dataclass(frozen=True)
class InclusionProof:
    index: int
    entry: str  # the entry's canonical JSON, exactly the bytes that were hashed
    leaf_hash: str
    proof: list[str]
    tree_head: TreeHead

    def check(self, public_key: Ed25519PublicKey) -> None:
        _check_head(self.tree_head, public_key, "signed")
        leaf = leaf_hash(self.entry.encode())
        if leaf.hex() != self.leaf_hash:
            raise ProofError("the entry does not hash to the proof's leaf hash")
        root = bytes.fromhex(self.tree_head.root)
        verify_inclusion(leaf, self.index, self.tree_head.size, _hashes(self.proof), root)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "inclusion",
            "index": self.index,
            "entry": self.entry,
            "leaf_hash": self.leaf_hash,
            "proof": self.proof,
            "tree_head": self.tree_head.to_dict(),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> InclusionProof:
        return cls(
            index=int(doc["index"]),
            entry=str(doc["entry"]),
            leaf_hash=str(doc["leaf_hash"]),
            proof=list(doc["proof"]),
            tree_head=TreeHead.from_dict(doc["tree_head"]),
        )


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    old_root: str
    proof: list[str]
    tree_head: TreeHead
    old_tree_head: TreeHead | None = None  # when the ledger signed a head at old_size

    def check(self, public_key: Ed25519PublicKey) -> None:
        _check_head(self.tree_head, public_key, "new")
        if self.old_tree_head is not None:
            _check_head(self.old_tree_head, public_key, "old")
            if (self.old_tree_head.size, self.old_tree_head.root) != (self.old_size, self.old_root):
                raise ProofError("the old tree head does not match the old size and root")
        verify_consistency(
            self.old_size,
            self.tree_head.size,
            bytes.fromhex(self.old_root),
            bytes.fromhex(self.tree_head.root),
            _hashes(self.proof),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "consistency",
            "old_size": self.old_size,
            "old_root": self.old_root,
            "proof": self.proof,
            "tree_head": self.tree_head.to_dict(),
            "old_tree_head": self.old_tree_head.to_dict() if self.old_tree_head else None,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ConsistencyProof:
        old = doc.get("old_tree_head")
        return cls(
            old_size=int(doc["old_size"]),
            old_root=str(doc["old_root"]),
            proof=list(doc["proof"]),
            tree_head=TreeHead.from_dict(doc["tree_head"]),
            old_tree_head=TreeHead.from_dict(old) if old else None,
        )


def load_proof(text: str) -> InclusionProof | ConsistencyProof:
    """Parse a document printed by ``ledger prove`` or ``ledger consistency``."""
    try:
        doc = json.loads(text)
        kind = doc.get("type")
        if kind == "inclusion":
            return InclusionProof.from_dict(doc)
        if kind == "consistency":
            return ConsistencyProof.from_dict(doc)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProofError(f"not a ledger proof document: {exc}") from exc
    raise ProofError("not a ledger proof document: 'type' must be inclusion or consistency")
