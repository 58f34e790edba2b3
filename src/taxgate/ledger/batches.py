"""A decided batch in the ledger: one entry per item decision, then the batch's release entry.

The release entry is the batch's typed record (``model.BatchRecord``); this module is its one
writer (``release_entry``) and its one reader (``read_record``), so review, what-if, remedies
and reports never parse entry details by hand. Decision entries carry the rule ids and the
policy-set hash so any decision can be replayed, and a keyed hash of the matched TIN (never
the TIN) so a taxpayer's accounting can be found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate.errors import ConflictError, NotFoundError
from taxgate.ledger.entries import Entry, EntryColumns
from taxgate.ledger.heads import TreeHead
from taxgate.ledger.log import Ledger
from taxgate.model import RELEASE, BatchRecord, ReleaseTerms

# How a release entry names the built-in order timeline in place of a folder.
BUILTIN_ORDERS = "built-in"


def disclosed(terms: ReleaseTerms) -> dict[str, Any]:
    """The fields an entry of a disclosure carries (``Entry(..., **disclosed(terms))``):
    every released item, verdict and batch release says the same recipient, purpose, basis
    and categories as the request it answers."""
    return {
        "recipient": terms.recipient,
        "purpose": terms.purpose,
        "basis": terms.basis,
        "fields": terms.fields,
    }


def release_entry(record: BatchRecord) -> Entry:
    """The batch's ``release`` entry: the typed record, written the one way it is read."""
    return Entry(
        kind="release",
        batch=record.batch,
        outcome=RELEASE,
        policy_hash=record.policy_sha256,
        as_of=record.as_of,
        actor=record.actor,
        digest=record.response_sha256,
        details={
            "request": record.request,
            "items": record.items,
            "provided": record.provided,
            "decisions_digest": record.decisions_sha256,
            "settings_digest": record.settings_sha256,
            **({"sealed_digest": record.sealed_sha256} if record.sealed_sha256 else {}),
            "orders_in_force": list(record.orders_in_force),
            "manifest": str(record.manifest),
            "world": str(record.world),
            "orders": str(record.orders) if record.orders else BUILTIN_ORDERS,
        },
        **disclosed(record.terms),
    )


def read_record(index: int, doc: Mapping[str, Any]) -> BatchRecord:
    """A ``release`` entry (as recorded JSON) back as the batch's typed record."""
    details: Mapping[str, Any] = doc.get("details", {})
    orders = str(details.get("orders", BUILTIN_ORDERS))
    batch = str(doc["batch"])
    return BatchRecord(
        batch=batch,
        request=str(details.get("request", batch.rsplit("@", 1)[0])),
        as_of=date.fromisoformat(str(doc["as_of"])),
        terms=ReleaseTerms(
            recipient=str(doc.get("recipient", "")),
            purpose=str(doc.get("purpose", "")),
            basis=str(doc.get("basis", "")),
            fields=tuple(doc.get("fields", ())),
        ),
        items=int(details.get("items", 0)),
        provided=int(details.get("provided", 0)),
        response_sha256=str(doc.get("digest", "")),
        decisions_sha256=str(details.get("decisions_digest", "")),
        policy_sha256=str(doc.get("policy_hash", "")),
        settings_sha256=str(details.get("settings_digest", "")),
        orders_in_force=tuple(details.get("orders_in_force", ())),
        manifest=Path(str(details.get("manifest", ""))),
        world=Path(str(details.get("world", ""))),
        orders=None if orders == BUILTIN_ORDERS else Path(orders),
        actor=str(doc.get("actor", "")),
        sealed_sha256=str(details.get("sealed_digest", "")),
        index=index,
        recorded=str(doc.get("recorded", "")),
    )


def decision_entries(
    ledger: Ledger,
    record: BatchRecord,
    decisions: pa.Table,
    digests: Mapping[str, str],
) -> EntryColumns:
    """One ``decision`` entry per item of ``decisions`` (item_id, outcome, reasons, rules,
    tin, match_probability); a released item's carries the digest of its sent row.

    Built a column at a time: a batch has a million items, and the entries differ only in
    these columns."""
    released = pc.fill_null(pc.equal(decisions["outcome"], RELEASE), False).combine_chunks()
    probability = decisions["match_probability"].combine_chunks().cast(pa.float64())
    basis_points = np.rint(probability.to_numpy(zero_copy_only=False) * 10_000)
    item_ids = decisions["item_id"].combine_chunks()
    sent = pa.array(list(digests), pa.string())
    digest = pc.take(pa.array(list(digests.values()), pa.string()), pc.index_in(item_ids, sent))
    terms = record.terms
    fields = pa.array([list(terms.fields), []], pa.list_(pa.string()))
    table = pa.table(
        {
            "item": item_ids,
            "outcome": decisions["outcome"],
            "reasons": decisions["reasons"],
            "rules": decisions["rules"],
            "subject": _subjects(ledger, pc.fill_null(decisions["tin"], "")),
            # round() in Python and rint in numpy both round half to even.
            "match_bp": pa.array(basis_points, mask=np.isnan(basis_points)).cast(pa.int64()),
            "digest": pc.if_else(released, pc.fill_null(digest, ""), ""),
            "recipient": pc.if_else(released, terms.recipient, ""),
            "purpose": pc.if_else(released, terms.purpose, ""),
            "basis": pc.if_else(released, terms.basis, ""),
            "fields": fields.take(pc.if_else(released, 0, 1)),
        }
    )
    same = Entry(
        kind="decision",
        batch=record.batch,
        policy_hash=record.policy_sha256,
        as_of=record.as_of,
        actor=record.actor,
    )
    return EntryColumns(same, table)


def _subjects(ledger: Ledger, tins: pa.ChunkedArray) -> pa.Array:
    """The keyed hash of each matched TIN, ``""`` where none matched; one per distinct TIN."""
    distinct = pc.unique(tins)
    keyed = [ledger.subject(tin) if tin else "" for tin in distinct.to_pylist()]
    index = pc.index_in(tins, value_set=distinct)
    return pa.array(keyed, pa.string()).take(index.combine_chunks())


def recorded_release(ledger: Ledger, batch: str) -> BatchRecord | None:
    """The batch's record if the ledger already holds its release (a re-run), else None."""
    recorded = ledger.recorded(batch, "", "release")
    return None if recorded is None else read_record(-1, recorded)


def check_replay(ledger: Ledger, record: BatchRecord) -> None:
    """Refuse to re-run a batch whose recorded release differs from what we would publish.

    The same batch run again after a crash reproduces the same bytes, and the ledger skips
    what it already holds. Different bytes mean the world, the orders or the request changed:
    publishing them would be a second, different release under the same batch id.
    """
    earlier = recorded_release(ledger, record.batch)
    if earlier is None:
        return
    if (
        earlier.response_sha256 != record.response_sha256
        or earlier.decisions_sha256 != record.decisions_sha256
    ):
        raise ConflictError(
            f"batch {record.batch} was already decided and recorded with different results "
            f"(ledger entry at {earlier.recorded or '?'}); the world, orders or request "
            "changed since. Decide it under a new --as-of date, or compare with "
            "`taxgate orders what-if`"
        )


def record_batch(
    ledger: Ledger,
    record: BatchRecord,
    decisions: pa.Table,
    digests: Mapping[str, str],
    progress: Callable[[int], None] | None = None,
) -> TreeHead:
    """Every item's decision, then the batch's release, in one transaction (write-ahead: the
    caller publishes files only after this returns). Idempotent for the same batch."""
    check_replay(ledger, record)
    entries = decision_entries(ledger, record, decisions, digests)
    return ledger.append_batch([entries, release_entry(record)], progress)


def batch_records(ledger: Ledger) -> list[BatchRecord]:
    """Every decided batch, in the order their releases were recorded."""
    return [read_record(index, doc) for index, doc in ledger.entries_of("release")]


def find_batch(ledger: Ledger, batch: str) -> BatchRecord:
    """The batch ``batch``, or a one-line error naming what to do."""
    entries = ledger.entries_of("release", batch=batch)
    if not entries:
        raise NotFoundError(
            f"unknown batch {batch!r}: no decided batch has that id "
            "(ids are REQUEST@AS-OF; see `taxgate review list`)"
        )
    return read_record(*entries[-1])
