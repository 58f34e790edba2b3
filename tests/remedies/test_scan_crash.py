"""A ``remedies scan`` killed at any moment (SIGKILL, no cleanup) leaves no notice or complete
ones, never a duplicate: run again, it ends with exactly the notices a clean run records."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from taxgate.ledger import Ledger

from .conftest import record, write_order

TRIALS = 3
RECIPIENTS = ("ICE", "CBP", "USCIS")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A ledger of 15 batches, and 8 injunctions that each reach all three recipients."""
    root = tmp_path_factory.mktemp("scan-crash")
    with Ledger.open(f"sqlite:///{root / 'base.db'}", root / "keys") as ledger:
        for number in range(15):
            day = date(2025, 6, 1) + timedelta(days=5 * number)
            record(ledger, f"R-{number}", RECIPIENTS[number % 3], day, released=20, withheld=80)
    for number in range(8):
        write_order(
            root / "orders", f"pi-{number}", "preliminary-injunction", date(2026, 2, 1 + number),
            notice_deadline=date(2026, 3, 1),
        )  # fmt: skip
    return root / "base.db", root / "keys", root / "orders"


def command(store: Path, keys: Path, orders: Path) -> list[str]:
    return [
        sys.executable, "-m", "taxgate", "remedies", "scan", "--orders", str(orders),
        "--as-of", "2026-02-20", "--store", f"sqlite:///{store}", "--keys", str(keys), "--json",
    ]  # fmt: skip


def notices(store: Path, keys: Path) -> list[tuple[str, str, str]]:
    with Ledger.open(f"sqlite:///{store}", keys, create=False) as ledger:
        assert ledger.verify().ok
        found = ledger.entries_of("notice", "remedies")
    return [
        (
            entry["item"],
            entry["details"]["notice"]["order"]["id"],
            entry["details"]["notice"]["recipient"],
        )
        for _, entry in found
    ]


def test_killed_scans_leave_exactly_the_notices_of_a_clean_run(
    base: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    database, keys, orders = base
    clean = tmp_path / "clean.db"
    shutil.copy(database, clean)
    started = time.perf_counter()
    done = subprocess.run(command(clean, keys, orders), capture_output=True, text=True, timeout=300)
    duration = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-2000:]
    expected = notices(clean, keys)
    assert len(expected) == 8 * len(RECIPIENTS)

    chooser = random.Random(20260205)
    killed = 0
    for trial in range(TRIALS):
        store = tmp_path / f"trial{trial}.db"
        shutil.copy(database, store)
        process = subprocess.Popen(
            command(store, keys, orders), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(chooser.uniform(0.3, duration))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed += 1
        process.wait()
        partial = notices(store, keys)
        assert partial in ([], expected), "a kill left part of a scan's notices"
        again = subprocess.run(command(store, keys, orders), capture_output=True, text=True)
        assert again.returncode == 0, again.stderr[-2000:]
        found = notices(store, keys)
        assert found == expected
        assert max(Counter((order, to) for _, order, to in found).values()) == 1
    assert killed >= 1, "no trial was killed mid-run; the delays are too long"
