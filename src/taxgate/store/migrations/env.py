"""Alembic environment: always run online, on the connection ``open_store`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from taxgate.store.models import Base

connection: Connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
