"""``taxgate world generate``."""

from __future__ import annotations


def generate() -> None:
    """Generate a synthetic taxpayer master file (not yet implemented)."""
    raise NotImplementedError
