"""Alembic migrations for the taxgate store, run programmatically by ``store.open_store``."""
