"""Load and validate a request's item file (contracts.md §2) into an Arrow table.

Every problem is an ``InputError`` naming the file, the 1-based data row (the header is not
counted: "row 17" is the 17th data row) and the field. Files are scanned by Arrow's C++
readers, never read into Python lists, so a bad row deep in a file of hundreds of MB is found
and reported by its row number. Nothing half-read is returned.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from taxgate.errors import InputError
from taxgate.model import ITEM_COLUMNS, OPTIONAL_ITEM_COLUMNS

KNOWN_COLUMNS: Final = ITEM_COLUMNS + OPTIONAL_ITEM_COLUMNS
DATE_COLUMNS: Final = ("date_of_birth", "removal_order_date")
ROW: Final = "row"  # 1-based data row number, added to the loaded table

# OWASP "CSV injection": a cell a spreadsheet would run as a formula. Of the item columns only
# `item_id` is ever written back out (decisions.csv, response.csv, response amendments; the
# released address comes from the master file), and it is the requester's key to the answer,
# so it cannot be rewritten on output: an id starting with = + @ is refused, and one starting
# with "-" unless it is a plain negative number ("-2+3+cmd|..." is a formula). Other columns
# are only read (a reason may well begin "- see attached affidavit"); leading whitespace is
# trimmed from every cell before the check, so tab- and CR-led values are plain text.
_FORMULA: Final = r"^[=+@]"
_DASH: Final = r"^-"
_NEGATIVE_NUMBER: Final = r"^-[0-9.]*$"
OUTPUT_COLUMNS: Final = ("item_id",)
_ISO_DATE: Final = r"^\d{4}-\d{2}-\d{2}$"


def load_items(path: Path, *, max_mb: int) -> pa.Table:
    """The item file as a table of non-null strings (trimmed), plus ``row``.

    Absent optional columns (``officer``, ``removal_order_*``) are added empty; columns the
    contract does not name are dropped.
    """
    if not path.is_file():
        raise InputError(path, "item file not found", hint="the manifest's `items` names it")
    size_mb = path.stat().st_size / (1024 * 1024)
    if size_mb > max_mb:
        raise InputError(
            path,
            f"item file is {size_mb:,.0f} MB, above the {max_mb:,} MB limit",
            hint="split the request, or raise intake.files.max_item_file_mb in settings",
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _read_csv(path)
    elif suffix == ".parquet":
        table = _read_parquet(path)
    else:
        raise InputError(
            path, f"unsupported item file type {suffix!r}", hint="use .csv or .parquet"
        )
    return _validate(path, table)


# --- CSV ----------------------------------------------------------------------------------


def _header(path: Path) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, "header line is not valid UTF-8", hint="save as UTF-8") from exc
    names = next(csv.reader([line]), [])
    if not any(name.strip() for name in names):
        raise InputError(path, "empty file or empty header line", hint="first line: column names")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(path, "column appears twice in the header", field=name)
        seen.add(name)
    _require_columns(path, names)
    return names


def _require_columns(path: Path, names: list[str]) -> None:
    for column in ITEM_COLUMNS:
        if column not in names:
            raise InputError(
                path, "missing required column", field=column, hint="see contracts.md §2"
            )


def _read_csv(path: Path) -> pa.Table:
    names = _header(path)
    wanted = [name for name in names if name in KNOWN_COLUMNS]
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.binary()),
        include_columns=wanted,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(newlines_in_values=True)
    try:
        raw = pacsv.read_csv(path, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "columns, got" in str(exc):
            raise _ragged_row(path, convert) from exc
        raise InputError(path, f"not a readable CSV file: {exc}") from exc
    columns = {}
    for name in wanted:
        column = raw.column(name)
        try:
            columns[name] = column.cast(pa.string())
        except pa.ArrowInvalid as exc:
            row = _first_invalid_utf8(column.combine_chunks())
            raise InputError(
                path,
                "not valid UTF-8 text",
                row=row,
                field=name,
                hint="save the file as UTF-8",
            ) from exc
    return pa.table(columns)


def _ragged_row(path: Path, convert: pacsv.ConvertOptions) -> InputError:
    """Re-read on one thread, which lets Arrow number the bad row, and describe it."""
    found: list[tuple[int, int, int]] = []

    def handler(row: pacsv.InvalidRow) -> str:
        if not found:
            found.append((row.number or 0, row.expected_columns, row.actual_columns))
        return "skip"

    pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=handler),
        convert_options=convert,
    )
    number, expected, actual = found[0] if found else (0, 0, 0)
    # Arrow counts records from 1 including the header; our rows are data rows.
    return InputError(
        path,
        f"row has {actual} fields where the header has {expected}",
        row=number - 1 if number > 1 else None,
        hint="quote cells that contain commas",
    )


def _first_invalid_utf8(column: pa.Array) -> int:
    """1-based row of the first cell that is not UTF-8, by bisection over casts."""
    low, high = 0, len(column)
    while high - low > 1:
        middle = (low + high) // 2
        try:
            column.slice(low, middle - low).cast(pa.string())
            low = middle
        except pa.ArrowInvalid:
            high = middle
    return low + 1


# --- Parquet ------------------------------------------------------------------------------


def _read_parquet(path: Path) -> pa.Table:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(path, f"not a readable Parquet file: {exc}") from exc
    _require_columns(path, list(schema.names))
    wanted = [name for name in schema.names if name in KNOWN_COLUMNS]
    for name in wanted:
        _check_parquet_type(path, name, schema.field(name).type)
    try:
        table = pq.read_table(path, columns=wanted)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(path, f"not a readable Parquet file: {exc}") from exc
    columns = {}
    for name in wanted:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            column = pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%d")
        columns[name] = column.cast(pa.string())
    return pa.table(columns)


def _check_parquet_type(path: Path, name: str, kind: pa.DataType) -> None:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return
    if name in DATE_COLUMNS and (pa.types.is_date(kind) or pa.types.is_timestamp(kind)):
        return
    hint = "store every item column as a string"
    if name in ("zip", "tin") and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        hint = f"a {name} stored as a number loses its leading zeros (02134 becomes 2134); " + hint
    raise InputError(path, f"column is {kind}, a string is needed", field=name, hint=hint)


# --- checks common to both formats --------------------------------------------------------


def _first_row(mask: pa.ChunkedArray | pa.Array) -> int | None:
    index = pc.index(mask.fill_null(False), True).as_py()
    return None if index < 0 else int(index) + 1


def _validate(path: Path, table: pa.Table) -> pa.Table:
    if table.num_rows == 0:
        raise InputError(path, "the item file has no data rows")
    columns: dict[str, pa.ChunkedArray] = {}
    for name in table.column_names:
        columns[name] = pc.utf8_trim_whitespace(table.column(name).fill_null(""))
    for name in OUTPUT_COLUMNS:
        _check_formula(path, name, columns[name])
    ids = columns["item_id"]
    row = _first_row(pc.equal(ids, ""))
    if row is not None:
        raise InputError(
            path, "empty item_id", row=row, field="item_id", hint="every item needs one"
        )
    _check_unique_ids(path, ids)
    for name in DATE_COLUMNS:
        if name in columns:
            _check_dates(path, name, columns[name])
    out = {name: columns.get(name) for name in KNOWN_COLUMNS}
    empty = pa.chunked_array([pa.nulls(table.num_rows, pa.string()).fill_null("")])
    result = {name: column if column is not None else empty for name, column in out.items()}
    result[ROW] = pa.chunked_array([pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))])
    return pa.table(result)


def _check_formula(path: Path, name: str, column: pa.ChunkedArray) -> None:
    dash = pc.and_(
        pc.match_substring_regex(column, _DASH),
        pc.invert(pc.match_substring_regex(column, _NEGATIVE_NUMBER)),
    )
    row = _first_row(pc.or_(pc.match_substring_regex(column, _FORMULA), dash))
    if row is not None:
        raise InputError(
            path,
            "cell starts with a formula character (= + - @)",
            row=row,
            field=name,
            hint=f"{name} is written back into the response, where spreadsheets run such "
            "cells as formulas; remove the leading character",
        )


def _check_unique_ids(path: Path, ids: pa.ChunkedArray) -> None:
    counts = pa.table({"item_id": ids}).group_by("item_id").aggregate([("item_id", "count")])
    repeated = counts.filter(pc.greater(counts.column("item_id_count"), 1)).column("item_id")
    if len(repeated) == 0:
        return
    # Rows are few once restricted to repeated ids; the earliest second occurrence is named.
    rows = pc.indices_nonzero(pc.is_in(ids, value_set=repeated.combine_chunks())).to_pylist()
    first: dict[str, int] = {}
    id_list = ids.take(pa.array(rows)).to_pylist()
    for index, item_id in zip(rows, id_list, strict=True):
        if item_id in first:
            raise InputError(
                path,
                f"duplicate item_id {item_id!r} (first on row {first[item_id] + 1})",
                row=index + 1,
                field="item_id",
                hint="item ids must be unique in a request",
            )
        first[item_id] = index


def _check_dates(path: Path, name: str, column: pa.ChunkedArray) -> None:
    # Checked once per distinct value: a batch has a few thousand birth dates, not a million.
    values = pc.unique(column)
    filled = pc.not_equal(values, "")
    parsed = pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2023-02-30 over to March: a date is valid only if it prints back as given.
    roundtrip = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), values).fill_null(False)
    shaped = pc.match_substring_regex(values, _ISO_DATE)
    bad = values.filter(pc.and_(filled, pc.invert(pc.and_(shaped, roundtrip))))
    if len(bad) == 0:
        return
    row = _first_row(pc.is_in(column, value_set=bad))
    if row is not None:
        value = column[row - 1].as_py()
        raise InputError(
            path,
            f"not a date: {value[:40]!r}",
            row=row,
            field=name,
            hint="dates are YYYY-MM-DD, or leave the cell empty",
        )
