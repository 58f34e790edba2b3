"""Arrow's memory pool for a batch: the one place that chooses it.

Intake and the ledger make dozens of column-sized temporaries (a million-item request's reason
column alone is 220 MB). pyarrow's default pool (mimalloc) hands freed memory back to the
operating system within milliseconds, so every temporary faults its pages in afresh; on the
2-core virtual machine the benchmarks run on, that kernel time was as large as the work itself
(intake of 1.28 million items: 14 s of system time beside 18 s of user time). jemalloc keeps
freed pages for about a second before returning them, the next column reuses them, and the
same intake spent 8 s in the kernel, at no cost in peak memory.
"""

from __future__ import annotations

import pyarrow as pa


def use_batch_pool() -> None:
    """Make jemalloc Arrow's default pool, where this build of pyarrow ships it."""
    if pa.default_memory_pool().backend_name == "jemalloc":
        return
    if "jemalloc" in pa.supported_memory_backends():
        pa.set_memory_pool(pa.jemalloc_memory_pool())
