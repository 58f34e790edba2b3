"""Read a request's items for the identity commands, without depending on intake.

Only the raw contract columns matter here (contracts.md §2); intake's screens do not.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pyarrow as pa

from taxgate.errors import InputError


def items_path(manifest: Path) -> Path:
    """The item file a manifest names, resolved relative to the manifest."""
    try:
        raw = tomllib.loads(manifest.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(manifest, "file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(manifest, f"not valid TOML: {exc}") from exc
    name = raw.get("items")
    if not isinstance(name, str) or not name:
        raise InputError(
            manifest, "no items file named", field="items", hint='add items = "items.csv"'
        )
    path = manifest.parent / name
    if not path.is_file():
        raise InputError(manifest, f"items file {name!r} not found", field="items")
    return path


def read_items(manifest: Path) -> pa.Table:
    """The manifest's items as an Arrow table of strings."""
    path = items_path(manifest)
    quoted = str(path).replace("'", "''")
    scan = (
        f"read_parquet('{quoted}')"
        if path.suffix == ".parquet"
        else f"read_csv('{quoted}', header = true, all_varchar = true)"
    )
    con = duckdb.connect()
    try:
        return con.sql(f"SELECT * FROM {scan}").to_arrow_table()
    except duckdb.Error as exc:
        raise InputError(path, f"cannot read items: {exc}") from exc
    finally:
        con.close()
