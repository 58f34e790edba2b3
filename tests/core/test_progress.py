"""Progress a person can follow: bars at a terminal, sparse plain lines in a log, or nothing.

The clock is a fake one the test moves by hand: no test sleeps.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from taxgate.progress import LogLines, RichBars, reporter
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_one_line_per_stage_and_at_most_one_every_ten_seconds() -> None:
    clock, out = FakeClock(), io.StringIO()
    lines = LogLines(out, clock=clock)
    lines("intake", "loading request.toml")
    clock.now += 3
    lines("intake", "checked", done=1_280_000, total=1_280_000)
    lines("identity", "scoring")  # intake ended: its line, with what it did and its time
    for step in range(1, 13):  # a report every second for 12 s: one line, at 10 s
        clock.now += 1
        lines("identity", "scoring", done=step * 53_334, total=1_280_000)
    lines("law", "deciding as of 2025-08-07")
    lines.close()
    assert out.getvalue().splitlines() == [
        "intake: checked: 1,280,000 of 1,280,000 items, 3 s",
        "identity: scoring: 533,340 of 1,280,000 items, 10 s",
        "identity: scoring: 640,008 of 1,280,000 items, 12 s",
        "law: deciding as of 2025-08-07",
    ]


def test_a_silent_stage_still_shows_in_the_log_every_ten_seconds() -> None:
    clock, out = FakeClock(), io.StringIO()
    lines = LogLines(out, clock=clock)
    lines.heartbeat()  # before any stage: nothing to say
    lines("identity", "training the model")
    clock.now += 9
    lines.heartbeat()
    clock.now += 1
    lines.heartbeat()
    clock.now += 62
    lines.heartbeat()
    assert out.getvalue().splitlines() == [
        "identity: training the model, 10 s",
        "identity: training the model, 72 s",
    ]


def test_a_mistake_found_at_once_leaves_the_error_alone_on_stderr() -> None:
    clock, out = FakeClock(), io.StringIO()
    lines = LogLines(out, clock=clock)
    lines("intake", "loading request.toml")  # ... and intake raises: no close()
    assert out.getvalue() == ""


def test_a_terminal_gets_a_bar_per_stage_with_counts() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    bars = RichBars(console)
    with bars.bars:
        bars("intake", "loading")
        bars("ledger", "recording decisions", done=20_000, total=240_001)
        bars("ledger", "recording decisions", done=240_001, total=240_001)
    tasks = {task.fields["stage"]: task for task in bars.bars.tasks}
    assert set(tasks) == {"intake", "ledger"}
    assert tasks["ledger"].total == 240_001 and tasks["ledger"].completed == 240_001
    assert not tasks["intake"].visible  # an earlier stage's bar gives way to the next


def test_quiet_shows_nothing() -> None:
    out = io.StringIO()
    with reporter(Console(file=out), quiet_mode=True) as progress:
        progress("intake", "loading", done=1, total=2)
    assert out.getvalue() == ""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("progress")
    generate_world(root / "world", taxpayers=1_500, seed=2)
    generate_request(root / "world", root / "request", kind="mixed", size=60, seed=2)
    return root / "world", root / "request" / "request.toml"


def _decide(small: tuple[Path, Path], tmp_path: Path, *extra: str) -> str:
    world, manifest = small
    store, keys = f"sqlite:///{tmp_path / 's.db'}", str(tmp_path / "k")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "taxgate", "decide", str(manifest), "--world", str(world)),
            *("--as-of", "2025-08-07", "--out", str(tmp_path / "out")),
            *("--store", store, "--keys", keys, *extra),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_decide_off_a_terminal_says_each_stage_on_stderr(
    small: tuple[Path, Path], tmp_path: Path
) -> None:
    stages = [line.split(":")[0] for line in _decide(small, tmp_path).splitlines()]
    # Each stage in the pipeline's order; a stage slower than 10 s (training the model on a
    # busy machine) may add a line, never many.
    assert list(dict.fromkeys(stages)) == ["intake", "identity", "law", "release", "ledger", "done"]
    assert len(stages) < 20


def test_decide_quiet_says_nothing(small: tuple[Path, Path], tmp_path: Path) -> None:
    assert _decide(small, tmp_path, "--quiet") == ""
