"""Write-ahead under real crashes: a child process appending a batch is killed with SIGKILL at
a random moment, the batch is run again, and the ledger must end with exactly one entry per
item, one release entry, the release file, and a clean ``verify``.

The batch follows the release stage's protocol: decisions in several transactions, then the
release entry (with the digest of the file), then the file, written atomically, only after
that entry is committed.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from taxgate.ledger import Entry, Ledger

from .conftest import decisions

ITEMS = 200
PER_TRANSACTION = 20
TRIALS = {"sqlite": 20, "postgresql": 6}


def release_file(batch: str) -> bytes:
    lines = [f"item-{i},provided" for i in range(0, ITEMS, 3)]
    return ("item_id,status\n" + "\n".join(lines) + "\n").encode()


def run_batch(store_url: str, key_dir: Path, batch: str, out: Path) -> None:
    with Ledger.open(store_url, key_dir) as ledger:
        for start in range(0, ITEMS, PER_TRANSACTION):
            ledger.append_batch(decisions(batch, range(start, start + PER_TRANSACTION)))
        content = release_file(batch)
        digest = hashlib.sha256(content).hexdigest()
        ledger.append_batch([Entry("release", batch, digest=digest, recipient="ICE")])
        target = out / f"{batch}.csv"
        if not target.exists():
            partial = target.with_suffix(".part")
            with partial.open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            partial.replace(target)


def child(store_url: str, key_dir: Path, batch: str, out: Path) -> BaseProcess:
    process = multiprocessing.get_context("fork").Process(
        target=run_batch, args=(store_url, key_dir, batch, out), daemon=True
    )
    process.start()
    return process


def counts(store_url: str, batch: str) -> tuple[int, int]:
    engine = create_engine(store_url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT kind, COUNT(*) FROM ledger_entries WHERE batch = :b GROUP BY kind"),
            {"b": batch},
        ).all()
    engine.dispose()
    found = {kind: int(n) for kind, n in rows}
    return found.get("decision", 0), found.get("release", 0)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_batch_killed_at_any_point_and_rerun_is_recorded_exactly_once(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store_url = (
        f"sqlite:///{tmp_path / 'ledger.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    key_dir, out = tmp_path / "keys", tmp_path / "releases"
    out.mkdir()
    Ledger.open(store_url, key_dir).close()  # schema and keys exist before any child starts

    started = time.perf_counter()
    baseline = child(store_url, key_dir, "baseline", out)
    baseline.join(60)
    assert baseline.exitcode == 0
    duration = time.perf_counter() - started

    rng = random.Random(20250806)
    interrupted = 0
    for trial in range(TRIALS[backend]):
        batch = f"B{trial:02d}"
        process = child(store_url, key_dir, batch, out)
        time.sleep(rng.uniform(0, duration * 0.8))
        process.kill()  # SIGKILL: no cleanup, no rollback handlers, no atexit
        process.join(30)
        interrupted += process.exitcode == -9

        # Write-ahead: a release file on disk implies its entry was committed.
        decided, released = counts(store_url, batch)
        if (out / f"{batch}.csv").exists():
            assert (decided, released) == (ITEMS, 1)

        run_batch(store_url, key_dir, batch, out)
        assert counts(store_url, batch) == (ITEMS, 1)
        content = (out / f"{batch}.csv").read_bytes()
        with Ledger.open(store_url, key_dir) as ledger:
            release = ledger.recorded(batch, kind="release")
            assert release is not None
            assert release["digest"] == hashlib.sha256(content).hexdigest()
            result = ledger.verify()
            assert result.ok, str(result)
    assert interrupted >= TRIALS[backend] // 4, "the kills should land mid-batch"
