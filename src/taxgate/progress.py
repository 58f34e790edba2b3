"""Where a long run is, for a person at a terminal, a log file, or a web page.

A stage reports through a ``Progress`` callable: the stage's name, what it is doing, and,
where it knows them, how many of how many items are done. Three ways to show it:

- ``quiet``: nothing (``--quiet``, tests, library use);
- ``LogLines``: for a log (a cron job, CI): one plain line on stderr per stage, written when
  it ends, and at most one line every ``every`` seconds within a long one, e.g.
  ``identity: scoring: 640,000 of 1,280,000 items, 62 s``; ``heartbeat`` keeps a silent
  stage (a model being trained) visible in the log;
- ``RichBars``: for a terminal: a Rich progress bar per stage with items done, items per
  second and time left where the total is known.

``reporter(console, quiet=...)`` picks one for a command. ``Laps`` measures each stage's
seconds for the summary and the benchmarks.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichProgress,
)

Clock = Callable[[], float]


class Progress(Protocol):
    def __call__(
        self, stage: str, message: str, /, *, done: int | None = None, total: int | None = None
    ) -> None: ...


def quiet(_stage: str, _message: str, *, done: int | None = None, total: int | None = None) -> None:
    return None


def describe(message: str, done: int | None, total: int | None) -> str:
    """``message`` with the count, when there is one: ``640,000 of 1,280,000 items``."""
    if done is None:
        return message
    count = f"{done:,} of {total:,} items" if total is not None else f"{done:,} items"
    return f"{message}: {count}" if message else count


class LogLines:
    """Plain lines for a log: one per stage, and at most one every ``every`` seconds within it.

    A stage's line is written when the stage ends (with what it did and how long it took), so
    a mistake found at once leaves the one-line error alone on stderr; a long stage also
    writes a line every ``every`` seconds while it runs, e.g.
    ``identity: scoring: 640,000 of 1,280,000 items, 62 s``.
    """

    def __init__(
        self, stream: IO[str] | None = None, *, clock: Clock = time.monotonic, every: float = 10.0
    ) -> None:
        self.stream = stream or sys.stderr
        self.clock, self.every = clock, every
        self._stage = ""
        self._text = ""
        self._started = self._printed = clock()
        self._lock = threading.Lock()

    def __call__(
        self, stage: str, message: str, /, *, done: int | None = None, total: int | None = None
    ) -> None:
        with self._lock:
            now = self.clock()
            if stage != self._stage:
                if self._stage:
                    self._line(now)  # the stage that just ended
                self._stage, self._started, self._printed = stage, now, now
            self._text = describe(message, done, total)
            if now - self._printed >= self.every:
                self._line(now)

    def heartbeat(self) -> None:
        """A line for a stage that has said nothing for ``every`` seconds."""
        with self._lock:
            now = self.clock()
            if self._stage and now - self._printed >= self.every:
                self._line(now)

    def close(self) -> None:
        """The last stage's line, once the run has finished."""
        with self._lock:
            if self._stage:
                self._line(self.clock())
                self._stage = ""

    def _line(self, now: float) -> None:
        elapsed = now - self._started
        when = f", {elapsed:.0f} s" if elapsed >= 1 else ""
        self.stream.write(f"{self._stage}: {self._text}{when}\n")
        self.stream.flush()
        self._printed = now


class RichBars:
    """A Rich progress bar per stage, for a terminal."""

    def __init__(self, console: Console) -> None:
        self.bars = RichProgress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[stage]}[/]"),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __call__(
        self, stage: str, message: str, *, done: int | None = None, total: int | None = None
    ) -> None:
        task = self._tasks.get(stage)
        if task is None:
            for earlier in self._tasks.values():
                self.bars.update(earlier, visible=False)
            task = self.bars.add_task(message, total=total, stage=stage, rate="")
            self._tasks[stage] = task
        speed = self.bars.tasks[task].speed if done is not None else None
        self.bars.update(
            task,
            description=message,
            total=total,
            completed=done or 0,
            rate=f"{speed:,.0f} items/s" if speed else "",
        )


@contextmanager
def reporter(console: Console, *, quiet_mode: bool = False) -> Iterator[Progress]:
    """The progress a command shows on ``console`` (stderr): bars at a terminal, plain
    lines with a heartbeat elsewhere, nothing with ``--quiet``."""
    if quiet_mode:
        yield quiet
    elif console.is_terminal:
        bars = RichBars(console)
        with bars.bars:
            yield bars
    else:
        lines = LogLines(console.file)
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(1.0):
                lines.heartbeat()

        thread = threading.Thread(target=beat, name="taxgate-progress", daemon=True)
        thread.start()
        try:
            yield lines
        finally:
            stop.set()
            thread.join()
        lines.close()  # not after an error: the error's line stands alone


class Laps:
    """Seconds per stage, measured between calls to ``done``."""

    def __init__(self, clock: Clock = time.perf_counter) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = clock
        self._last = clock()

    def done(self, stage: str) -> None:
        now = self._clock()
        self.seconds[stage] = round(now - self._last, 3)
        self._last = now
