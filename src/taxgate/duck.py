"""DuckDB connections with bounded memory, the one place that configures the engine."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from taxgate.settings import DuckDBSettings, load_settings


def connect(
    settings: DuckDBSettings | None = None, *, spill_dir: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that spills to disk instead of growing past its limit."""
    chosen = settings or load_settings().duckdb
    con = duckdb.connect(":memory:")
    spill = spill_dir or Path(tempfile.gettempdir()) / "taxgate-duckdb-spill"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{chosen.memory_limit}'")
    con.execute(f"SET threads = {int(chosen.threads)}")
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    con.execute("SET preserve_insertion_order = false")
    return con
