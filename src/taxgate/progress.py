"""Where a long run is: the seconds each stage took, for the summary and the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable

# A stage name and a message: what a caller shows (a status line, a log, a job's progress).
Progress = Callable[[str, str], None]


def quiet(_stage: str, _message: str) -> None:
    return None


class Laps:
    """Seconds per stage, measured between calls to ``done``."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = clock
        self._last = clock()

    def done(self, stage: str) -> None:
        now = self._clock()
        self.seconds[stage] = round(now - self._last, 3)
        self._last = now
