"""The auditor's tool: watch the ledger's checkpoints the way a transparency-log witness does.

``audit`` takes a new signed checkpoint and a state file holding the last one it verified:

1. the checkpoint's signature must verify with the pinned verifier key (given once, on first
   use, then kept in the state: a later run cannot be pointed at another key);
2. a smaller tree than the last verified one is a rollback and is refused;
3. a tree of the same size with another root is a split view: the log signed two histories.
   Both signed checkpoints are kept in the state as evidence (they are non-repudiable);
4. a larger tree must be proven consistent with the last one (a ``ledger consistency``
   document, or the proof read from the store, or a full replay);
5. optionally every entry is replayed (from the store or an export) and the root recomputed,
   and every release is decided again as of its own date against the published orders.

Only a fully verified checkpoint replaces the last one; the state is written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from taxgate.duck import connect
from taxgate.errors import ConfigError, InputError, ProofError
from taxgate.intake.agencies import canonical_basis
from taxgate.law import LawEngine, RequestFacts
from taxgate.ledger import merkle
from taxgate.ledger.batches import read_record
from taxgate.ledger.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    Verifier,
    open_checkpoint,
    parse_verifier,
    published_key,
    read_note,
)
from taxgate.ledger.entries import decode
from taxgate.ledger.log import read_nodes
from taxgate.ledger.proofs import ConsistencyProof, load_proof
from taxgate.ledger.scan import Replay, export_chunks, store_chunks
from taxgate.model import RELEASE, BatchRecord
from taxgate.store import open_store

STATE_FORMAT = "taxgate-witness-state/1"
Chunks = Callable[[int], Iterable[pa.Table]]  # entries 0 .. size-1, a chunk at a time


@dataclass
class WitnessState:
    """What the auditor keeps between runs: the pinned key, the last verified checkpoint,
    and evidence of misbehaviour (pairs of conflicting signed checkpoints)."""

    verifier: str
    checkpoint: str = ""  # the last verified signed note, verbatim
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> WitnessState | None:
        if not path.exists():
            return None
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            found = doc.get("format")
            if found == STATE_FORMAT:
                return cls(str(doc["verifier"]), str(doc["checkpoint"]), list(doc["evidence"]))
            problem = f"format is {found!r}, not {STATE_FORMAT!r}"
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            problem = str(exc)
        raise InputError(path, f"not a witness state file: {problem}")

    def save(self, path: Path) -> None:
        doc = {
            "format": STATE_FORMAT,
            "verifier": self.verifier,
            "checkpoint": self.checkpoint,
            "evidence": self.evidence,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        # Atomic: a crash leaves the old state or the new one, never half of either.
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".witness-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).replace(path)


@dataclass(frozen=True)
class Unlawful:
    """Releases of one batch on one date that the published orders would not have allowed."""

    batch: str
    as_of: date
    items: int
    first_entry: int


@dataclass(frozen=True)
class AuditResult:
    size: int
    previous: int | None  # the last verified size; None on first use
    how: str  # how consistency with the previous checkpoint was established
    replayed: bool = False
    releases: int = 0  # released items decided again (with --replay)
    unlawful: tuple[Unlawful, ...] = ()

    def __str__(self) -> str:
        parts = [f"checkpoint of size {self.size} verified"]
        if self.previous is None:
            parts.append("first checkpoint: trusted on first use and kept")
        else:
            parts.append(f"consistent with size {self.previous} ({self.how})")
        if self.replayed:
            parts.append(f"replayed {self.size} entries: the root matches")
            parts.append(f"{self.releases} released items decided again as of their dates")
        return "; ".join(parts)


def _pinned(state: WitnessState | None, key: str | None) -> Verifier:
    if state is None:
        if key is None:
            raise ConfigError(
                "no state yet: give --key with the ledger's verifier key (from `taxgate ledger "
                "key`) the first time; it is pinned in the state file after that"
            )
        return parse_verifier(key)
    verifier = parse_verifier(state.verifier)
    if key is not None and parse_verifier(key).encode() != verifier.encode():
        raise ConfigError(
            f"--key differs from the key pinned in the state ({verifier.name}); a witness "
            "never changes the key it watches"
        )
    return verifier


def _evidence(kind: str, first: str, second: str, why: str) -> dict[str, Any]:
    found = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"kind": kind, "found": found, "why": why, "checkpoints": [first, second]}


def check_consistency(
    old: Checkpoint, new: Checkpoint, proof: ConsistencyProof, verifier: Verifier
) -> None:
    """A ``ledger consistency`` document must link exactly these two checkpoints."""
    proof.check(verifier.public_key)  # its own tree heads must be the ledger's
    if (proof.old_size, proof.old_root) != (old.size, old.root.hex()):
        raise ProofError(f"the proof starts from size {proof.old_size}, not the last checkpoint")
    if (proof.tree_head.size, proof.tree_head.root) != (new.size, new.root.hex()):
        raise ProofError("the proof ends at another tree than the new checkpoint")


def store_consistency(store_url: str | None, old: Checkpoint, new: Checkpoint) -> None:
    """Read the proof's nodes from the store (no key needed) and check it against both roots."""
    ranges = merkle.consistency_ranges(old.size, new.size)
    store = open_store(store_url, create=False)
    try:
        with store.engine.connect() as conn:
            path = merkle.resolve(ranges, lambda ids: read_nodes(conn, ids))
    finally:
        store.close()
    merkle.verify_consistency(old.size, new.size, old.root, new.root, path)


def store_replay(store_url: str | None, size: int) -> Iterator[pa.Table]:
    """Entries ``0 .. size-1`` from the store, opened read-only for the replay only."""
    store = open_store(store_url, create=False)
    try:
        yield from store_chunks(store, size)
    finally:
        store.close()


def audit(
    note: str,
    state_path: Path,
    *,
    key: str | None = None,
    proof: ConsistencyProof | None = None,
    store_url: str | None = None,
    replay: Chunks | None = None,
    law: LawEngine | None = None,
) -> AuditResult:
    """Verify ``note`` against the state at ``state_path`` and advance it; ``ProofError`` for a
    bad signature, a rollback, a split view (kept as evidence) or a failed proof or replay."""
    state = WitnessState.load(state_path)
    verifier = _pinned(state, key)
    signed = open_checkpoint(note, verifier)
    new = signed.checkpoint
    state = state or WitnessState(verifier.encode())
    last = open_checkpoint(state.checkpoint, verifier) if state.checkpoint else None
    previous = last.checkpoint if last else None

    if previous is not None and new.size < previous.size:
        raise ProofError(
            f"rollback refused: the checkpoint has size {new.size}, smaller than the "
            f"{previous.size} already verified"
        )
    split = previous is not None and previous.size == new.size and previous.root != new.root
    if split and last is not None:
        state.evidence.append(
            _evidence("split-view", last.note, note, f"two roots for size {new.size}")
        )
        state.save(state_path)
        raise ProofError(
            f"split view: the ledger signed two different trees of size {new.size}; both "
            f"signed checkpoints are kept as evidence in {state_path}"
        )
    how = "same tree" if previous is not None and previous.size == new.size else ""
    result_replay: tuple[int, tuple[Unlawful, ...]] | None = None
    if replay is not None:
        result_replay = _replay(replay, previous, signed, last, state, state_path, law)
        how = how or "replayed"
    elif previous is not None and not how:
        if proof is not None:
            check_consistency(previous, new, proof, verifier)
            how = "consistency proof"
        else:
            store_consistency(store_url, previous, new)
            how = "proof read from the store"
    state.checkpoint = note
    state.save(state_path)
    releases, unlawful = result_replay or (0, ())
    return AuditResult(
        new.size,
        previous.size if previous else None,
        how,
        replay is not None,
        releases,
        unlawful,
    )


def _replay(
    chunks: Chunks,
    previous: Checkpoint | None,
    signed: SignedCheckpoint,
    last: SignedCheckpoint | None,
    state: WitnessState,
    state_path: Path,
    law: LawEngine | None,
) -> tuple[int, tuple[Unlawful, ...]]:
    """Rebuild the tree from every entry; check both roots; decide every release again."""
    new = signed.checkpoint
    stops = (new.size,) if previous is None else (previous.size, new.size)
    tree = Replay(stops)
    releases = _Releases()
    con = connect()
    try:
        for chunk in chunks(new.size):
            tree.add(chunk)
            releases.add(con, chunk)
    finally:
        con.close()
    if tree.tree.size != new.size:
        raise ProofError(f"the replay found {tree.tree.size} entries, not {new.size}")
    if tree.roots[new.size] != new.root:
        raise ProofError(f"the replayed entries do not produce the signed root of size {new.size}")
    if previous is not None and last is not None and tree.roots[previous.size] != previous.root:
        # The entries reproduce the new checkpoint but not the old one the log also signed:
        # history was rewritten. Both signatures are the operator's; keep them.
        state.evidence.append(
            _evidence("rewritten-history", last.note, signed.note, "entries changed")
        )
        state.save(state_path)
        raise ProofError(
            f"the entries no longer produce the checkpoint of size {previous.size} verified "
            f"before: history was rewritten; both checkpoints are kept in {state_path}"
        )
    unlawful = redecide_releases(law, releases) if law is not None else []
    return sum(n for n, _ in releases.groups.values()), tuple(unlawful)


@dataclass
class _Releases:
    """Batch records, and released items counted per (batch, date), gathered chunk by chunk."""

    records: dict[str, BatchRecord] = field(default_factory=dict)
    groups: dict[tuple[str, date], tuple[int, int]] = field(default_factory=dict)

    def add(self, con: Any, chunk: pa.Table) -> None:
        con.register("chunk", chunk)
        try:
            for index, body in con.execute(
                "SELECT idx, body FROM chunk WHERE json_extract_string(body, '$.kind') = 'release'"
            ).fetchall():
                record = read_record(int(index), decode(body))
                self.records[record.batch] = record
            counted = con.execute(
                """
                SELECT json_extract_string(body, '$.batch'), json_extract_string(body, '$.as_of'),
                       count(*), min(idx)
                FROM chunk
                WHERE json_extract_string(body, '$.kind') IN ('decision', 'verdict')
                  AND json_extract_string(body, '$.outcome') = ?
                GROUP BY ALL
                """,
                [RELEASE],
            ).fetchall()
        finally:
            con.unregister("chunk")
        for batch, day, n, first in counted:
            key = (str(batch), date.fromisoformat(str(day)))
            before, earliest = self.groups.get(key, (0, int(first)))
            self.groups[key] = (before + int(n), min(earliest, int(first)))


def redecide_releases(law: LawEngine, releases: _Releases) -> list[Unlawful]:
    """Each group of released items decided again as of its date against ``law``'s orders.

    A release was recorded with no reason at all, so deciding it again is deciding a flawless
    item of its request (the batch record's recipient, purpose, basis and data) on that date.
    """
    unlawful = []
    for (batch, day), (items, first) in sorted(releases.groups.items()):
        record = releases.records.get(batch)
        if record is None:
            raise ProofError(f"entry {first}: a release of batch {batch} that has no batch record")
        if not law.releases_flawless(request_facts(record), day):
            unlawful.append(Unlawful(batch, day, items, first))
    return unlawful


def request_facts(record: BatchRecord) -> RequestFacts:
    """What the law needs of a batch's request, from its ledger record alone (an auditor may
    hold no manifest): recipient, purpose, basis, and the categories released."""
    return RequestFacts(
        requester=record.recipient,
        purpose=record.terms.purpose,
        basis=canonical_basis(record.terms.basis),
        data=record.terms.fields or ("address",),
    )


@dataclass(frozen=True)
class AuditRequest:
    """``taxgate ledger audit``'s inputs, as files and URLs."""

    checkpoint: Path
    state: Path
    key: str | None = None  # a verifier key, or a file holding one (``ledger key`` output)
    proof: Path | None = None  # a ``ledger consistency`` document
    store_url: str | None = None  # where to read a proof or replay from (no key needed)
    replay: bool = False
    export: Path | None = None  # replay from ``ledger export`` output instead of the store
    orders: Path | None = None  # the published orders to decide releases again against
    agencies: Path | None = None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc


def _key_text(key: str | None) -> str | None:
    if key is None:
        return None
    path = Path(key)
    text = _read(path).decode("utf-8", "replace") if path.is_file() else key
    return published_key(text).encode()


def run_audit(request: AuditRequest) -> AuditResult:
    """Read what the request names, then ``audit``; a store is only ever opened read-only."""
    note = read_note(_read(request.checkpoint))
    proof = None
    if request.proof is not None:
        loaded = load_proof(_read(request.proof).decode("utf-8", "replace"))
        if not isinstance(loaded, ConsistencyProof):
            raise InputError(request.proof, "is an inclusion proof, not a consistency proof")
        proof = loaded
    chunks: Chunks | None = None
    if request.replay:
        chunks = (
            partial(export_chunks, request.export)
            if request.export is not None
            else partial(store_replay, request.store_url)
        )
    law = LawEngine.load(request.orders, request.agencies) if request.replay else None
    return audit(
        note,
        request.state,
        key=_key_text(request.key),
        proof=proof,
        store_url=request.store_url,
        replay=chunks,
        law=law,
    )
