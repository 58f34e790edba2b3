"""Stored state behind one SQLAlchemy URL: SQLite by default, PostgreSQL in production.

``open_store(url)`` connects and brings the schema up to date with the Alembic migrations
shipped inside the package, so a fresh file or database is ready on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from taxgate.errors import ConfigError

STORE_ENV = "TAXGATE_STORE"
DEFAULT_DIR = Path(".taxgate")
MIGRATIONS = Path(__file__).parent / "migrations"


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
        self, conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        names = ", ".join(columns)
        raw: Any = conn.connection.dbapi_connection
        dbapi: Any = self.engine.dialect.dbapi
        try:
            if self.dialect == "postgresql":
                copy_sql = f"COPY {table} ({names}) FROM STDIN"
                with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
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

    def close(self) -> None:
        self.engine.dispose()


_WRITE = "taxgate_write"


@contextmanager
def _write(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
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


def _engine(url: str) -> Engine:
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise ConfigError(
            f"--store {url!r}: not a database URL (e.g. sqlite:///ledger.db or "
            "postgresql+psycopg://user@host/db)"
        ) from exc
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ConfigError(f"--store {url!r}: only sqlite and postgresql stores are supported")


def _migrate(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Two processes opening a fresh database must not both create the tables.
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(6103)")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    if MigrationContext.configure(conn).get_current_revision() == head:
        return
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def open_store(url: str | None = None) -> Store:
    """Connect to ``url`` (default ``default_store_url()``) and migrate it to the latest schema."""
    url = url or default_store_url()
    engine = _engine(url)
    try:
        with _write(engine) as conn:
            _migrate(conn)
    except OperationalError as exc:
        engine.dispose()
        reason = " ".join(str(exc.orig or exc).split())
        raise ConfigError(
            f"--store {make_url(url).render_as_string()}: cannot open: {reason}"
        ) from exc
    return Store(url=url, engine=engine)
