"""Remedies benchmark: ``remedies scan`` and ``status`` on a large ledger, ``audit`` at the
2025 scale.

    .venv/bin/python bench/bench_remedies.py --scale small   # 200k entries; 12,800 disclosures
    .venv/bin/python bench/bench_remedies.py --scale full    # 10M entries; 128,000 disclosures

Targets (issue 13): ``remedies scan`` over a ledger of 10,000,000 decision entries holding
1,000,000 releases across 100 batches (``bench/ledger_fixture.py``) in at most 30 s and 2 GB;
``remedies status`` in at most 1 s; ``remedies audit`` of 128,000 disclosures (every item of
an ICE-2025 request, each as if disclosed by the 2025 process) against a 1,000,000-taxpayer
world in at most 60 s. Each command runs as a person runs it, in its own process, so its wall
time and peak memory are its own; ``status`` is also timed in-process, without the CLI's
start-up. The ledger, world and identity model are built once and reused (stamp files).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))
from ledger_fixture import build_ledger
from taxgate.baseline import run_baseline
from taxgate.identity import model_is_current, train_model
from taxgate.intake.items import load_items
from taxgate.intake.manifest import load_manifest
from taxgate.ledger import Ledger
from taxgate.release.response import write_csv
from taxgate.remedies import notice_status
from taxgate.remedies.disclosures import disclosure_list
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

SCALES = {
    "small": {"entries": 200_000, "releases": 20_000, "taxpayers": 100_000, "items": 12_800},
    "full": {"entries": 10_000_000, "releases": 1_000_000, "taxpayers": 1_000_000,
             "items": 128_000},
}  # fmt: skip
TARGET_SCAN_S, TARGET_SCAN_GB, TARGET_STATUS_S, TARGET_AUDIT_S = 30.0, 2.0, 1.0, 60.0
AS_OF = "2026-02-05"  # the D. Mass. order, which reaches DHS's components' data


def run(command: list[str]) -> dict[str, Any]:
    """Run a taxgate command in its own process: wall seconds, peak RSS (``wait4``), output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "taxgate", *command], stdout=out, stderr=err, text=True
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"taxgate {' '.join(command[:2])} failed: {err.read()[-500:]}")
        # ru_maxrss is in KiB on Linux.
        return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                "out": out.read()}  # fmt: skip


def bench_scan(root: Path, shape: dict[str, int]) -> dict[str, Any]:
    store, keys = f"sqlite:///{root / 'ledger.db'}", root / "keys"
    started = time.perf_counter()
    build_ledger(
        store, keys, entries=shape["entries"], releases=shape["releases"], batches=100,
        stamp=root / "ledger.json",
    )  # fmt: skip
    print(f"ledger: {shape['entries']:,} entries ready in {time.perf_counter() - started:.0f} s")
    where = ["--store", store, "--keys", str(keys)]
    figures: dict[str, Any] = {}
    for label in ("scan_first", "scan_again"):
        done = run(["remedies", "scan", "--as-of", AS_OF, "--json", *where])
        doc = json.loads(done["out"])
        figures[label] = {
            "seconds": done["seconds"],
            "peak_rss_mb": done["peak_rss_mb"],
            "notices": len(doc["notices"]),
            "reached_items": doc["reached_items"],
        }
        print(f"{label}: {figures[label]}")
    done = run(["remedies", "status", "--as-of", "2026-02-11", "--json", *where])
    figures["status_cli_seconds"] = done["seconds"]
    with Ledger.open(store, keys, create=False) as ledger:
        started = time.perf_counter()
        states = notice_status(ledger, date(2026, 2, 11))
        figures["status_seconds"] = round(time.perf_counter() - started, 3)
    figures["status_notices"] = len(states)
    print(f"status: {figures['status_seconds']} s in-process, {done['seconds']} s by the CLI")
    return figures


def bench_audit(root: Path, shape: dict[str, int]) -> dict[str, Any]:
    world, request = root / "world", root / "request"
    stamp = root / "world.json"
    wanted = {"taxpayers": shape["taxpayers"], "items": shape["items"]}
    if not stamp.is_file() or json.loads(stamp.read_text()) != wanted:
        shutil.rmtree(world, ignore_errors=True)
        shutil.rmtree(request, ignore_errors=True)
        generate_world(world, taxpayers=shape["taxpayers"], seed=2025)
        generate_request(world, request, kind="ice-2025", size=shape["items"], seed=2025)
        stamp.write_text(json.dumps(wanted))
    figures: dict[str, Any] = {}
    if not model_is_current(world):
        started = time.perf_counter()
        train_model(world)
        figures["train_seconds"] = round(time.perf_counter() - started, 1)
    manifest = load_manifest(request / "request.toml")
    items = load_items(manifest.items_path, max_mb=4096)
    matched = run_baseline(world, items)
    # Every item as if the 2025 process had disclosed it, about the taxpayer it matched.
    everything = pa.table({"item_id": matched["item_id"], "outcome": ["release"] * len(matched),
                           "tin": matched["tin"]})  # fmt: skip
    path = root / "disclosures.csv"
    write_csv(disclosure_list(items, everything, manifest, date(2025, 8, 7)), path)
    store, keys = f"sqlite:///{root / 'audit.db'}", root / "audit-keys"
    done = run(
        ["remedies", "audit", str(path), "--world", str(world), "--json",
         "--store", store, "--keys", str(keys)]
    )  # fmt: skip
    doc = json.loads(done["out"])
    figures.update(
        seconds=done["seconds"],
        peak_rss_mb=done["peak_rss_mb"],
        **{key: doc[key] for key in ("disclosures", "lawful", "unlawful", "unsettled",
                                     "no_usable_address", "wrong_person", "looked_up",
                                     "floor_usd")},
    )  # fmt: skip
    print(f"audit: {figures}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=tuple(SCALES), default="small")
    parser.add_argument("--out", type=Path, default=Path("bench-out") / "remedies")
    parser.add_argument("--only", choices=("scan", "audit"), default=None)
    args = parser.parse_args()
    shape = SCALES[args.scale]
    root = args.out / args.scale
    root.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"scale": args.scale, **shape}
    if args.only in (None, "scan"):
        scan = bench_scan(root, shape)
        summary["scan"] = scan
        summary["scan_ok"] = (
            scan["scan_first"]["seconds"] <= TARGET_SCAN_S
            and scan["scan_first"]["peak_rss_mb"] <= TARGET_SCAN_GB * 1024
            and scan["status_seconds"] <= TARGET_STATUS_S
        )
    if args.only in (None, "audit"):
        audit = bench_audit(root, shape)
        summary["audit"] = audit
        summary["audit_ok"] = audit["seconds"] <= TARGET_AUDIT_S
    summary["targets"] = {
        "scan_s": TARGET_SCAN_S, "scan_gb": TARGET_SCAN_GB, "status_s": TARGET_STATUS_S,
        "audit_s": TARGET_AUDIT_S,
    }  # fmt: skip
    print("BENCH-RESULT " + json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
