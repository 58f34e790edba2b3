"""``response.csv`` for the requester (contracts.md §4): provided or not, and nothing about why.

Every item not provided is written the same way whatever kept it back: status
``not-provided`` and five empty address columns, with the same quoting, in request order. A
requester comparing rows learns only which items were answered, never the reason (a protected
taxpayer, an order, a failed match) for the others.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate.files import replaced_atomically
from taxgate.model import RELEASE

ADDRESS_FIELDS: tuple[str, ...] = ("street", "unit", "city", "state", "zip")
RESPONSE_COLUMNS: tuple[str, ...] = ("item_id", "status", *ADDRESS_FIELDS)
PROVIDED, NOT_PROVIDED = "provided", "not-provided"
# A rule that permits the `address` category permits all five columns; a rule may instead
# name single columns (e.g. only `zip`).
ADDRESS_CATEGORY = "address"


def last_known_order(alias: str) -> str:
    """SQL ``ORDER BY`` terms that put a taxpayer's last known address first (contracts.md
    §1): the spell with the greatest ``last_year``; ties to the latest ``first_year``, then
    the address text, so the choice never varies. Years compare as numbers even in a CSV
    world, where every column reads as text."""
    text = ", ".join(f"{alias}.{name}" for name in ADDRESS_FIELDS)
    return (
        f"TRY_CAST({alias}.last_year AS INTEGER) DESC NULLS LAST, "
        f"TRY_CAST({alias}.first_year AS INTEGER) DESC NULLS LAST, {text}"
    )


def row_digest(row: Mapping[str, str | None]) -> str:
    """SHA-256 of exactly what one released row sent: the item id and its address fields."""
    text = "\x1f".join(row[name] or "" for name in ("item_id", *ADDRESS_FIELDS))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_digests(response: pa.Table) -> dict[str, str]:
    """``row_digest`` of every provided row, by item id (the rows joined in Arrow, only the
    hashing in Python: a batch provides hundreds of thousands)."""
    provided = response.filter(pc.equal(response["status"], PROVIDED))
    fields = [pc.fill_null(provided[name], "") for name in ("item_id", *ADDRESS_FIELDS)]
    texts = pc.binary_join_element_wise(*fields, "\x1f").to_pylist()
    sha = hashlib.sha256
    digests = [sha(text.encode("utf-8")).hexdigest() for text in texts]
    return dict(zip(provided["item_id"].to_pylist(), digests, strict=True))


def _permits(fields: pa.ListArray, column: str, rows: int) -> np.ndarray:
    """Per row: does the deciding rule's field list permit ``column``?"""
    flat = pc.list_flatten(fields)
    parents = pc.list_parent_indices(fields).to_numpy(zero_copy_only=False)
    hits = pc.is_in(flat, value_set=pa.array([ADDRESS_CATEGORY, column])).to_numpy(
        zero_copy_only=False
    )
    mask = np.zeros(rows, dtype=bool)
    mask[parents[hits]] = True
    return mask


def build_response(decisions: pa.Table, addresses: pa.Table) -> pa.Table:
    """The response rows, in the order of ``decisions``.

    ``decisions``: item_id, outcome, tin, fields (the fields the deciding rule permits).
    ``addresses``: tin, street, unit, city, state, zip, one row per taxpayer (the last known
    address; see ``last_known_addresses``). Only ``release`` items are provided, and only with
    the permitted columns; a released taxpayer with no address on file is provided empty.
    """
    rows = decisions.num_rows
    released = pc.fill_null(pc.equal(decisions["outcome"], RELEASE), False)
    provided = np.asarray(released.to_numpy(zero_copy_only=False), dtype=bool)
    at = pc.index_in(
        decisions["tin"].cast(pa.string()), value_set=addresses["tin"].combine_chunks()
    )
    columns: dict[str, pa.Array] = {
        "item_id": decisions["item_id"].cast(pa.string()).combine_chunks(),
        "status": pa.array(np.where(provided, PROVIDED, NOT_PROVIDED), pa.string()),
    }
    empty = pa.scalar("", pa.string())
    permitted = decisions["fields"].combine_chunks()
    for column in ADDRESS_FIELDS:
        values = pc.fill_null(pc.take(addresses[column].cast(pa.string()), at), empty)
        allowed = pa.array(provided & _permits(permitted, column, rows))
        columns[column] = pc.if_else(allowed, values, empty).combine_chunks()
    return pa.table(columns)


def last_known_addresses(
    con: duckdb.DuckDBPyConnection, tins: pa.Array | pa.ChunkedArray
) -> pa.Table:
    """The last known address of each TIN in ``tins`` from the ``addresses`` view (see
    ``taxgate.world.io.open_world``): the spell with the greatest ``last_year``; ties broken
    by the latest ``first_year``, then the address text, so the choice never varies."""
    con.register("release_wanted_tins", pa.table({"tin": tins.cast(pa.string())}))
    try:
        return _last_known(con)
    finally:
        con.unregister("release_wanted_tins")


def _last_known(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        SELECT CAST(a.tin AS VARCHAR) AS tin, CAST(a.street AS VARCHAR) AS street,
               CAST(a.unit AS VARCHAR) AS unit, CAST(a.city AS VARCHAR) AS city,
               CAST(a.state AS VARCHAR) AS state, CAST(a.zip AS VARCHAR) AS zip
        FROM addresses AS a
        JOIN (SELECT DISTINCT tin FROM release_wanted_tins) AS w ON CAST(a.tin AS VARCHAR) = w.tin
        QUALIFY row_number() OVER (PARTITION BY a.tin ORDER BY {last_known_order("a")}) = 1
        """
    ).to_arrow_table()


def write_response_csv(table: pa.Table, path: Path) -> None:
    """Write ``response.csv`` atomically: a reader sees the old file or the whole new one."""
    write_csv(table.select(list(RESPONSE_COLUMNS)), path)


def write_csv(table: pa.Table, path: Path) -> None:
    """Write a table of text columns as CSV (minimal quoting, ``\\n`` line ends), atomically:
    exactly what Python's ``csv.writer`` writes (a property test holds the two equal)."""
    with replaced_atomically(path) as temp, temp.open("wb") as out:
        out.write(_csv_line(table.column_names))
        out.write(_csv_rows(table) if _arrow_writes(table) else _python_rows(table))


def _csv_line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def _python_rows(table: pa.Table) -> bytes:
    buffer = io.StringIO()
    columns = (column.to_pylist() for column in table.columns)
    csv.writer(buffer, lineterminator="\n").writerows(zip(*columns, strict=True))
    return buffer.getvalue().encode("utf-8")


def _arrow_writes(table: pa.Table) -> bool:
    """Whether the rows can be joined in Arrow: text columns, at least two (one empty field
    alone on a line is quoted), and no carriage return (quoted by some Pythons, not others)."""
    if table.num_columns < 2 or not all(pa.types.is_string(t) for t in table.schema.types):
        return False
    return not any(pc.any(pc.match_substring(column, "\r")).as_py() for column in table.columns)


def _csv_rows(table: pa.Table) -> memoryview:
    """Every row as csv.writer writes it with QUOTE_MINIMAL: a field holding the delimiter,
    a quote or a line feed is quoted, its quotes doubled; a missing value is empty. The
    lines, each ending in a line feed, lie end to end in one Arrow buffer: the file's bytes."""
    fields = []
    for column in table.columns:
        values = pc.fill_null(column, "")
        special = pc.match_substring_regex(values, '[,"\n]')
        doubled = pc.replace_substring(values, '"', '""')
        quoted = pc.binary_join_element_wise('"', doubled, '"', "")
        fields.append(pc.if_else(special, quoted, values))
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "\n", "")
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    if len(lines) == 0:
        return memoryview(b"")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset :]
    return memoryview(lines.buffers()[2])[offsets[0] : offsets[len(lines)]]
