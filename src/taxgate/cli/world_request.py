"""``taxgate world request``."""

from __future__ import annotations


def request() -> None:
    """Generate a request against a world (not yet implemented)."""
    raise NotImplementedError
