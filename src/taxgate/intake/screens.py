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
from taxgate.intake.words import ItemWords, Words, flags
from taxgate.model import ScreenFinding
from taxgate.settings import IntakeSettings

EVIDENCE_CHARS: Final = 200


def _evidence(value: str) -> str:
    return value if len(value) <= EVIDENCE_CHARS else value[: EVIDENCE_CHARS - 1] + "…"


def _repeated(
    words: Words, field: str, total: int, settings: IntakeSettings
) -> tuple[list[ScreenFinding], pa.Array]:
    rule = settings.not_specific
    # The column's values are already hashed to distinct ones: count rows per value.
    counts = np.bincount(words.value, minlength=len(words.values))
    filled = flags(pc.not_equal(words.values, ""))
    hit = filled & (counts > rule.max_share * total) & (counts >= rule.min_items)
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
            words.values.filter(pa.array(hit)).to_pylist(), counts[hit].tolist(), strict=True
        )
    ]
    return findings, pa.array(hit[words.value])


def _most_common(texts: pa.Array, chosen: np.ndarray) -> str:
    """The text most of ``chosen`` (indexes into ``texts``) carry; ties to the smallest."""
    counts = np.bincount(chosen, minlength=len(texts))
    ranked = pa.table({"value": texts, "count": counts}).filter(pa.array(counts > 0))
    ranked = ranked.sort_by([("count", "descending"), ("value", "ascending")])
    return str(ranked.column("value")[0].as_py())


def _templated(
    items: pa.Table, already: pa.Array, settings: IntakeSettings, words: ItemWords
) -> tuple[list[ScreenFinding], pa.Array]:
    rule = settings.not_specific
    shares = (rule.template_max_share, rule.cited_template_max_share)
    found = reason_templates(items, shares, rule.min_items, words)
    filled = flags(pc.not_equal(found.texts, ""))[found.template]
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
        shown = _most_common(found.texts, found.template[chosen])
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
    items: pa.Table, settings: IntakeSettings, words: ItemWords | None = None
) -> tuple[tuple[ScreenFinding, ...], dict[str, pa.Array]]:
    """Findings (largest first) and, per code, the mask of items that carry a flagged value.

    ``words`` shares the split text columns with the batch's item checks."""
    words = words or ItemWords(items)
    total = items.num_rows
    # The reasons last: a worker may still be splitting them (see ItemWords.prefetch).
    officer_findings, by_officer = _officers(items, settings)
    case_findings, by_case = _repeated(
        words("norm_investigation_id"), "investigation_id", total, settings
    )
    reason_findings, by_reason = _repeated(words("norm_reason"), "reason", total, settings)
    template_findings, by_template = _templated(items, by_reason, settings, words)
    findings = sorted(
        [*reason_findings, *template_findings, *case_findings, *officer_findings],
        key=lambda f: (f.code, -f.items, f.field, f.value),
    )
    not_specific = pc.or_(pc.or_(by_reason, by_template), by_case)
    masks = {reasons.NOT_SPECIFIC: not_specific, reasons.OFFICERS: by_officer}
    return tuple(findings), masks
