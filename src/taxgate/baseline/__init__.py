"""The 2025 IRS address-sharing process, rebuilt from the court record as a baseline.

It runs on the same items and the same world as taxgate so the two can be compared; it is
deliberately as weak as the process the court described (see ``process2025``).
"""

from __future__ import annotations

from taxgate.baseline.process2025 import BASELINE_COLUMNS, run_baseline

__all__ = ["BASELINE_COLUMNS", "run_baseline"]
