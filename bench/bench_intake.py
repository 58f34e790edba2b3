"""Benchmark: intake of a bulk request (``load_request``) at the 2025 scale.

Generates a request of 1,280,000 items (``--scale full``) or 20,000 (``small``) with a mix like
a real bulk file: most addresses well formed and distinct, with spelling variants (Street/St.,
units as "Apt 4B"/"# 4B"), some irregular shapes for the CRF parser, heavy repeats of
placeholders ("Failed to Provide", "NA NA", "00000"), PO boxes and facilities, one
boilerplate reason on most items and one officer across them. Target: under 60 s at full scale
on 2 cores.

    .venv/bin/python bench/bench_intake.py --scale small
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from taxgate.intake import load_request

SCALES = {"small": 20_000, "full": 1_280_000}
TARGET_SECONDS = 60.0

GIVEN = ["María", "José", "Luis", "Ana", "John", "Mary", "Wei", "Nguyen", "Fatima", "Omar",
         "Jean-Pierre", "Zoë", "Ahmed", "Carlos", "Lucía", "Ivan", "Ali", "Jr"]  # fmt: skip
SURNAME_STEMS = ["Garcia", "de la Cruz", "Smith", "Nguyen", "Van der Berg", "al-Hassan",
                 "O'Brien", "Müller", "Johnson Jr.", "López", "Kim", "Patel", "Smith III",
                 "Del Rio", "Rodríguez", "Unknown"]  # fmt: skip
STREET_NAMES = ["Main", "Oak", "Maple", "Washington", "Lincoln", "Park", "Cedar", "Elm",
                "Sunset", "Lake", "Hill", "Pine", "Martin Luther King Jr", "12th", "1st",
                "Calle Ñandú"]  # fmt: skip
TYPES = ["Street", "St", "St.", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Drive",
         "Dr", "Lane", "Ln", "Court", "Ct", "Place", "Way", "Terrace", "Circle"]  # fmt: skip
DIRS = ["", "", "", "", "N ", "S ", "East ", "West ", "NW "]
UNITS = ["", "", "", "", "", "", " Apt 4B", " # 12", " Unit 3c", " Apt. 101", " Ste 200"]
ODD = ["Broadway", "Avenue of the Americas", "Via Verde", "County Road 12", "Calle Sol"]
PLACEHOLDERS = ["Failed to Provide", "Unknown Address", "NA NA", "00000", "Don't Care 12345",
                "PO Box 1234", "Krome Detention Center", "N/A", "12345", "HOMELESS"]  # fmt: skip
CITIES = [("Springfield", "IL", "62701"), ("Houston", "TX", "77002"),
          ("Miami", "FL", "33101"), ("Boston", "MA", "02108"), ("Phoenix", "AZ", "85001"),
          ("Newark", "NJ", "07102")]  # fmt: skip


def _pick(rng: np.random.Generator, values: list[str], n: int) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(rng.integers(0, len(values), n)))


def _numbers(rng: np.random.Generator, low: int, high: int, n: int) -> pa.Array:
    return pc.cast(pa.array(rng.integers(low, high, n)), pa.string())


def _join(*parts: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def generate(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = _join(pa.array(["ICE-"] * n), _numbers(rng, 10_000_000, 99_999_999, n))
    ids = _join(ids, pa.array(["-"] * n), pc.cast(pa.array(np.arange(n)), pa.string()))
    street = _join(
        _numbers(rng, 1, 20_000, n),
        pa.array([" "] * n),
        _pick(rng, DIRS, n),
        _pick(rng, STREET_NAMES, n),
        pa.array([" "] * n),
        _pick(rng, TYPES, n),
        _pick(rng, UNITS, n),
    )
    odd = _join(_numbers(rng, 1, 5_000, n), pa.array([" "] * n), _pick(rng, ODD, n))
    roll = rng.random(n)
    street = pc.if_else(pa.array(roll < 0.03), odd, street)
    street = pc.if_else(pa.array(roll > 0.93), _pick(rng, PLACEHOLDERS, n), street)
    city = rng.integers(0, len(CITIES), n)
    boilerplate = (
        "Subject is an alien with a final order of removal who failed to depart; 8 USC 1253"
    )
    individual = _join(
        pa.array(["Removal order A"] * n), _numbers(rng, 100_000_000, 999_999_999, n),
        pa.array([" issued in Houston; subject failed to depart"] * n),
    )  # fmt: skip
    officer = pc.if_else(
        pa.array(rng.random(n) < 0.6),
        pa.array(["SA Pat Example"] * n),
        _join(pa.array(["Officer "] * n), _numbers(rng, 1, 4000, n)),
    )
    years = _numbers(rng, 2015, 2025, n)
    return pa.table(
        {
            "item_id": ids,
            "given_name": _pick(rng, GIVEN, n),
            "middle_name": _pick(rng, ["", "", "", "Ann", "J."], n),
            "surname": _join(_pick(rng, SURNAME_STEMS, n), _numbers(rng, 0, 3000, n)),
            "date_of_birth": pa.array(["1980-01-01"] * n),
            "tin": pc.if_else(pa.array(rng.random(n) < 0.5), pa.array(["000123456"] * n), ""),
            "street": street,
            "unit": _pick(rng, ["", "", "", "", "Apt 2", "#5"], n),
            "city": pa.array([c[0] for c in CITIES]).take(pa.array(city)),
            "state": pa.array([c[1] for c in CITIES]).take(pa.array(city)),
            "zip": pa.array([c[2] for c in CITIES]).take(pa.array(city)),
            "taxable_periods": _join(years, pa.array([";2024"] * n)),
            "investigation_id": _join(pa.array(["INV-"] * n), _numbers(rng, 0, n, n)),
            "reason": pc.if_else(pa.array(rng.random(n) < 0.7), boilerplate, individual),
            "officer": officer,
            "removal_order_date": pa.array(["2019-05-01"] * n),
            "removal_order_case": _join(pa.array(["A"] * n), _numbers(rng, 10**8, 10**9, n)),
        }
    )


MANIFEST = """id = "ICE-2025-0806"
requester = "ICE"
received = 2025-08-06
purpose = "criminal"
basis = "6103(i)(2)"
statutory_authority = "8 U.S.C. 1253(a)(1)"
data = ["address"]
items = "items.csv"
certification = true
[signer]
name = "Pat Example"
title = "Director"
agency = "ICE"
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    n = SCALES[args.scale]
    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    try:
        started = time.perf_counter()
        table = generate(n)
        pacsv.write_csv(table, work / "items.csv")
        (work / "request.toml").write_text(MANIFEST, encoding="utf-8")
        size_mb = (work / "items.csv").stat().st_size / 2**20
        took = time.perf_counter() - started
        print(f"generated {n:,} items ({size_mb:,.0f} MB CSV) in {took:.1f} s")
        started = time.perf_counter()
        batch = load_request(work / "request.toml")
        wall = time.perf_counter() - started
        flagged = sum(1 for r in batch.items.column("reasons").to_pylist() if r)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"load_request: {wall:.1f} s, {n / wall:,.0f} items/s, peak RSS {rss_mb:,.0f} MB")
        print(f"{flagged:,} items with a reason; {len(batch.screens)} screen findings")
        target = TARGET_SECONDS if args.scale == "full" else None
        result = {
            "bench": "intake",
            "scale": args.scale,
            "items": n,
            "csv_mb": round(size_mb, 1),
            "wall_seconds": round(wall, 2),
            "items_per_second": round(n / wall),
            "peak_rss_mb": round(rss_mb),
            "target_seconds": target,
            "met": None if target is None else wall < target,
        }
        print("BENCH-RESULT " + json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
