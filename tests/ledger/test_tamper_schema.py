"""Tampering with the SQL store itself (tables, columns, types, NULLs, unreadable text, stray
rows): ``verify`` fails naming the entry or table, exit 1 from the CLI, never a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxgate.cli.ledger import app
from taxgate.ledger import Ledger

from .conftest import decisions

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, Path, Path]:
    """A SQLite ledger of two batches (entries 0..11 and 12..20): URL, file, key directory."""
    path, keys = tmp_path / "ledger.db", tmp_path / "keys"
    with Ledger.open(f"sqlite:///{path}", keys) as ledger:
        ledger.append_batch(decisions("ICE-1", range(12), subject=ledger.subject("000123456")))
        ledger.append_batch(decisions("ICE-2", range(9)))
    return f"sqlite:///{path}", path, keys


def rebuilt(table: str, columns: str) -> Callable[[sqlite3.Connection], None]:
    """Replace ``table`` by one declared with ``columns`` (SQLite cannot ALTER a column)."""

    def change(db: sqlite3.Connection) -> None:
        db.execute(f"CREATE TABLE copy ({columns})")
        db.execute(f"INSERT INTO copy SELECT * FROM {table}")
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE copy RENAME TO {table}")

    return change


def statements(*sql: str) -> Callable[[sqlite3.Connection], None]:
    def change(db: sqlite3.Connection) -> None:
        for statement in sql:
            db.execute(statement)

    return change


def both(*changes: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    def change(db: sqlite3.Connection) -> None:
        for each in changes:
            each(db)

    return change


ENTRY_COLUMNS = "idx INTEGER, kind VARCHAR, batch VARCHAR, item VARCHAR, subject VARCHAR"
HEAD_COLUMNS = "id INTEGER, size BIGINT, root VARCHAR, time VARCHAR, key_id VARCHAR"

CASES = {
    "body not UTF-8": (
        statements("UPDATE ledger_entries SET body = CAST(x'7b22ff22' AS TEXT) WHERE idx = 7"),
        "FAILED: entry 7: its row cannot be read: Could not decode to UTF-8 column 'body'",
    ),
    "heads table dropped": (
        statements("DROP TABLE ledger_tree_heads"),
        "FAILED: table ledger_tree_heads is missing (dropped or renamed)",
    ),
    "entries table renamed": (
        statements("ALTER TABLE ledger_entries RENAME TO old_entries"),
        "FAILED: table ledger_entries is missing (dropped or renamed)",
    ),
    "body column dropped": (
        statements("ALTER TABLE ledger_entries DROP COLUMN body"),
        "FAILED: table ledger_entries has no column body (dropped or renamed)",
    ),
    "body column renamed": (
        statements("ALTER TABLE ledger_entries RENAME COLUMN body TO text"),
        "FAILED: table ledger_entries has no column body (dropped or renamed)",
    ),
    "body column retyped": (
        rebuilt("ledger_entries", f"{ENTRY_COLUMNS}, body BLOB, leaf_hash BLOB"),
        "FAILED: table ledger_entries: column body holds bytes, not text",
    ),
    "hash column retyped": (
        rebuilt("ledger_nodes", "pos INTEGER PRIMARY KEY, hash TEXT"),
        "FAILED: table ledger_nodes: column hash holds text, not bytes",
    ),
    "body set to NULL": (
        both(
            rebuilt("ledger_entries", f"{ENTRY_COLUMNS}, body TEXT, leaf_hash BLOB"),
            statements("UPDATE ledger_entries SET body = NULL WHERE idx = 13"),
        ),
        "FAILED: entry 13: its body column holds NULL, not text (altered)",
    ),
    "signature set to NULL": (
        both(
            rebuilt("ledger_tree_heads", f"{HEAD_COLUMNS}, signature VARCHAR"),
            statements("UPDATE ledger_tree_heads SET signature = NULL WHERE id = 2"),
        ),
        "FAILED: tree head #2: its signature column holds NULL (altered)",
    ),
    "body stored as bytes": (
        statements("UPDATE ledger_entries SET body = CAST(body AS BLOB) WHERE idx = 4"),
        "FAILED: entry 4: its body column holds bytes, not text (altered)",
    ),
    "leaf hash stored as text": (
        statements("UPDATE ledger_entries SET leaf_hash = hex(leaf_hash) WHERE idx = 5"),
        "FAILED: entry 5: its leaf_hash column holds str, not a hash (altered)",
    ),
    "node hash stored as text": (
        statements("UPDATE ledger_nodes SET hash = 'x' WHERE pos = (2 << 6) + 1"),
        "FAILED: entries 0..1: the tree node stored over them holds str, not a hash (altered)",
    ),
    "head size stored as text": (
        statements("UPDATE ledger_tree_heads SET size = 'twelve' WHERE id = 1"),
        "FAILED: tree head #1: its size column holds str (altered)",
    ),
    "entry below 0 inserted": (
        statements(
            "INSERT INTO ledger_entries SELECT -1, kind, 'FORGED', item, subject, body, "
            "leaf_hash FROM ledger_entries WHERE idx = 0"
        ),
        "FAILED: entry -1: it lies outside the log, below entry 0 (inserted)",
    ),
    "stray node inserted": (
        statements("INSERT INTO ledger_nodes VALUES (5, x'00')"),
        "FAILED: ledger_nodes holds 1 row(s) that are not tree nodes (inserted)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_verify_names_what_was_done_to_the_store(case: str, store: tuple[str, Path, Path]) -> None:
    url, path, keys = store
    change, expected = CASES[case]
    db = sqlite3.connect(path, isolation_level=None)
    change(db)
    db.close()
    result = runner.invoke(app, ["verify", "--store", url, "--keys", str(keys)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert result.output.startswith(expected) and result.output.count("\n") == 1


def test_the_untouched_store_verifies(store: tuple[str, Path, Path]) -> None:
    url, _, keys = store
    result = runner.invoke(app, ["verify", "--store", url, "--keys", str(keys)])
    assert (result.exit_code, result.output) == (
        0,
        "ok: 21 entries, 2 signed tree heads verified\n",
    )


def test_other_read_commands_on_a_damaged_store_are_one_line_errors(
    store: tuple[str, Path, Path],
) -> None:
    url, path, keys = store
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TABLE ledger_tree_heads")
    db.close()
    result = runner.invoke(app, ["head", "--store", url, "--keys", str(keys)])
    assert (
        "the store cannot be read (no such table: ledger_tree_heads); run 'taxgate ledger verify'"
        in str(result.exception)
    )
