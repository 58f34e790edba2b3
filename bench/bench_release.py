"""Benchmark: build, write, seal and open the release of one ice-2025-sized batch.

Builds the response for 128,000 decided items (``--scale full``) or 10,000 (``small``), about a
third released with a full address, writes ``response.csv``, seals the rows to a recipient
key and opens them again (signature check, expiry, decryption, Arrow decode). Target (ours,
the issue sets none): seal + open of the full batch under 5 s on 2 cores, so sealing never
shows in the end-to-end run.

    .venv/bin/python bench/bench_release.py --scale small
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate.release import SealHeader, build_response, open_sealed, seal, write_response_csv
from taxgate.release.keys import (
    generate_recipient_keys,
    generate_signing_key,
    load_recipient_private_key,
    load_signing_key,
)

SCALES = {"small": 10_000, "full": 128_000}
TARGET_SECONDS = 5.0
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Calle Ñandú", "Martin Luther King Jr Blvd"]
CITIES = [("Springfield", "IL", "62701"), ("Boston", "MA", "02108"), ("El Paso", "TX", "79901")]


def decided(items: int, seed: int = 7) -> tuple[pa.Table, pa.Table]:
    """Decisions (a third released) and one last known address per taxpayer (synthetic TINs)."""
    rng = np.random.default_rng(seed)
    tins = np.array([f"000{n:06d}" for n in range(items)])
    outcome = rng.choice(["release", "withhold", "review"], size=items, p=[0.34, 0.56, 0.10])
    decisions = pa.table(
        {
            "item_id": [f"ICE-{n:07d}" for n in range(items)],
            "outcome": outcome,
            "tin": tins,
            "fields": pa.array([["address"]] * items, pa.list_(pa.string())),
        }
    )
    place = rng.integers(0, len(CITIES), size=items)
    addresses = pa.table(
        {
            "tin": tins,
            "street": [f"{n % 9000 + 1} {STREETS[n % len(STREETS)]}" for n in range(items)],
            "unit": ["" if n % 4 else f"Apt {n % 30}" for n in range(items)],
            "city": [CITIES[i][0] for i in place],
            "state": [CITIES[i][1] for i in place],
            "zip": [CITIES[i][2] for i in place],
        }
    )
    return decisions, addresses


def timed(label: str, started: float) -> float:
    seconds = time.perf_counter() - started
    print(f"  {label:<28} {seconds:8.3f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    items = SCALES[args.scale]
    work = Path(tempfile.mkdtemp(prefix="bench-release-"))
    try:
        recipient_key, _ = generate_recipient_keys(work / "keys", "ice")
        signing_key, _ = generate_signing_key(work / "keys", "irs")
        recipient, discloser = (
            load_recipient_private_key(recipient_key),
            load_signing_key(signing_key),
        )
        print(f"release of {items:,} decided items ({args.scale})", flush=True)
        decisions, addresses = decided(items)

        started = time.perf_counter()
        response = build_response(decisions, addresses)
        build_s = timed("build response", started)
        started = time.perf_counter()
        write_response_csv(response, work / "response.csv")
        csv_s = timed("write response.csv", started)
        header = SealHeader(
            batch_id="BENCH-1",
            request_id="ICE-2025-0806",
            discloser="IRS",
            recipient="ICE",
            purpose="criminal",
            basis="6103(i)(2)",
            statutory_authority="8 U.S.C. 1253(a)(1)",
            officers=("Special Agent A. Rivera",),
            fields=("street", "unit", "city", "state", "zip"),
            expires=date.today() + timedelta(days=30),
        )
        # Only provided rows are ever sealed; seal() refuses anything else.
        provided = response.filter(pc.equal(response["status"], "provided"))
        started = time.perf_counter()
        seal(provided, header, recipient.public_key(), discloser, work / "r.sealed")
        seal_s = timed("seal", started)
        started = time.perf_counter()
        _, opened = open_sealed(work / "r.sealed", recipient, discloser.public_key(), date.today())
        open_s = timed("open (verify + decrypt)", started)
        expected = provided.drop_columns(["status"])
        assert opened.equals(expected), "the opened rows differ from the sealed ones"

        csv_mb = (work / "response.csv").stat().st_size / 1e6
        sealed_mb = (work / "r.sealed").stat().st_size / 1e6
        arrow_mb = response.nbytes / 1e6
        print(f"  response.csv {csv_mb:.1f} MB; rows in memory {arrow_mb:.1f} MB; "
              f"sealed {sealed_mb:.1f} MB")  # fmt: skip
        print(f"  seal {arrow_mb / seal_s:.0f} MB/s, open {arrow_mb / open_s:.0f} MB/s "
              "(of in-memory rows)")  # fmt: skip
        result = {
            "scale": args.scale,
            "items": items,
            "build_s": round(build_s, 3),
            "write_csv_s": round(csv_s, 3),
            "seal_s": round(seal_s, 3),
            "open_s": round(open_s, 3),
            "seal_mb_per_s": round(arrow_mb / seal_s, 1),
            "open_mb_per_s": round(arrow_mb / open_s, 1),
            "rows_per_s": round(items / (seal_s + open_s)),
            "csv_mb": round(csv_mb, 2),
            "sealed_mb": round(sealed_mb, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "target_s": TARGET_SECONDS,
            "target_met": seal_s + open_s < TARGET_SECONDS,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("BENCH-RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
