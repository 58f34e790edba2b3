"""The review queue, read from the ledger: items a batch sent to a person, not yet decided.

An item waits when its latest decision is ``review`` and no officer's ``verdict`` is recorded
for it. A request may be decided again under a later ``--as-of`` (a new batch); every item of
the request is then decided again, so only the request's most recently recorded batch holds
its items' latest decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from taxgate.errors import ConflictError, NotFoundError
from taxgate.ledger import Ledger
from taxgate.ledger.batches import batch_records, find_batch
from taxgate.model import REVIEW, BatchRecord

# Canonical JSON has no spaces, so a review decision's body holds exactly this text; the SQL
# filter only narrows the read, the decoded outcome is checked again.
_REVIEW_TEXT = f'"outcome":"{REVIEW}"'


@dataclass(frozen=True)
class ReviewItem:
    """One waiting item, as ``taxgate review list`` shows it."""

    batch: str
    item: str
    match_probability: float | None
    as_of: date
    decision: dict[str, Any]  # the decision entry as recorded


def batches(ledger: Ledger) -> dict[str, BatchRecord]:
    """Every decided batch by id (a batch decided again keeps its latest record)."""
    return {record.batch: record for record in batch_records(ledger)}


def superseded_by(ledger: Ledger, record: BatchRecord) -> str | None:
    """The later batch of the same request whose decisions replace ``record``'s, if any."""
    later = [
        other
        for other in batches(ledger).values()
        if other.request == record.request and other.index > record.index
    ]
    return max(later, key=lambda other: other.index).batch if later else None


def _probability(doc: dict[str, Any]) -> float | None:
    basis_points = doc.get("match_bp")
    return None if basis_points is None else int(basis_points) / 10_000


def _waiting(ledger: Ledger, record: BatchRecord) -> list[ReviewItem]:
    decided = ledger.recorded_items(record.batch, kind="verdict")
    return [
        ReviewItem(record.batch, doc["item"], _probability(doc), record.as_of, doc)
        for _, doc in ledger.entries_of("decision", batch=record.batch, contains=_REVIEW_TEXT)
        if doc.get("outcome") == REVIEW and doc.get("item") not in decided
    ]


def pending(ledger: Ledger, batch: str | None = None) -> list[ReviewItem]:
    """Items waiting for an officer, oldest batch first; only ``batch``'s when given."""
    if batch is not None:
        record = find_batch(ledger, batch)
        return [] if superseded_by(ledger, record) else _waiting(ledger, record)
    latest: dict[str, BatchRecord] = {}
    for record in sorted(batches(ledger).values(), key=lambda r: r.index):
        latest[record.request] = record
    return [
        item
        for record in sorted(latest.values(), key=lambda r: r.index)
        for item in _waiting(ledger, record)
    ]


def waiting_item(ledger: Ledger, batch: str, item: str) -> tuple[BatchRecord, dict[str, Any]]:
    """The batch and the decision of an item that waits for review, or a one-line error."""
    record = find_batch(ledger, batch)
    decision = ledger.recorded(batch, item, "decision")
    if decision is None:
        raise NotFoundError(f"item {item!r} is not in batch {batch}")
    if decision.get("outcome") != REVIEW:
        raise ConflictError(
            f"item {item!r} of batch {batch} is not in review: it was decided "
            f"{decision.get('outcome')} ({';'.join(decision.get('reasons', [])) or 'no reason'})"
        )
    verdict = ledger.recorded(batch, item, "verdict")
    if verdict is not None:
        raise ConflictError(
            f"item {item!r} of batch {batch} already has a verdict: {verdict.get('outcome')} "
            f"by {verdict.get('actor', '?')} as of {verdict.get('as_of', '?')} "
            f"(recorded {verdict.get('recorded', '?')}); a verdict is final"
        )
    later = superseded_by(ledger, record)
    if later is not None:
        raise ConflictError(
            f"item {item!r} of batch {batch} is not in review any more: the request was "
            f"decided again in batch {later}; review it there"
        )
    return record, decision
