"""Benchmark ``taxgate world generate``: wall time, taxpayers/s and peak memory.

    .venv/bin/python bench/bench_world.py --scale small   # 200,000 taxpayers, seconds
    .venv/bin/python bench/bench_world.py --scale full    # 10,000,000 taxpayers

Targets (full scale, 2-core machine): under 10 minutes and under 4 GB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from taxgate.world.generate import generate_world

SCALES = {"small": 200_000, "full": 10_000_000}
TARGET_SECONDS = 600.0
TARGET_RSS_MB = 4096.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    args = parser.parse_args()
    taxpayers = SCALES[args.scale]
    out = Path(tempfile.mkdtemp(prefix="taxgate-bench-world-")) / "world"
    last_report = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last_report[0] > 10 or done == total:
            last_report[0] = now
            print(f"  {done:>12,} / {total:,} taxpayers  {now - start:7.1f} s", flush=True)

    print(f"generating {taxpayers:,} taxpayers ({args.format}) into a temporary directory")
    start = time.perf_counter()
    try:
        summary = generate_world(
            out, taxpayers=taxpayers, seed=20250806, fmt=args.format, progress=progress
        )
        wall = time.perf_counter() - start
        sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "scale": args.scale,
        "format": args.format,
        "taxpayers": summary.taxpayers,
        "addresses": summary.addresses,
        "households": summary.households,
        "wall_seconds": round(wall, 1),
        "taxpayers_per_second": round(summary.taxpayers / wall),
        "peak_rss_mb": round(peak_mb),
        "file_mb": {name: round(size / 2**20, 1) for name, size in sizes.items()},
        "target_seconds": TARGET_SECONDS if args.scale == "full" else None,
        "target_rss_mb": TARGET_RSS_MB,
        "time_target_met": wall < TARGET_SECONDS * taxpayers / SCALES["full"],
        "memory_target_met": peak_mb < TARGET_RSS_MB,
    }
    print(f"wall time        {wall:.1f} s")
    print(f"taxpayers/s      {result['taxpayers_per_second']:,}")
    print(f"peak RSS         {peak_mb:.0f} MB")
    for name, size in sizes.items():
        print(f"{name:<20} {size / 2**20:.1f} MB")
    print(
        f"targets met      time {result['time_target_met']}, memory {result['memory_target_met']}"
    )
    print("BENCH-RESULT " + json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
