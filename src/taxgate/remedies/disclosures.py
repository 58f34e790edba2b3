"""Read a list of disclosures another system made (contracts.md §7, ``remedies audit``).

Columns: ``item_id``, ``disclosed`` (the date it went out), ``recipient`` (agency code),
``purpose``, ``basis``, and the request item's columns of contracts.md §2, which intake's own
reader checks (``intake.items.load_items``: names the row and field of any problem). Optional:

- ``disclosed_tin``: the taxpayer whose information went out. Without it a disclosure about the
  wrong person cannot be told from one about the person the item named.
- ``data``: the categories disclosed, ``;``-separated (default ``address``).
- ``statutory_authority``: the request's authority; with it, the elements of the cited statute
  (for 8 U.S.C. 1253(a)(1), a final removal order at least 90 days old) are judged.
- ``received``: the day the request was received (default: the disclosure's date), from which
  that interval is measured.
- ``ex_parte_order``: for basis 6103(i)(1), the court order's citation; an empty cell is a
  disclosure without one. Without the column the order is not judged.

Every problem is one ``InputError`` naming the file, the 1-based data row and the field.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from taxgate.errors import InputError
from taxgate.intake.agencies import AgencyRegistry
from taxgate.intake.items import KNOWN_COLUMNS, ROW, load_items
from taxgate.model import DATA_CATEGORIES, ITEM_COLUMNS, PURPOSES, RELEASE, Manifest

REQUIRED: Final = ("item_id", "disclosed", "recipient", "purpose", "basis")
OPTIONAL: Final = ("disclosed_tin", "data", "statutory_authority", "received", "ex_parte_order")
DEFAULT_DATA: Final = "address"
# Without an ``ex_parte_order`` column a §6103(i)(1) disclosure's court order is not judged
# (like the signer and the certification): it counts as given, so the floor stays a lower bound.
NOT_GIVEN_ORDER: Final = "(not in the disclosure list: not judged)"


def _header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return next(csv.reader(handle), [])
    except FileNotFoundError as exc:
        raise InputError(path, "disclosure file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot be read: {exc}", hint="a UTF-8 CSV file") from exc


def _first(mask: pa.ChunkedArray | pa.Array) -> int | None:
    found = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if found is None or found < 0 else int(found)


def _refuse(path: Path, table: pa.Table, mask: pa.ChunkedArray, field: str, what: str) -> None:
    at = _first(mask)
    if at is not None:
        value = str(table[field][at].as_py())[:40]
        raise InputError(path, f"{what}: {value!r}", row=at + 1, field=field)


def read_disclosures(
    path: Path, *, max_mb: int, registry: AgencyRegistry | None = None
) -> pa.Table:
    """The disclosures as intake's item table plus ``disclosed`` and ``received`` (date32),
    ``recipient``, ``purpose``, ``basis``, ``data`` (list of categories), ``disclosed_tin``,
    ``statutory_authority`` and ``ex_parte_order`` (strings, empty when the column is absent,
    but ``NOT_GIVEN_ORDER`` for the order); a list of no disclosures gives an empty table."""
    names = _header(path)
    for column in REQUIRED:
        if column not in names:
            raise InputError(
                path, "missing required column", field=column, hint="see contracts.md §7"
            )
    wanted = [name for name in (*REQUIRED[1:], *OPTIONAL) if name in names]
    extra = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(wanted, pa.string()),
            include_columns=wanted,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if extra.num_rows == 0:
        # A system that disclosed nothing made a usable list: zero disclosures to judge. Its
        # header is still held to the contract.
        for column in ITEM_COLUMNS:
            if column not in names:
                raise InputError(
                    path, "missing required column", field=column, hint="see contracts.md §2"
                )
        return pa.table({name: pa.array([], pa.string()) for name in names})
    items = load_items(path, max_mb=max_mb)
    columns = {name: pc.utf8_trim_whitespace(extra[name]) for name in wanted}
    for name in OPTIONAL:
        default = NOT_GIVEN_ORDER if name == "ex_parte_order" else ""
        columns.setdefault(
            name, pa.chunked_array([pa.array([default] * items.num_rows, pa.string())])
        )
    table = pa.table(columns)
    _check(path, table, registry or AgencyRegistry.load())
    disclosed = pc.strptime(table["disclosed"], format="%Y-%m-%d", unit="s").cast(pa.date32())
    given = pc.if_else(pc.equal(table["received"], ""), table["disclosed"], table["received"])
    received = pc.strptime(given, format="%Y-%m-%d", unit="s").cast(pa.date32())
    data = pc.if_else(pc.equal(table["data"], ""), DEFAULT_DATA, table["data"])
    categories = pc.split_pattern_regex(data, r"\s*;\s*")
    upper = pc.utf8_upper(table["recipient"])
    for name, column in (
        ("disclosed", disclosed),
        ("received", received),
        ("recipient", upper),
        ("purpose", pc.utf8_lower(table["purpose"])),
        ("basis", table["basis"]),
        ("data", categories),
        ("disclosed_tin", pc.replace_substring_regex(table["disclosed_tin"], r"[^0-9]", "")),
        ("statutory_authority", table["statutory_authority"]),
        ("ex_parte_order", table["ex_parte_order"]),
    ):
        items = items.append_column(name, column)
    return items.sort_by(ROW)


def _bad_dates(dates: pa.ChunkedArray) -> pa.ChunkedArray:
    parsed = pc.strptime(dates, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2025-02-30 over to March: a date is valid only if it prints back as given.
    same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), dates)
    return pc.invert(pc.fill_null(same, False))


def _check(path: Path, table: pa.Table, registry: AgencyRegistry) -> None:
    _refuse(path, table, _bad_dates(table["disclosed"]), "disclosed", "not a date (YYYY-MM-DD)")
    # ISO dates order as text: a disclosure dated after today has not been made.
    future = pc.greater(table["disclosed"], date.today().isoformat())
    _refuse(path, table, future, "disclosed", "in the future; a disclosure is judged once made")
    given = pc.not_equal(table["received"], "")
    bad = pc.and_(given, _bad_dates(table["received"]))
    _refuse(path, table, bad, "received", "not a date (YYYY-MM-DD); or leave it empty")
    # ISO dates order as text; both are valid dates here.
    late = pc.and_(given, pc.greater(table["received"], table["disclosed"]))
    _refuse(path, table, late, "received", "after the disclosure it led to")
    known = pa.array(sorted(registry.agencies), pa.string())
    unknown = pc.invert(pc.is_in(pc.utf8_upper(table["recipient"]), value_set=known))
    _refuse(path, table, unknown, "recipient", "not an agency in the registry")
    purposes = pc.is_in(pc.utf8_lower(table["purpose"]), value_set=pa.array(PURPOSES))
    _refuse(path, table, pc.invert(purposes), "purpose", f"not one of {', '.join(PURPOSES)}")
    _refuse(path, table, pc.equal(table["basis"], ""), "basis", "empty; name the exception")
    data = pc.split_pattern_regex(table["data"], r"\s*;\s*").combine_chunks()
    known_data = pc.is_in(pc.list_flatten(data), value_set=pa.array([*DATA_CATEGORIES, ""]))
    at = _first(pc.invert(known_data))
    if at is not None:
        row = int(pc.list_parent_indices(data)[at].as_py())
        raise InputError(
            path,
            f"unknown data category {pc.list_flatten(data)[at].as_py()!r}",
            row=row + 1,
            field="data",
            hint="use " + ", ".join(DATA_CATEGORIES),
        )


def disclosure_list(
    items: pa.Table, outcomes: pa.Table, manifest: Manifest, disclosed: date
) -> pa.Table:
    """The disclosures a system made on ``disclosed`` in answer to ``manifest``'s items, in this
    module's format: the items ``outcomes`` released (columns ``item_id``, ``outcome``,
    ``tin``), with the request's terms and the taxpayer each one disclosed."""
    released = outcomes.filter(pc.equal(outcomes["outcome"], RELEASE))
    keep = pc.is_in(items["item_id"], value_set=released["item_id"])
    chosen = items.filter(keep).select([c for c in KNOWN_COLUMNS if c in items.column_names])
    tins = dict(zip(released["item_id"].to_pylist(), released["tin"].to_pylist(), strict=True))
    rows = chosen.num_rows
    terms = {
        "disclosed": disclosed.isoformat(),
        "recipient": manifest.requester,
        "purpose": manifest.purpose,
        "basis": manifest.basis,
        "data": ";".join(manifest.data),
        "statutory_authority": manifest.statutory_authority,
        "received": manifest.received.isoformat(),
    }
    for name, value in terms.items():
        chosen = chosen.append_column(name, pa.array([value] * rows, pa.string()))
    disclosed_tins = [tins[item_id] or "" for item_id in chosen["item_id"].to_pylist()]
    return chosen.append_column("disclosed_tin", pa.array(disclosed_tins, pa.string()))
