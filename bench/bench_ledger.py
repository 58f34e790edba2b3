"""Ledger benchmark: append rates on SQLite and PostgreSQL, proof latency on a large log, and
write-ahead crash trials with real SIGKILLs.

    .venv/bin/python bench/bench_ledger.py --scale small   # 100k appends, 100k-entry proofs
    .venv/bin/python bench/bench_ledger.py --scale full    # 1.28M appends, 10M-entry proofs

Targets (issue 5): 1,280,000 appends in one batch (one signed tree head) under 30 s on SQLite
and 60 s on PostgreSQL; inclusion and consistency proofs on a 10,000,000-entry log under 5 ms
each, read from the store without loading the log into memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from taxgate.ledger import Entry, Ledger

REPO = Path(__file__).resolve().parents[1]
SCALES = {
    "small": {"append": 100_000, "proof_log": 100_000, "crash_trials": 10},
    "full": {"append": 1_280_000, "proof_log": 10_000_000, "crash_trials": 60},
}
TARGET_SQLITE_S, TARGET_POSTGRES_S, TARGET_PROOF_MS = 30.0, 60.0, 5.0


def entries(batch: str, count: int, subject: str) -> Iterator[Entry]:
    """Item decisions shaped like a real batch: a third released, with full disclosure fields."""
    for i in range(count):
        released = i % 3 == 0
        yield Entry(
            kind="decision",
            batch=batch,
            item=f"item-{i}",
            outcome="release" if released else "withhold",
            reasons=() if released else ("match.none",),
            rules=("permit-6103-i-2",) if released else ("deny-no-match",),
            policy_hash="ab" * 32,
            as_of=date(2025, 8, 6),
            actor="taxgate decide",
            subject=subject if released else "",
            match_bp=9950 if released else 120,
            recipient="ICE" if released else "",
            purpose="criminal" if released else "",
            basis="6103(i)(2)" if released else "",
            fields=("street", "unit", "city", "state", "zip") if released else (),
            digest=hashlib.sha256(str(i).encode()).hexdigest() if released else "",
        )


def append_once(url: str, keys: Path, count: int) -> tuple[float, float]:
    """Wall and CPU seconds to append ``count`` ready-made decisions as one batch."""
    with Ledger.open(url, keys) as ledger:
        batch = list(entries("BENCH-1", count, ledger.subject("000123456")))
        started, cpu = time.perf_counter(), time.process_time()
        head = ledger.append_batch(batch)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert head.size == count
    return seconds, cpu


def postgres_url() -> str:
    url = os.environ.get("TAXGATE_TEST_PG_URL")
    if url:
        return url
    script = REPO / "scripts" / "ensure-postgres.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"PostgreSQL unavailable: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


def with_schema(server: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_schema(server: str, schema: str) -> None:
    engine = create_engine(server, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


def build_log(url: str, keys: Path, size: int) -> None:
    """A log of ``size`` entries in batches of 1.28M (each batch one signed head)."""
    with Ledger.open(url, keys) as ledger:
        subject = ledger.subject("000123456")
        done, number = ledger.size(), 0
        while done < size:
            count = min(1_280_000, size - done)
            started = time.perf_counter()
            ledger.append_batch(entries(f"PROOF-{number}", count, subject))
            done += count
            number += 1
            rate = count / (time.perf_counter() - started)
            print(f"  built {done:,} / {size:,} entries ({rate:,.0f}/s)", flush=True)


def proof_latency(url: str, keys: Path, size: int, samples: int = 300) -> dict[str, float]:
    rng = random.Random(7)
    with Ledger.open(url, keys) as ledger:
        public = ledger.keys.public_key
        ledger.prove(0).check(public)  # warm the connection
        inclusion, consistency, cpu = [], [], []
        for _ in range(samples):
            index = rng.randrange(size)
            started, cpu_started = time.perf_counter(), time.process_time()
            proof = ledger.prove(index)
            inclusion.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            proof.check(public)
            old = rng.randrange(1, size)
            started, cpu_started = time.perf_counter(), time.process_time()
            cons = ledger.consistency(old)
            consistency.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            cons.check(public)
    return {
        "inclusion_median_ms": round(statistics.median(inclusion), 3),
        "inclusion_p99_ms": round(sorted(inclusion)[int(samples * 0.99) - 1], 3),
        "inclusion_max_ms": round(max(inclusion), 3),
        "consistency_median_ms": round(statistics.median(consistency), 3),
        "consistency_p99_ms": round(sorted(consistency)[int(samples * 0.99) - 1], 3),
        "consistency_max_ms": round(max(consistency), 3),
        # CPU time per proof: the proof's own cost, without waiting for a busy machine.
        "proof_cpu_median_ms": round(statistics.median(cpu), 3),
        "proof_cpu_max_ms": round(max(cpu), 3),
    }


def crash_batch(url: str, keys: Path, batch: str, out: Path) -> None:
    """The write-ahead protocol: decisions, then the release entry, then the file."""
    with Ledger.open(url, keys) as ledger:
        for start in range(0, 200, 20):
            ledger.append_batch(list(entries(batch, 200, ""))[start : start + 20])
        content = f"{batch}\n".encode()
        digest = hashlib.sha256(content).hexdigest()
        ledger.append_batch([Entry("release", batch, digest=digest)])
        target = out / f"{batch}.csv"
        if not target.exists():
            partial = target.with_suffix(".part")
            partial.write_bytes(content)
            partial.replace(target)


def crash_trials(url: str, keys: Path, out: Path, trials: int) -> dict[str, int]:
    rng, interrupted, failures = random.Random(11), 0, 0
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    crash_batch(url, keys, "CRASH-baseline", out)
    duration = time.perf_counter() - started
    for trial in range(trials):
        batch = f"CRASH-{trial}"
        child = context.Process(target=crash_batch, args=(url, keys, batch, out))
        child.start()
        time.sleep(rng.uniform(0, duration))
        child.kill()
        child.join()
        interrupted += child.exitcode == -9
        crash_batch(url, keys, batch, out)
        with Ledger.open(url, keys) as ledger:
            once = len(ledger.recorded_items(batch)) == 200
            released = ledger.committed(batch, kind="release") and (out / f"{batch}.csv").exists()
            if not (once and released and ledger.verify().ok):
                failures += 1
    return {"crash_trials": trials, "crash_interrupted": interrupted, "crash_failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    work = Path(tempfile.mkdtemp(prefix="taxgate-bench-ledger-"))
    keys = work / "keys"
    result: dict[str, object] = {"scale": args.scale}
    try:
        count = scale["append"]
        print(f"appending {count:,} entries in one batch to SQLite ...", flush=True)
        seconds, cpu = append_once(f"sqlite:///{work / 'append.db'}", keys, count)
        result.update(
            sqlite_append_s=round(seconds, 2),
            sqlite_append_cpu_s=round(cpu, 2),
            sqlite_rate=round(count / seconds),
        )
        print(f"  SQLite: {seconds:.1f} s ({cpu:.1f} s CPU), {count / seconds:,.0f}/s", flush=True)

        server = postgres_url()
        url, schema = with_schema(server)
        try:
            print(f"appending {count:,} entries in one batch to PostgreSQL ...", flush=True)
            seconds, cpu = append_once(url, keys, count)
        finally:
            drop_schema(server, schema)
        result.update(
            postgres_append_s=round(seconds, 2),
            postgres_append_client_cpu_s=round(cpu, 2),
            postgres_rate=round(count / seconds),
        )
        print(f"  PostgreSQL: {seconds:.1f} s, {count / seconds:,.0f}/s", flush=True)

        size = scale["proof_log"]
        print(f"building a {size:,}-entry SQLite log for proofs ...", flush=True)
        proof_url = f"sqlite:///{work / 'proofs.db'}"
        build_log(proof_url, keys, size)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        latency = proof_latency(proof_url, keys, size)
        print(f"  proofs on {size:,} entries: {json.dumps(latency)}", flush=True)
        result.update(proof_log_size=size, **latency)

        trials = scale["crash_trials"]
        print(f"{trials} write-ahead crash trials (SIGKILL mid-batch, rerun, verify) ...")
        (work / "releases").mkdir()
        crash = crash_trials(f"sqlite:///{work / 'crash.db'}", keys, work / "releases", trials)
        print(f"  {json.dumps(crash)}", flush=True)
        result.update(crash)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    full = args.scale == "full"
    result.update(
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        # Context for the wall times: other jobs sharing the machine slow every figure.
        load_average_1m=round(os.getloadavg()[0], 2),
        rss_before_proofs_mb=round(rss_before, 1),
        target=(
            f"1.28M appends < {TARGET_SQLITE_S:.0f} s SQLite, < {TARGET_POSTGRES_S:.0f} s "
            f"PostgreSQL; proofs on 10M entries < {TARGET_PROOF_MS:.0f} ms"
        ),
        target_met=(
            full
            and float(str(result["sqlite_append_s"])) < TARGET_SQLITE_S
            and float(str(result["postgres_append_s"])) < TARGET_POSTGRES_S
            and float(str(result["inclusion_max_ms"])) < TARGET_PROOF_MS
            and float(str(result["consistency_max_ms"])) < TARGET_PROOF_MS
            and result["crash_failures"] == 0
        ),
    )
    print("BENCH-RESULT " + json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
