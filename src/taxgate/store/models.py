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
