"""Batch-level screens: is the request individualised?

``request.not-specific``: one normalised reason text, or one investigation id, carried by more
than ``max_share`` of the batch's items *and* by at least ``min_items`` of them (D. Mass.,
5 Feb 2026: requests not tied to specific investigations). ``request.officers``: one officer
named across more than ``max_share`` of the batch's distinct investigations *and* at least
``min_investigations`` of them (D.D.C., 21 Nov 2025). Every item carrying a flagged value gets
the code. The absolute minimum keeps a small batch of genuinely individual items (a family on
one case) from ever being flagged by share alone.

A reason dressed per item with the item's own particulars is judged by its template
(:mod:`taxgate.intake.templates`): items whose template is boilerplate get the code too, with
one finding (field ``reason_template``) per share applied for the items the exact text did not
already flag.

An item with no investigation id counts as its own investigation for the officer screen: an
officer on thousands of items with no case numbers is no more plausibly engaged in each.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate import reasons
from taxgate.intake.templates import reason_templates
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


def _most_common(values: pa.Array) -> str:
    counts = pc.value_counts(values)
    ranked = pa.table({"value": counts.field("values"), "count": counts.field("counts")})
    ranked = ranked.sort_by([("count", "descending"), ("value", "ascending")])
    return str(ranked.column("value")[0].as_py())


def _templated(
    items: pa.Table, already: pa.Array, settings: IntakeSettings
) -> tuple[list[ScreenFinding], pa.Array]:
    rule = settings.not_specific
    shares = (rule.template_max_share, rule.cited_template_max_share)
    found = reason_templates(items, shares, rule.min_items)
    filled = pc.not_equal(found.text, "").to_numpy(zero_copy_only=False)
    cites = found.cites_investigation
    low = ~cites & (found.coverage_low >= rule.template_coverage)
    high = cites & (found.coverage_high >= rule.template_coverage)
    flagged = filled & (low | high)
    fresh = flagged & ~np.asarray(already.to_numpy(zero_copy_only=False), dtype=bool)
    findings = []
    for tier, share in ((low, shares[0]), (high, shares[1])):
        chosen = fresh & tier
        count = int(chosen.sum())
        if count == 0:
            continue
        shown = _most_common(found.text.filter(pa.array(chosen)))
        findings.append(
            ScreenFinding(
                code=reasons.NOT_SPECIFIC,
                field="reason_template",
                value=_evidence(shown),
                items=count,
                share=count / items.num_rows,
                threshold=share,
            )
        )
    return findings, pa.array(flagged)


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
    template_findings, by_template = _templated(items, by_reason, settings)
    case_findings, by_case = _repeated(
        items.column("norm_investigation_id"), "investigation_id", total, settings
    )
    officer_findings, by_officer = _officers(items, settings)
    findings = sorted(
        [*reason_findings, *template_findings, *case_findings, *officer_findings],
        key=lambda f: (f.code, -f.items, f.field, f.value),
    )
    not_specific = pc.or_(pc.or_(by_reason, by_template), by_case)
    masks = {reasons.NOT_SPECIFIC: not_specific, reasons.OFFICERS: by_officer}
    return tuple(findings), masks
