"""The stored tables, as SQLAlchemy 2 models. The schema itself is created by Alembic
migrations (``store/migrations``), which must agree with these definitions."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite makes only an ``INTEGER PRIMARY KEY`` the rowid, the fast clustered key.
Key = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class LedgerEntry(Base):
    """One leaf of the ledger: its canonical JSON and the RFC 6962 hash of it.

    ``kind``, ``batch``, ``item`` and ``subject`` repeat fields of ``body`` so that write-ahead
    lookups and per-taxpayer accounting are index reads; verification checks they agree.
    """

    __tablename__ = "ledger_entries"

    idx: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    batch: Mapped[str] = mapped_column(String(200))
    item: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (
        Index("ledger_entries_key", "batch", "kind", "item", unique=True),
        Index(
            "ledger_entries_subject",
            "subject",
            sqlite_where=text("subject IS NOT NULL"),
            postgresql_where=text("subject IS NOT NULL"),
        ),
    )


class LedgerNode(Base):
    """A perfect interior subtree; ``pos = right_edge * 64 + level`` (see ``merkle.node_key``)."""

    __tablename__ = "ledger_nodes"

    pos: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerTreeHead(Base):
    """A signed tree head, one per appended batch (contracts.md §5)."""

    __tablename__ = "ledger_tree_heads"

    id: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[str] = mapped_column(String(64))
    time: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class ServiceBase(DeclarativeBase):
    """The service's own tables (``taxgate serve``): people, their credentials and jobs.

    A separate metadata from the ledger's: ``ledger verify`` checks the ledger's schema, and a
    service table is no part of what the ledger proves."""


class ServiceUser(ServiceBase):
    """A person who may sign in, with one role (and, for a custodian, one agency)."""

    __tablename__ = "service_users"

    id: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str] = mapped_column(String(32), default="")
    password_hash: Mapped[str] = mapped_column(String(300))  # scrypt, see service.accounts
    created: Mapped[str] = mapped_column(String(40))


class ServiceToken(ServiceBase):
    """An API bearer token, stored by its SHA-256 only: the secret is shown once."""

    __tablename__ = "service_tokens"

    id: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created: Mapped[str] = mapped_column(String(40))


class ServiceSession(ServiceBase):
    """A console sign-in: the cookie's SHA-256, its CSRF secret and when it ends."""

    __tablename__ = "service_sessions"

    session_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    expires: Mapped[str] = mapped_column(String(40))


class ServiceJob(ServiceBase):
    """Long work the service runs in the background (a decide), with its progress."""

    __tablename__ = "service_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), index=True)  # queued|running|done|failed
    stage: Mapped[str] = mapped_column(String(32), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    result: Mapped[str] = mapped_column(Text, default="")  # JSON, once done
    error: Mapped[str] = mapped_column(Text, default="")  # one line, once failed
    created: Mapped[str] = mapped_column(String(40))
    updated: Mapped[str] = mapped_column(String(40))
