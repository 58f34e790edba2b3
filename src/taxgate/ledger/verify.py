"""The standalone verifier: exported entries, tree heads and the public key, nothing else.

An auditor who trusts neither the operator nor the database runs this over the directory
``taxgate ledger export`` wrote, with the public key obtained from a published source. It
imports no storage code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from taxgate.ledger.heads import TreeHead
from taxgate.ledger.merkle import CompactRange, leaf_hash

ENTRIES_FILE = "entries.jsonl"
HEADS_FILE = "tree-heads.jsonl"
HEAD_FILE = "tree-head.json"
PUBLIC_KEY_FILE = "ledger-signing.pub"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    heads: int
    first_bad_index: int | None = None
    reason: str = ""
    # Set when the evidence (a hash over several entries) cannot tell which of them changed.
    last_bad_index: int | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {self.entries} entries, {self.heads} signed tree heads verified"
        first, last = self.first_bad_index, self.last_bad_index
        if first is None:
            where = ""
        elif last is None or last == first:
            where = f"entry {first}: "
        else:
            where = f"entries {first}..{last}: "
        return f"FAILED: {where}{self.reason}"


def check_heads(heads: Sequence[TreeHead], public_key: Ed25519PublicKey) -> VerifyResult | None:
    previous = 0
    for number, head in enumerate(heads, start=1):
        problem = head.check(public_key)
        if problem is None and head.size < previous:
            problem = f"its size {head.size} is smaller than the head before it ({previous})"
        if problem:
            return VerifyResult(False, 0, number - 1, None, f"tree head #{number}: {problem}")
        previous = head.size
    return None


def verify_entries(
    lines: Iterable[bytes], heads: Sequence[TreeHead], public_key: Ed25519PublicKey
) -> VerifyResult:
    """Check that ``lines`` (entry ``i`` on line ``i``) are exactly what the signed ``heads``
    commit to. With every head, not just the last, a failure is narrowed to one batch."""
    if not heads:
        return VerifyResult(False, 0, 0, None, "no signed tree head given")
    failed = check_heads(heads, public_key)
    if failed:
        return failed
    tree, position = CompactRange(), 0

    def mismatch() -> VerifyResult | None:
        nonlocal position
        while position < len(heads) and heads[position].size == tree.size:
            if tree.root().hex() != heads[position].root:
                start = heads[position - 1].size if position else 0
                return VerifyResult(
                    False,
                    tree.size,
                    position,
                    start,
                    f"they do not produce the root signed for size {tree.size}: one of them "
                    "was altered, removed, reordered or inserted",
                    tree.size - 1,
                )
            position += 1
        return None

    failed = mismatch()
    for line in lines:
        if failed:
            break
        tree.extend([leaf_hash(line.rstrip(b"\n"))])
        failed = mismatch()
    if failed:
        return failed
    last = heads[-1]
    if tree.size != last.size:
        first = min(tree.size, last.size)
        if tree.size > last.size:
            reason = f"entry {first} onwards is not covered by any signed tree head"
        else:
            reason = f"only {tree.size} entries, but the tree head was signed for {last.size}"
        return VerifyResult(False, tree.size, position, first, reason)
    return VerifyResult(True, tree.size, len(heads))


def read_heads(directory: Path) -> list[TreeHead]:
    many = directory / HEADS_FILE
    if many.exists():
        lines = many.read_text().splitlines()
        return [TreeHead.from_dict(json.loads(line)) for line in lines if line.strip()]
    return [TreeHead.from_dict(json.loads((directory / HEAD_FILE).read_text()))]


def verify_export(directory: Path, public_key: Ed25519PublicKey) -> VerifyResult:
    """Verify a directory written by ``taxgate ledger export``."""
    heads = read_heads(directory)
    with (directory / ENTRIES_FILE).open("rb") as entries:
        return verify_entries(entries, heads, public_key)
