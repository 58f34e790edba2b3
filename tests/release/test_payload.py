"""A sealed payload holds item_id and the declared fields of provided items, nothing else."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxgate.errors import InputError
from taxgate.release import ADDRESS_FIELDS, open_sealed, seal
from taxgate.release.payload import RELEASABLE_FIELDS, declared_columns, sealable_rows

from .conftest import BEFORE_EXPIRY, Keys, header, released_rows


def decisions_copy() -> pa.Table:
    """decisions.csv's columns: internal, never for a recipient."""
    return pa.table(
        {
            "item_id": ["A-1", "A-2"],
            "outcome": ["release", "withhold"],
            "reasons": ["", "match.none"],
            "rules": ["i2-criminal", "default-deny"],
            "tin": ["000110001", ""],
            "match_probability": ["0.998", ""],
        }
    )


def test_sealing_decisions_is_refused_naming_file_row_and_column(
    keys: Keys, tmp_path: Path
) -> None:
    out = tmp_path / "d.sealed"
    with pytest.raises(InputError) as refused:
        recipient = keys.recipient.public_key()
        seal(decisions_copy(), header(), recipient, keys.discloser, out, source="decisions.csv")
    message = str(refused.value)
    assert message.startswith("decisions.csv, row 1, field 'outcome': not a declared field")
    assert "\n" not in message and not out.exists()


def test_a_not_provided_row_is_refused_not_dropped(keys: Keys, tmp_path: Path) -> None:
    rows = released_rows()
    status = rows.column_names.index("status")
    rows = rows.set_column(status, "status", pa.array(["provided", "not-provided", "provided"]))
    with pytest.raises(InputError, match="row 2, field 'status': item 'A-2' is 'not-provided'"):
        seal(rows, header(), keys.recipient.public_key(), keys.discloser, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_a_column_the_header_does_not_declare_is_refused() -> None:
    only_zip = header().fields[-1:]
    with pytest.raises(InputError, match="row 1, field 'street': not a declared field"):
        sealable_rows(released_rows(), only_zip, "response.csv")


def test_a_declared_column_missing_from_the_rows_is_refused() -> None:
    with pytest.raises(InputError, match="field 'zip': declared as released but not in"):
        sealable_rows(released_rows().drop_columns(["zip"]), ("address",), "rows.csv")


def test_a_field_no_release_carries_is_refused() -> None:
    with pytest.raises(InputError, match="field 'income' cannot be sealed"):
        sealable_rows(released_rows(), ("address", "income"), "rows.csv")


def test_identity_only_release_seals_item_ids_and_nothing_else(keys: Keys, tmp_path: Path) -> None:
    """response.csv always has the address columns; empty, they carry nothing and are left out."""
    rows = released_rows()
    for name in ADDRESS_FIELDS:
        rows = rows.set_column(rows.column_names.index(name), name, pa.array([""] * 3))
    out = tmp_path / "identity.sealed"
    identity_only = replace(header(), fields=())
    sealed = seal(rows, identity_only, keys.recipient.public_key(), keys.discloser, out)
    opened, payload = open_sealed(out, keys.recipient, keys.discloser_public, BEFORE_EXPIRY)
    assert payload.column_names == ["item_id"] and opened == sealed and opened.fields == ()


@given(
    fields=st.lists(st.sampled_from(RELEASABLE_FIELDS), unique=True),
    filled=st.sets(st.sampled_from(ADDRESS_FIELDS)),
)
def test_sealed_columns_are_exactly_item_id_and_the_declared_fields(
    fields: list[str], filled: set[str]
) -> None:
    declared = declared_columns(fields)
    rows = pa.table(
        {
            "item_id": ["A-1", "A-2"],
            "status": ["provided", "provided"],
            **{name: ["x" if name in filled else "", ""] for name in ADDRESS_FIELDS},
        }
    )
    if filled <= set(declared):
        assert sealable_rows(rows, fields, "f.csv").column_names == ["item_id", *declared]
    else:
        with pytest.raises(InputError, match="not a declared field"):
            sealable_rows(rows, fields, "f.csv")
