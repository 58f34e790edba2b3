"""Batch-level screens: is the request individualised?

``request.not-specific``: one normalised reason text, or one investigation id, carried by more
than ``max_share`` of the batch's items *and* by at least ``min_items`` of them (D. Mass.,
5 Feb 2026: requests not tied to specific investigations). ``request.officers``: one officer
named across more than ``max_share`` of the batch's distinct investigations *and* at least
``min_investigations`` of them (D.D.C., 21 Nov 2025). Every item carrying a flagged value gets
the code. The absolute minimum keeps a small batch of genuinely individual items (a family on
one case) from ever being flagged by share alone.

An item with no investigation id counts as its own investigation for the officer screen: an
officer on thousands of items with no case numbers is no more plausibly engaged in each.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from taxgate import reasons
from taxgate.model import ScreenFinding
from taxgate.settings import IntakeSettings

EVIDENCE_CHARS: Final = 200


def _evidence(value: str) -> str:
    return value if len(value) <= EVIDENCE_CHARS else value[: EVIDENCE_CHARS - 1] + "…"


def _repeated(
    column: pa.ChunkedArray, field: str, total: int, settings: IntakeSettings
) -> tuple[list[ScreenFinding], pa.Array]:
    rule = settings.not_specific
    counts = pa.table({"value": column}).group_by("value").aggregate([("value", "count")])
    counts = counts.filter(pc.not_equal(counts.column("value"), ""))
    hits = counts.filter(
        pc.and_(
            pc.greater(counts.column("value_count"), rule.max_share * total),
            pc.greater_equal(counts.column("value_count"), rule.min_items),
        )
    )
    findings = [
        ScreenFinding(
            code=reasons.NOT_SPECIFIC,
            field=field,
            value=_evidence(value),
            items=int(count),
            share=count / total,
            threshold=rule.max_share,
        )
        for value, count in zip(
            hits.column("value").to_pylist(), hits.column("value_count").to_pylist(), strict=True
        )
    ]
    return findings, pc.is_in(column, value_set=hits.column("value").combine_chunks())


def _officers(items: pa.Table, settings: IntakeSettings) -> tuple[list[ScreenFinding], pa.Array]:
    rule = settings.officers
    investigation = pc.if_else(
        pc.equal(items.column("norm_investigation_id"), ""),
        pc.binary_join_element_wise("item:", items.column("item_id"), ""),
        items.column("norm_investigation_id"),
    )
    table = pa.table({"officer": items.column("norm_officer"), "investigation": investigation})
    total = len(pc.unique(investigation))
    per_officer = table.group_by("officer").aggregate(
        [("investigation", "count_distinct"), ("officer", "count")]
    )
    per_officer = per_officer.filter(pc.not_equal(per_officer.column("officer"), ""))
    distinct = per_officer.column("investigation_count_distinct")
    hits = per_officer.filter(
        pc.and_(
            pc.greater(distinct, rule.max_share * total),
            pc.greater_equal(distinct, rule.min_investigations),
        )
    )
    findings = [
        ScreenFinding(
            code=reasons.OFFICERS,
            field="officer",
            value=_evidence(officer),
            items=int(count),
            share=spread / total,
            threshold=rule.max_share,
            distinct_investigations=int(spread),
        )
        for officer, spread, count in zip(
            hits.column("officer").to_pylist(),
            hits.column("investigation_count_distinct").to_pylist(),
            hits.column("officer_count").to_pylist(),
            strict=True,
        )
    ]
    return findings, pc.is_in(
        items.column("norm_officer"), value_set=hits.column("officer").combine_chunks()
    )


def run_screens(
    items: pa.Table, settings: IntakeSettings
) -> tuple[tuple[ScreenFinding, ...], dict[str, pa.Array]]:
    """Findings (largest first) and, per code, the mask of items that carry a flagged value."""
    total = items.num_rows
    reason_findings, by_reason = _repeated(items.column("norm_reason"), "reason", total, settings)
    case_findings, by_case = _repeated(
        items.column("norm_investigation_id"), "investigation_id", total, settings
    )
    officer_findings, by_officer = _officers(items, settings)
    findings = sorted(
        [*reason_findings, *case_findings, *officer_findings],
        key=lambda f: (f.code, -f.items, f.field, f.value),
    )
    masks = {reasons.NOT_SPECIFIC: pc.or_(by_reason, by_case), reasons.OFFICERS: by_officer}
    return tuple(findings), masks
