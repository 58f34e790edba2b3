"""Stored state behind one SQLAlchemy URL: SQLite by default, PostgreSQL in production.

``open_store(url)`` connects and brings the schema up to date with the Alembic migrations
shipped inside the package, so a fresh file or database is ready on first use.
``open_store(url, create=False)`` is for readers: a store that was never written (a missing
SQLite file, a database without the ledger's tables) raises ``NoLedgerError`` and nothing is
created, so a mistyped ``--store`` cannot pass for an empty, verified ledger.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Integer, LargeBinary, String, create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeEngine

from taxgate.errors import ConfigError, NoLedgerError
from taxgate.store.models import Base

STORE_ENV = "TAXGATE_STORE"
DEFAULT_DIR = Path(".taxgate")
MIGRATIONS = Path(__file__).parent / "migrations"
# Any of these means something was once recorded here (alembic_version: migrated by a writer).
LEDGER_TABLES = ("alembic_version", "ledger_entries", "ledger_nodes", "ledger_tree_heads")


def default_store_url() -> str:
    """``$TAXGATE_STORE``, else a SQLite file under ``./.taxgate/``."""
    return os.environ.get(STORE_ENV) or f"sqlite:///{DEFAULT_DIR / 'taxgate.db'}"


@dataclass
class Store:
    """An open store: an engine whose schema is at the latest migration."""

    url: str
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE),
        so two writers queue instead of failing half-way. Reads use plain connections."""
        with _write(self.engine) as conn:
            yield conn

    def bulk_insert(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert many rows fast: binary COPY on PostgreSQL, executemany on SQLite."""
        names = ", ".join(columns)
        raw: Any = conn.connection.dbapi_connection
        dbapi: Any = self.engine.dialect.dbapi
        try:
            if self.dialect == "postgresql":
                # Binary: the server reads lengths instead of scanning text for escapes.
                copy_sql = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
                with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                    copy.set_types(self._copy_types(table, columns))
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                cursor = raw.cursor()
                try:
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
                finally:
                    cursor.close()
        except dbapi.IntegrityError as exc:
            # The raw driver bypasses SQLAlchemy's wrapping; restore it for callers.
            raise IntegrityError(f"bulk insert into {table}", None, exc) from exc

    def _copy_types(self, table: str, columns: Sequence[str]) -> list[str]:
        """PostgreSQL's names for the columns' types, as binary COPY needs them."""
        stored = Base.metadata.tables[table].columns
        compiled = (stored[name].type.compile(dialect=self.engine.dialect) for name in columns)
        return [kind.split("(")[0].lower() for kind in compiled]

    def close(self) -> None:
        self.engine.dispose()


_WRITE = "taxgate_write"


@contextmanager
def _write(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


def sqlite_file(url: str) -> Path | None:
    """The database file a SQLite URL names, or None (in memory, or a ``file:`` URI)."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        return Path(database)
    return None


def _sqlite_engine(url: str, create: bool) -> Engine:
    path = sqlite_file(url)
    if path is not None and create:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control from the sqlite3 module so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Larger pages suit long append-only rows; only takes effect on a new database file.
        cursor.execute("PRAGMA page_size=16384")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed batch survives power loss, not only a killed process.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # A large page cache keeps a big append from spilling and re-reading index pages.
        cursor.execute("PRAGMA cache_size=-262144")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Readers take a snapshot (WAL) and never block the writer; writers queue up front.
        writing = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def _engine(url: str, create: bool = True) -> Engine:
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise ConfigError(
            f"--store {url!r}: not a database URL (e.g. sqlite:///ledger.db or "
            "postgresql+psycopg://user@host/db)"
        ) from exc
    if backend == "sqlite":
        return _sqlite_engine(url, create)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ConfigError(f"--store {url!r}: only sqlite and postgresql stores are supported")


def _at_head(conn: Connection) -> bool:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    return MigrationContext.configure(conn).get_current_revision() == head


def _migrate(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Two processes opening a fresh database must not both create the tables.
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(6103)")
    if _at_head(conn):
        return
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _shown(url: str) -> str:
    return make_url(url).render_as_string()


def no_ledger(url: str) -> NoLedgerError:
    return NoLedgerError(
        f"{_shown(url)}: no ledger there (nothing has been recorded in this store); check --store"
    )


def _sqlite_has_ledger(path: Path) -> bool:
    """Whether the file holds ledger tables, looked at read-only (mode=ro creates nothing)."""
    if not path.is_file():
        return False
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            names = {name for (name,) in rows}
        finally:
            probe.close()
    except sqlite3.DatabaseError:
        return True  # not ours to judge here: opening it reports what is wrong with it
    return bool(names & set(LEDGER_TABLES))


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """Connect to ``url`` (default ``default_store_url()``) and migrate it to the latest schema.

    ``create=False`` (readers): raise ``NoLedgerError`` instead of creating a store, and do not
    touch the schema of a store whose migrations are complete, so ``verify`` sees it as it is.
    """
    url = url or default_store_url()
    engine = _engine(url, create)
    try:
        if create:
            with _write(engine) as conn:
                _migrate(conn)
        elif _existing(url, engine):
            with _write(engine) as conn:
                _migrate(conn)  # an older store, written before a migration shipped
    except DBAPIError as exc:
        engine.dispose()
        reason = " ".join(str(exc.orig or exc).split())
        raise ConfigError(f"--store {_shown(url)}: cannot open: {reason}") from exc
    except NoLedgerError:
        engine.dispose()
        raise
    return Store(url=url, engine=engine)


def _existing(url: str, engine: Engine) -> bool:
    """Raise ``NoLedgerError`` unless ``url`` holds a ledger; whether its schema is out of date.

    A store whose migration record is gone but whose ledger tables remain is left alone (it
    was tampered with; ``verify`` says how)."""
    path = sqlite_file(url) if engine.dialect.name == "sqlite" else None
    if path is not None and not _sqlite_has_ledger(path):
        raise no_ledger(url)
    with engine.connect() as conn:
        found = set(inspect(conn).get_table_names()) & set(LEDGER_TABLES)
        if not found:
            raise no_ledger(url)
        return "alembic_version" in found and not _at_head(conn)


def _kind(column_type: TypeEngine[Any]) -> str:
    if isinstance(column_type, Integer):
        return "integer"
    if isinstance(column_type, String):
        return "text"
    if isinstance(column_type, LargeBinary):
        return "bytes"
    return str(column_type) or "untyped"


def schema_problem(conn: Connection) -> str | None:
    """What is wrong with the stored tables compared with ``models``, or None.

    A table or column that was dropped, renamed or given another type is named, so that
    ``verify`` can report it instead of failing on the first query that touches it."""
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    for table in Base.metadata.sorted_tables:
        if table.name not in present:
            return f"table {table.name} is missing (dropped or renamed)"
        stored = {column["name"]: column["type"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in stored:
                return f"table {table.name} has no column {column.name} (dropped or renamed)"
            want, found = _kind(column.type), _kind(stored[column.name])
            if want != found:
                return (
                    f"table {table.name}: column {column.name} holds {found}, not {want} "
                    "(its type was changed)"
                )
    return None
