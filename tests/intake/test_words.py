"""Words split once per batch, and reason templates, against their definitions written plainly.

The template screen works on codes and row-scoped keys for speed; here each item's template,
its citation of its own investigation and its coverage are recomputed word by word in Python
from the definition in ``taxgate.intake.templates`` and must agree exactly.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from taxgate.intake import text as tx
from taxgate.intake.templates import MONTHS, NORMALISED_PARTICULARS, reason_templates
from taxgate.intake.words import ItemWords, Words

# Few words, so that reasons repeat, share phrases and contain items' own particulars.
VOCABULARY = ["SUBJECT", "FAILED", "TO", "DEPART", "ICE", "ERO", "RO", "MAY", "A", "GARCIA"]
VOCABULARY += ["KIM", "MAIN", "ST", "2019", "X7", "DE LA", "O'BRIEN", "Müller"]
phrase = st.lists(st.sampled_from(VOCABULARY), max_size=7).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(phrase | st.sampled_from(["", "  A  B "]), min_size=1, max_size=30))
def test_words_are_the_values_split_on_spaces(values: list[str]) -> None:
    for clean in (False, True):
        words = Words.of(pa.array(values, pa.string()), tx_clean if clean else None)
        code, row = words.in_rows()
        vocabulary = words.vocabulary.to_pylist()
        got: list[list[str]] = [[] for _ in values]
        for c, r in zip(code.tolist(), row.tolist(), strict=True):
            got[r].append(vocabulary[c])
        cleaned = [tx.clean_text(v) if clean else v for v in values]
        assert got == [[w for w in v.split(" ") if w] for v in cleaned]
        long_words = np.array([len(w) >= 4 for w in vocabulary], dtype=bool)
        counts = words.counts(long_words) if vocabulary else np.zeros(len(values))
        assert counts.tolist() == [sum(len(w) >= 4 for w in v.split()) for v in cleaned]


def tx_clean(column: pa.ChunkedArray) -> pa.ChunkedArray:
    from taxgate.intake.columns import clean_text_column

    return clean_text_column(column)


def generic(word: str) -> bool:
    return word in MONTHS or any(ch.isdigit() for ch in word) or len(word) < 2


def oracle(rows: list[dict[str, str]], shares: tuple[float, float], min_items: int) -> Any:
    """Templates, citations and coverage as the module docstring defines them."""
    templates, cites = [], []
    for row in rows:
        own = set(tx.clean_text(row["surname"]).split())
        own |= set(tx.clean_text(row["removal_order_case"]).split())
        for name in (*NORMALISED_PARTICULARS, "norm_investigation_id"):
            own |= set(row[name].split())
        words = row["norm_reason"].split()
        templates.append(tuple(w for w in words if not generic(w) and w not in own))
        case = row["norm_investigation_id"].split()
        cites.append(bool(case) and all(w in set(words) for w in case))
    carriers = Counter(templates)

    def triples(template: tuple[str, ...]) -> set[tuple[str, ...]]:
        if 0 < len(template) < 3:
            return {(*template, "", "")[:3]}
        return {template[i : i + 3] for i in range(len(template) - 2)}

    carried: Counter[tuple[str, ...]] = Counter()
    for template, count in carriers.items():
        for triple in triples(template):
            carried[triple] += count
    coverage = []
    for share in shares:
        per = {}
        for template in carriers:
            found = triples(template)
            common = [
                t for t in found if carried[t] > share * len(rows) and carried[t] >= min_items
            ]
            per[template] = len(common) / len(found) if found else 0.0
        coverage.append([per[t] for t in templates])
    return [" ".join(t) for t in templates], cites, coverage


@st.composite
def batches(draw: st.DrawFn) -> list[dict[str, str]]:
    size = draw(st.integers(1, 25))
    boilerplate = draw(phrase)
    rows = []
    for i in range(size):
        given_name = draw(st.sampled_from(["MARIA", "KIM", "SUBJECT", ""]))
        reason = boilerplate if draw(st.booleans()) else draw(phrase)
        if draw(st.booleans()):
            reason = f"{reason} {given_name} {i}"
        rows.append(
            {
                "norm_reason": tx.clean_text(reason),
                "norm_investigation_id": draw(st.sampled_from(["ICE ERO 2025", f"ICE {i}", ""])),
                "surname": draw(st.sampled_from(["Garcia", "de la Cruz", "O'Brien", "Müller"])),
                "removal_order_case": draw(st.sampled_from(["RO-1", "A 12", "", "May 5"])),
                "norm_given_name": given_name,
                "norm_middle_name": "",
                "norm_street": draw(st.sampled_from(["MAIN ST", "DEPART AVE", ""])),
                "norm_city": "",
                "norm_officer": draw(st.sampled_from(["AMES", "TO"])),
            }
        )
    return rows


@settings(max_examples=150, deadline=None)
@given(rows=batches(), min_items=st.integers(1, 4))
def test_templates_agree_with_their_definition(rows: list[dict[str, str]], min_items: int) -> None:
    items = pa.Table.from_pylist(rows)
    shares = (0.2, 0.5)
    found = reason_templates(items, shares, min_items, ItemWords(items))
    texts, cites, (low, high) = oracle(rows, shares, min_items)
    assert found.text.to_pylist() == texts
    assert found.cites_investigation.tolist() == cites
    assert np.allclose(found.coverage_low, low) and np.allclose(found.coverage_high, high)


def test_an_investigation_is_cited_whole_or_word_by_word() -> None:
    # Whole runs are settled in one scan, the rest word by word: both must give the definition.
    reasons = [
        "CASE ICE ERO 7 OPEN",  # whole
        "ERO 7 FOR ICE",  # every word, scattered
        "ICE ERO 77",  # a word missing ("7" is not "77")
        "ICE ERO 7",  # whole, at both ends
        "ANYTHING",  # no id at all: nothing to cite
        "XICE ERO 7",  # a longer word is not the word
    ]
    ids = ["ICE ERO 7", "ICE ERO 7", "ICE ERO 7", "ICE ERO 7", "", "ICE ERO 7"]
    rows = [
        dict.fromkeys(("surname", "removal_order_case", *NORMALISED_PARTICULARS), "")
        | {"norm_reason": reason, "norm_investigation_id": case}
        for reason, case in zip(reasons, ids, strict=True)
    ]
    items = pa.Table.from_pylist(rows)
    found = reason_templates(items, (0.5, 0.5), 1, ItemWords(items))
    assert found.cites_investigation.tolist() == oracle(rows, (0.5, 0.5), 1)[1]
    assert found.cites_investigation.tolist() == [True, True, False, True, False, False]
