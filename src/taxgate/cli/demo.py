"""``taxgate demo``: the reference scenario, end to end on the built-in world."""

from __future__ import annotations


def demo() -> None:
    """Run the reference scenario (grows as pipeline stages land)."""
    raise NotImplementedError
