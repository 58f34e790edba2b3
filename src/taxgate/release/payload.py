"""What a sealed payload may hold: ``item_id`` and the columns its header declares, for
provided items only.

The header is what the recipient, an auditor and the ledger rely on to know what left the
agency; a payload carrying more than it declares (a TIN, a reason, a match probability) would
be a disclosure nobody recorded. So rows that do not fit are refused, never trimmed: whoever
chose the file chose wrongly, and quietly sealing part of it would hide that. Only columns
that carry nothing at all are left out, because leaving them out discloses and hides nothing:
a ``status`` column that says ``provided`` on every row (the rows are provided by definition),
and address columns that are empty on every row (``response.csv`` always has all five, empty
where the rule did not permit them).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from taxgate.errors import InputError
from taxgate.release.response import ADDRESS_CATEGORY, ADDRESS_FIELDS, PROVIDED

ITEM_ID = "item_id"
STATUS = "status"
RELEASABLE_FIELDS: tuple[str, ...] = (ADDRESS_CATEGORY, *ADDRESS_FIELDS)


def unknown_fields(fields: Iterable[str]) -> list[str]:
    """The names in ``fields`` that no sealed release can carry."""
    return [name for name in fields if name not in RELEASABLE_FIELDS]


def declared_columns(fields: Iterable[str]) -> tuple[str, ...]:
    """The payload columns ``fields`` declare, in response order: ``address`` is all five."""
    wanted = set(fields)
    if ADDRESS_CATEGORY in wanted:
        return ADDRESS_FIELDS
    return tuple(column for column in ADDRESS_FIELDS if column in wanted)


def _has_value(column: pa.ChunkedArray) -> pa.ChunkedArray:
    present = pc.is_valid(column)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        present = pc.and_(present, pc.not_equal(column, ""))
    return pc.fill_null(present, False)


def _first(mask: pa.ChunkedArray) -> int | None:
    """The 0-based index of the first true value, if any."""
    found = pc.index(mask, True).as_py()
    return None if found is None or found < 0 else int(found)


def sealable_rows(rows: pa.Table, fields: Iterable[str], source: str | Path) -> pa.Table:
    """``rows`` reduced to ``item_id`` and the declared columns, or ``InputError`` naming the
    first row and column of ``source`` that may not be sealed under ``fields``."""
    fields = tuple(fields)
    hint = "a sealed release carries item_id and " + (
        ", ".join(declared_columns(fields)) or "no other column"
    )
    unknown = unknown_fields(fields)
    if unknown:
        raise InputError(
            source,
            f"field {unknown[0]!r} cannot be sealed",
            hint="a release carries " + ", ".join(RELEASABLE_FIELDS),
        )
    if ITEM_ID not in rows.column_names:
        raise InputError(source, "missing column", field=ITEM_ID, hint=hint)
    declared = declared_columns(fields)
    if STATUS in rows.column_names:
        status = rows[STATUS].cast(pa.string())
        at = _first(pc.fill_null(pc.not_equal(status, PROVIDED), True))
        if at is not None:
            raise InputError(
                source,
                f"item {rows[ITEM_ID][at].as_py()!r} is {status[at].as_py()!r}: only provided "
                "items may be sealed",
                row=at + 1,
                field=STATUS,
                hint="seal the provided rows only",
            )
    for name in rows.column_names:
        if name in (ITEM_ID, STATUS, *declared):
            continue
        at = _first(_has_value(rows[name]))
        if at is not None:
            raise InputError(
                source,
                "not a declared field: it may not be sealed",
                row=at + 1,
                field=name,
                hint=hint,
            )
    missing = [column for column in declared if column not in rows.column_names]
    if missing:
        raise InputError(
            source, "declared as released but not in the rows", field=missing[0], hint=hint
        )
    return rows.select([ITEM_ID, *declared])
