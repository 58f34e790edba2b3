"""A batch killed at any point and run again ends with one entry per item and one release.

Real process kills (SIGKILL, no cleanup) at random moments of ``taxgate decide``; the
re-run must complete the batch, record nothing twice, and publish the same files a clean run
publishes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taxgate.identity import train_model
from taxgate.ledger import Ledger
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

TRIALS = 3


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    root = tmp_path_factory.mktemp("crash")
    world = root / "world"
    generate_world(world, taxpayers=3_000, seed=5)
    train_model(world)  # trained once, so each run's time is the batch itself
    generate_request(world, root / "request", kind="mixed", size=200, seed=5)
    items = sum(1 for _ in (root / "request" / "items.csv").open()) - 1
    return world, root / "request" / "request.toml", items


def command(world: Path, manifest: Path, out: Path, store: str, keys: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "taxgate",
        "decide",
        str(manifest),
        "--world",
        str(world),
        "--as-of",
        "2025-08-07",
        "--out",
        str(out),
        "--store",
        store,
        "--keys",
        str(keys),
    ]


def test_killed_batches_resume_to_exactly_one_record_per_item(
    scenario: tuple[Path, Path, int], tmp_path: Path
) -> None:
    world, manifest, items = scenario
    clean = tmp_path / "clean"
    started = time.perf_counter()
    reference = subprocess.run(
        command(world, manifest, clean, f"sqlite:///{tmp_path / 'clean.db'}", tmp_path / "k0"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    duration = time.perf_counter() - started
    assert reference.returncode == 0, reference.stderr[-2000:]

    chooser = random.Random(20251121)
    killed = 0
    for trial in range(TRIALS):
        store = f"sqlite:///{tmp_path / f'trial{trial}.db'}"
        keys = tmp_path / f"keys{trial}"
        out = tmp_path / f"out{trial}"
        process = subprocess.Popen(
            command(world, manifest, out, store, keys),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(chooser.uniform(0.2, duration))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
        process.wait()
        again = subprocess.run(
            command(world, manifest, out, store, keys), capture_output=True, text=True, timeout=300
        )
        assert again.returncode == 0, again.stderr[-2000:]
        with Ledger.open(store, keys) as ledger:
            assert ledger.verify().ok
            assert ledger.head().size == items + 1  # one decision per item, one release
        for name in ("decisions.csv", "response.csv"):
            assert (out / name).read_bytes() == (clean / name).read_bytes()
        assert not list(out.glob(".staging-*")), "the staging folder is gone once published"
    assert killed >= 1, "no trial was killed mid-run; the delays are too long"
