"""``taxgate bench``: run the benchmarks in ``bench/``."""

from __future__ import annotations


def bench() -> None:
    """Run the benchmarks."""
    raise NotImplementedError
