"""A decided batch's ``summary.json`` (contracts.md §4): counts by outcome and reason, the
specificity screens' evidence, and the ledger's signed tree head after the batch."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

from taxgate.law import LawDecisions
from taxgate.ledger import TreeHead
from taxgate.model import OUTCOMES, IntakeBatch


def batch_summary(
    batch_id: str,
    batch: IntakeBatch,
    decisions: pa.Table,
    law: LawDecisions,
    head: TreeHead,
    seconds: dict[str, float],
) -> dict[str, Any]:
    """summary.json: counts by outcome and reason, the tree head, and how to replay."""
    outcomes = Counter(decisions["outcome"].to_pylist())
    by_reason = Counter(code for codes in decisions["reasons"].to_pylist() for code in codes)
    return {
        "batch": batch_id,
        "request": batch.manifest.id,
        "requester": batch.manifest.requester,
        "as_of": law.as_of.isoformat(),
        "items": batch.size,
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
        "reasons": dict(sorted(by_reason.items())),
        "screens": [
            {
                "code": finding.code,
                "field": finding.field,
                "value": finding.value,
                "items": finding.items,
                "share": round(finding.share, 4),
            }
            for finding in batch.screens
        ],
        "policy_sha256": law.policy_sha256,
        "orders_in_force": list(law.orders_in_force),
        "distinct_legal_contexts": law.distinct_contexts,
        "tree_head": head.to_dict(),
        "seconds": seconds,
    }
