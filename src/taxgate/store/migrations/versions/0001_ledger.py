"""The ledger: entries, perfect interior nodes, signed tree heads.

Revision ID: 0001_ledger
Revises:
Create Date: 2025-08-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

# SQLite makes only an ``INTEGER PRIMARY KEY`` the rowid, the fast clustered key.
KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("idx", KEY, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("batch", sa.String(200), nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_index("ledger_entries_key", "ledger_entries", ["batch", "kind", "item"], unique=True)
    # Partial: most entries have no subject, and an index of NULLs would only slow appends.
    op.create_index(
        "ledger_entries_subject",
        "ledger_entries",
        ["subject"],
        sqlite_where=sa.text("subject IS NOT NULL"),
        postgresql_where=sa.text("subject IS NOT NULL"),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("pos", KEY, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "ledger_tree_heads",
        sa.Column("id", KEY, primary_key=True, autoincrement=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_tree_heads")
    op.drop_table("ledger_nodes")
    op.drop_index("ledger_entries_subject", "ledger_entries")
    op.drop_index("ledger_entries_key", "ledger_entries")
    op.drop_table("ledger_entries")
