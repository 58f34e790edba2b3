"""Canonical JSON entries: stable bytes, exact values, and no FTI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxgate.errors import EntryError
from taxgate.ledger.entries import Entry, canonical, decode, encode, entry_text

text = st.text(max_size=12)
texts = st.lists(text, max_size=3).map(tuple)


@given(
    kind=st.sampled_from(["decision", "verdict", "release", "order", "notice", "acknowledgement"]),
    batch=text,
    item=text,
    outcome=text,
    reasons=texts,
    rules=texts,
    as_of=st.none() | st.dates(),
    match_bp=st.none() | st.integers(0, 10_000),
    fields=texts,
    details=st.dictionaries(text, st.integers() | text | st.booleans(), max_size=3),
)
def test_the_fast_encoder_writes_exactly_canonical_json(
    kind: str,
    batch: str,
    item: str,
    outcome: str,
    reasons: tuple[str, ...],
    rules: tuple[str, ...],
    as_of: date | None,
    match_bp: int | None,
    fields: tuple[str, ...],
    details: dict[str, int | str | bool],
) -> None:
    details = {k: v for k, v in details.items() if not (isinstance(v, str) and v.isdigit())}
    entry = Entry(
        kind=kind,  # type: ignore[arg-type]
        batch=batch,
        item=item,
        outcome=outcome,
        reasons=reasons,
        rules=rules,
        as_of=as_of,
        match_bp=match_bp,
        fields=fields,
        recipient=outcome,
        details=details,
    )
    recorded = "2025-08-06T12:00:00.000000Z"
    assert entry_text(entry, recorded).encode() == canonical(entry.to_json(recorded))
    assert Entry.from_json(decode(encode(entry, recorded))) == entry


def test_canonical_json_is_sorted_compact_and_one_line() -> None:
    entry = Entry("decision", "ICE-2025-0806", "7", outcome="withhold", reasons=("a\nb",))
    body = encode(entry, "2025-08-06T00:00:00.000000Z")
    assert b"\n" not in body and b" " not in body
    keys = list(json.loads(body))
    assert keys == sorted(keys)


def test_probabilities_are_basis_points_and_floats_are_refused() -> None:
    body = encode(Entry("decision", "b", "1", match_bp=9950), "t")
    assert b'"match_bp":9950' in body
    with pytest.raises(EntryError, match="float"):
        floating = {"probability": 0.995}
        encode(Entry("decision", "b", "1", details=floating), "t")  # type: ignore[arg-type]


def test_a_tin_shaped_detail_is_refused() -> None:
    for tin in ["000123456", "000-12-3456"]:
        with pytest.raises(EntryError, match="TIN"):
            encode(Entry("decision", "b", "1", details={"note": [tin]}), "t")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(EntryError, match="kind"):
        encode(Entry("gossip", "b", "1"), "t")  # type: ignore[arg-type]
