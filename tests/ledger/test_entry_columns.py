"""Entries written a column at a time are byte for byte the entries written one by one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxgate.errors import EntryError
from taxgate.ledger.entries import Entry, EntryColumns, canonical, entry_text, entry_texts

# Quotes, backslashes, control characters and non-ASCII text are where encoders differ.
text = st.text(max_size=10) | st.sampled_from(["", 'a"b', "c\\d", "e\nf", "\x1f", "Zoë", "\u2028"])
texts = st.lists(text, max_size=3).map(tuple)
RECORDED = "2025-08-07T12:00:00.000000Z"
VARYING = ("item", "outcome", "reasons", "rules", "subject", "match_bp", "recipient", "fields")


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "item": draw(text),
        "outcome": draw(st.sampled_from(["release", "withhold", "review", ""])),
        "reasons": draw(texts),
        "rules": draw(texts),
        "subject": draw(text),
        "match_bp": draw(st.none() | st.integers(-5, 10_000)),
        "recipient": draw(text),
        "fields": draw(texts),
    }


def as_table(chosen: list[dict[str, Any]], names: list[str]) -> pa.Table:
    types = {"match_bp": pa.int64()}
    lists = ("reasons", "rules", "fields")
    return pa.table(
        {
            name: pa.array(
                [list(row[name]) if name in lists else row[name] for row in chosen],
                types.get(name, pa.list_(pa.string()) if name in lists else pa.string()),
            )
            for name in names
        }
    )


@settings(deadline=None)
@given(
    chosen=st.lists(rows(), min_size=1, max_size=12),
    names=st.sets(st.sampled_from(VARYING), min_size=1).map(sorted),
    template=st.fixed_dictionaries(
        {
            "batch": text,
            "policy_hash": text,
            "actor": text,
            "purpose": text,
            "as_of": st.none() | st.dates(),
            "reasons": texts,
            "match_bp": st.none() | st.integers(0, 10_000),
        }
    ),
    cut=st.integers(0, 3),
)
def test_a_column_of_entries_is_written_exactly_as_each_entry_alone(
    chosen: list[dict[str, Any]], names: list[str], template: dict[str, Any], cut: int
) -> None:
    same = Entry("decision", **template)
    table = as_table(chosen, names)
    # The ledger appends a batch in slices: a slice must read exactly as its rows alone.
    start = min(cut, len(chosen) - 1)
    columns = EntryColumns(same, table).slice(start, len(chosen))
    written = entry_texts(columns, RECORDED).to_pylist()
    expected = []
    for row in chosen[start:]:
        entry = replace(same, **{name: row[name] for name in names})
        assert entry_text(entry, RECORDED).encode() == canonical(entry.to_json(RECORDED))
        expected.append(entry_text(entry, RECORDED))
    assert written == expected


def test_nulls_leave_a_field_out_as_an_empty_value_does() -> None:
    same = Entry("decision", "ICE-1@2025-08-07", as_of=date(2025, 8, 7))
    table = pa.table(
        {
            "item": ["1", "2"],
            "subject": pa.array([None, ""], pa.string()),
            "match_bp": pa.array([None, 9950], pa.int64()),
            "reasons": pa.array([None, []], pa.list_(pa.string())),
        }
    )
    written = entry_texts(EntryColumns(same, table), RECORDED).to_pylist()
    assert written == [
        entry_text(replace(same, item="1"), RECORDED),
        entry_text(replace(same, item="2", match_bp=9950), RECORDED),
    ]


def test_details_and_unknown_kinds_are_written_one_entry_at_a_time() -> None:
    table = pa.table({"item": ["1"]})
    with pytest.raises(EntryError, match="details"):
        EntryColumns(Entry("release", "b", details={"items": 1}), table)
    with pytest.raises(EntryError, match="as_of"):
        EntryColumns(Entry("decision", "b"), table.append_column("as_of", pa.array(["x"])))
    with pytest.raises(EntryError, match="kind"):
        EntryColumns(Entry("sneeze", "b"), table)  # type: ignore[arg-type]
