"""What a decided batch puts in the ledger: one entry per item decision and one per release.

The entries carry the rule ids and the policy-set hash so any decision can be replayed, and a
keyed hash of the matched TIN (never the TIN) so a taxpayer's accounting can be found. The
release entry carries the digests of the files the batch publishes; a re-run of the same batch
must reproduce them exactly or it is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from taxgate.errors import ConflictError
from taxgate.ledger.entries import Entry
from taxgate.ledger.log import Ledger
from taxgate.release.response import ADDRESS_FIELDS

if TYPE_CHECKING:
    from taxgate.batch import BatchFiles
    from taxgate.law import LawDecisions
    from taxgate.model import IntakeBatch
    from taxgate.pipeline import DecideOptions


def check_replay(ledger: Ledger, files: BatchFiles) -> None:
    """Refuse to re-run a batch whose recorded release differs from what we would publish.

    The same batch run again after a crash reproduces the same bytes, and the ledger skips
    what it already holds. Different bytes mean the world, the orders or the request changed:
    publishing them would be a second, different release under the same batch id.
    """
    recorded = ledger.recorded(files.batch_id, "", "release")
    if recorded is None:
        return
    details = recorded.get("details", {})
    if (
        recorded.get("digest") != files.response_digest
        or details.get("decisions_digest") != files.decisions_digest
    ):
        raise ConflictError(
            f"batch {files.batch_id} was already decided and recorded with different results "
            f"(ledger entry at {recorded.get('recorded', '?')}); the world, orders or request "
            "changed since. Decide it under a new --as-of date, or compare with "
            "`taxgate orders what-if`"
        )


def row_digest(row: dict[str, str]) -> str:
    """SHA-256 of exactly what one released row sent: the item id and its address fields."""
    text = "\x1f".join(row[name] or "" for name in ("item_id", *ADDRESS_FIELDS))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def batch_entries(
    ledger: Ledger,
    files: BatchFiles,
    batch: IntakeBatch,
    decisions: pa.Table,
    response: pa.Table,
    fields: tuple[str, ...],
    law: LawDecisions,
    options: DecideOptions,
) -> Iterator[Entry]:
    """Every item's decision, then the release of the response file, for ``append_batch``.

    ``fields`` are the categories a release carries (``batch.released_fields``)."""
    manifest = batch.manifest
    # Each released item's entry carries a digest of exactly the row that was sent.
    provided = response.filter(pc.equal(response["status"], "provided"))
    digests = {row["item_id"]: row_digest(row) for row in provided.to_pylist()}

    columns = decisions.to_pydict()
    for item_id, outcome, reasons, rules, tin, probability in zip(
        columns["item_id"],
        columns["outcome"],
        columns["reasons"],
        columns["rules"],
        columns["tin"],
        columns["match_probability"],
        strict=True,
    ):
        is_release = outcome == "release"
        yield Entry(
            kind="decision",
            batch=files.batch_id,
            item=item_id,
            outcome=outcome,
            reasons=tuple(reasons),
            rules=tuple(rules),
            policy_hash=law.policy_sha256,
            as_of=law.as_of,
            actor=options.actor,
            subject=ledger.subject(tin) if tin else "",
            match_bp=None if probability is None else round(probability * 10_000),
            recipient=manifest.requester if is_release else "",
            purpose=manifest.purpose if is_release else "",
            basis=manifest.basis if is_release else "",
            fields=fields if is_release else (),
            digest=digests.get(item_id, "") if is_release else "",
        )
    yield Entry(
        kind="release",
        batch=files.batch_id,
        outcome="release",
        policy_hash=law.policy_sha256,
        as_of=law.as_of,
        actor=options.actor,
        recipient=manifest.requester,
        purpose=manifest.purpose,
        basis=manifest.basis,
        fields=fields,
        digest=files.response_digest,
        details={
            "request": manifest.id,
            "items": batch.size,
            "provided": files.provided,
            "decisions_digest": files.decisions_digest,
            "orders_in_force": list(law.orders_in_force),
            "manifest": str(manifest.path),
            "world": str(options.world),
            "orders": str(options.orders) if options.orders else "built-in",
        },
    )
