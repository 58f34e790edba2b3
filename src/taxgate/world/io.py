"""Reading and writing a world directory (contracts.md §1): ``taxpayers`` and ``addresses``,
each as ``NAME.parquet`` or ``NAME.csv``."""

from __future__ import annotations

from pathlib import Path

import duckdb

from taxgate.errors import InputError

WORLD_TABLES: tuple[str, ...] = ("taxpayers", "addresses")

TAXPAYER_COLUMNS: tuple[str, ...] = (
    "tin",
    "tin_type",
    "given_name",
    "middle_name",
    "surname",
    "suffix",
    "date_of_birth",
)
ADDRESS_COLUMNS: tuple[str, ...] = (
    "tin",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "first_year",
    "last_year",
)


def check_world(world: Path) -> None:
    """Refuse a world path that is not a folder, before any work."""
    if not world.is_dir():
        raise InputError(world, "no such world folder")


def table_path(world: Path, name: str) -> Path:
    """The file holding table ``name`` in ``world``; Parquet wins when both exist."""
    for suffix in (".parquet", ".csv"):
        candidate = world / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise InputError(
        world,
        f"no {name}.parquet or {name}.csv",
        hint="a world directory holds taxpayers and addresses tables (contracts.md §1)",
    )


def _scan_sql(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    if path.suffix == ".parquet":
        return f"read_parquet('{quoted}')"
    # all_varchar keeps TINs with leading zeros and ZIPs like 00501 intact.
    return f"read_csv('{quoted}', header = true, all_varchar = true)"


# Codes written with a fixed number of digits. A Parquet file may hold them as integers,
# which drops leading zeros (000123456 -> 123456, 07302 -> 7302): they are padded back, or a
# TIN would match no item and the accounting of disclosures would miss its taxpayer.
_DIGIT_CODES: dict[str, dict[str, int]] = {
    "taxpayers": {"tin": 9},
    "addresses": {"tin": 9, "zip": 5},
}
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                  "UINTEGER", "UBIGINT", "UHUGEINT")  # fmt: skip


def _codes_as_text(path: Path, name: str, types: dict[str, str]) -> str:
    """``* REPLACE (...)`` turning integer codes back into zero-padded text, or ''."""
    replaced = []
    for column, width in _DIGIT_CODES[name].items():
        kind = types.get(column, "VARCHAR")
        if kind in _INTEGER_TYPES:
            text = f"CAST({column} AS VARCHAR)"
            replaced.append(
                f"CASE WHEN {column} >= 0 AND length({text}) <= {width} "
                f"THEN lpad({text}, {width}, '0') ELSE {text} END AS {column}"
            )
        elif kind != "VARCHAR":
            raise InputError(
                path, f"is {kind}, not text of {width} digits", field=column,
                hint="store codes as strings so that leading zeros survive",
            )  # fmt: skip
    return f" REPLACE ({', '.join(replaced)})" if replaced else ""


def open_world(con: duckdb.DuckDBPyConnection, world: Path) -> None:
    """Register views ``taxpayers`` and ``addresses`` on ``con``, checking required columns."""
    required = {"taxpayers": TAXPAYER_COLUMNS, "addresses": ADDRESS_COLUMNS}
    for name in WORLD_TABLES:
        path = table_path(world, name)
        scan = _scan_sql(path)
        types = {
            row[0]: str(row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        }
        missing = [column for column in required[name] if column not in types]
        if missing:
            raise InputError(path, f"missing column {missing[0]!r}", field=missing[0])
        codes = _codes_as_text(path, name, types)
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT *{codes} FROM {scan}")


def protected_sql(con: duckdb.DuckDBPyConnection, alias: str) -> str:
    """SQL for "§6103(i)(6) bars disclosure" on the ``taxpayers`` row ``alias``: the optional
    ``protected`` column (contracts.md §1), false where the world has none."""
    columns = {row[0] for row in con.execute("DESCRIBE taxpayers").fetchall()}
    if "protected" not in columns:
        return "false"
    return f"coalesce(CAST({alias}.protected AS BOOLEAN), false)"
