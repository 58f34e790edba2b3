"""Batch screens: boilerplate reasons, shared investigation ids, one officer everywhere."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from taxgate import reasons
from taxgate.intake.columns import clean_text_column, normalize_officer
from taxgate.intake.screens import run_screens
from taxgate.intake.templates import NORMALISED_PARTICULARS, RAW_PARTICULARS
from taxgate.settings import IntakeSettings, NotSpecificSettings, OfficerSettings, load_settings

from .conftest import WriteRequest, good_item, individual_reason
from .test_checks import reasons_of

PARTICULARS = (*RAW_PARTICULARS, *NORMALISED_PARTICULARS)
DEFAULTS = load_settings().intake  # max_share 0.05, min_items 25, min_investigations 25


def batch_table(reason: list[str], investigation: list[str], officer: list[str]) -> pa.Table:
    n = len(reason)
    return pa.table(
        {
            "item_id": [f"I-{i}" for i in range(n)],
            "norm_reason": clean_text_column(pa.chunked_array([pa.array(reason, pa.string())])),
            "norm_investigation_id": clean_text_column(
                pa.chunked_array([pa.array(investigation, pa.string())])
            ),
            "norm_officer": [normalize_officer(o) for o in officer],
            **{name: [""] * n for name in PARTICULARS if name != "norm_officer"},
        }
    )


def test_boilerplate_reason_flags_every_item_carrying_it(write_request: WriteRequest) -> None:
    boilerplate = "Subject is a removable alien who failed to depart; 8 USC 1253."
    items = [good_item(i) for i in range(600)]
    for item in items[:30]:  # 5% of 600 is 30: must be MORE than 5%
        item["reason"] = boilerplate
    from taxgate.intake import load_request

    batch = load_request(write_request(items))
    assert all(reasons.NOT_SPECIFIC not in r for r in reasons_of(batch).values())
    items[30]["reason"] = boilerplate.upper().replace(";", ",")  # same text once normalised
    batch = load_request(write_request(items))
    flagged = [k for k, r in reasons_of(batch).items() if reasons.NOT_SPECIFIC in r]
    assert len(flagged) == 31
    (finding,) = batch.screens
    assert (finding.code, finding.field, finding.items) == (reasons.NOT_SPECIFIC, "reason", 31)
    assert finding.share == 31 / 600 and finding.threshold == 0.05
    assert "FAILED TO DEPART" in finding.value


def test_one_investigation_id_for_everyone_is_flagged() -> None:
    n = 100
    table = batch_table(
        [individual_reason(i) for i in range(n)], ["OP-SWEEP"] * 60 + [""] * 40, [""] * n
    )
    findings, masks = run_screens(table, DEFAULTS)
    assert [(f.field, f.value, f.items) for f in findings] == [("investigation_id", "OP SWEEP", 60)]
    assert masks[reasons.NOT_SPECIFIC].to_pylist() == [True] * 60 + [False] * 40


def test_one_officer_across_many_investigations_is_flagged() -> None:
    n = 400
    officers = ["SA John Smith"] * 30 + ["Smith, John"] * 10 + [f"Officer {i}" for i in range(360)]
    table = batch_table(["x"] * n, [f"CASE-{i}" for i in range(n)], officers)
    findings, masks = run_screens(table, DEFAULTS)
    officer_findings = [f for f in findings if f.code == reasons.OFFICERS]
    assert [(f.value, f.items, f.distinct_investigations) for f in officer_findings] == [
        ("JOHN SMITH", 40, 40)
    ]
    assert sum(masks[reasons.OFFICERS].to_pylist()) == 40


def test_evidence_is_truncated() -> None:
    long = "because " * 100
    findings, _ = run_screens(batch_table([long] * 30, [""] * 30, [""] * 30), DEFAULTS)
    assert len(findings[0].value) <= 200


def test_thresholds_come_from_settings() -> None:
    strict = IntakeSettings(
        not_specific=NotSpecificSettings(
            max_share=0.5,
            min_items=3,
            template_max_share=0.5,
            cited_template_max_share=0.5,
            template_coverage=0.75,
        ),
        officers=OfficerSettings(max_share=0.5, min_investigations=3),
        removal_min_days=90,
        max_item_file_mb=10,
    )
    table = batch_table(
        ["same words here"] * 4 + ["other text x"], ["A", "B", "C", "D", "E"], ["Pat"] * 5
    )
    findings, _ = run_screens(table, strict)
    assert {(f.code, f.field) for f in findings} == {
        (reasons.NOT_SPECIFIC, "reason"),
        (reasons.OFFICERS, "officer"),
    }


# Distinct words: a reason like "value 7" would be one template ("VALUE") for everyone.
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()  # noqa: SIM905
values = st.sampled_from([f"{a} {b}" for a in WORDS for b in WORDS[:3]] + [""])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_individual_batches_are_never_flagged(data: st.DataObject) -> None:
    """Any batch where every reason, investigation and officer value is carried by fewer
    than min_items items is never flagged, whatever the shares."""
    limit = DEFAULTS.not_specific.min_items
    n = data.draw(st.integers(1, 120))

    def column() -> list[str]:
        drawn = data.draw(st.lists(values, min_size=n, max_size=n))
        counts: dict[str, int] = {}
        out = []
        for i, value in enumerate(drawn):
            counts[value] = counts.get(value, 0) + 1
            out.append(value if counts[value] < limit else f"unique {WORDS[i % 13]} {i}")
        return out

    findings, masks = run_screens(batch_table(column(), column(), column()), DEFAULTS)
    assert findings == ()
    assert not any(masks[reasons.NOT_SPECIFIC].to_pylist())
    assert not any(masks[reasons.OFFICERS].to_pylist())
