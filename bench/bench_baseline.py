"""The 2025 baseline (``taxgate.baseline``) on a generated world and ``ice-2025`` request.

Prints wall time, items/s and peak RSS of ``run_baseline`` alone (run in a fresh process, so
the RSS is its own), and what it released, scored against the request's truth file:

* released, by script (``tin`` / ``address``);
* wrong-person releases: the released TIN is not the named person's (including releases about
  someone who is not in the world at all), and those among household confusers;
* releases on an address that is not one (placeholder, ZIP-only, facility, PO box, no street
  number): the failure the D.D.C. found in the TIN script;
* releases where more than one taxpayer matched (namesakes) and the first was taken.

Usage: ``.venv/bin/python bench/bench_baseline.py [--scale small|full] [--world DIR
--request DIR]``. small: 200,000 taxpayers x 20,000 items; full: 10,000,000 x 1,280,000.
``--world``/``--request`` reuse existing data (a request directory holding ``request.toml``,
``items.*`` and ``truth.csv``) instead of generating it.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

SCALES = {"small": (200_000, 20_000), "full": (10_000_000, 1_280_000)}
TARGET_SECONDS = {"small": 10.0, "full": 90.0}
TARGET_RSS_MB = 6144.0
SEED = 20250806
ADDRESS_DEFECTS = (
    "placeholder-address",
    "zip-only",
    "facility-address",
    "po-box",
    "no-street-number",
)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _generate(root: Path, taxpayers: int, items: int) -> tuple[str, str, float, float]:
    from taxgate.world.generate import generate_world
    from taxgate.world.request import generate_request

    world, request = root / "world", root / "request"
    start = time.perf_counter()
    generate_world(world, taxpayers=taxpayers, seed=SEED)
    world_s = time.perf_counter() - start
    start = time.perf_counter()
    generate_request(world, request, kind="ice-2025", size=items, seed=SEED, fmt="parquet")
    return str(world), str(request), world_s, time.perf_counter() - start


def _items_path(request: Path) -> Path:
    for name in ("items.parquet", "items.csv"):
        if (request / name).is_file():
            return request / name
    raise SystemExit(f"{request}: no items.parquet or items.csv")


def _read_items(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        table = pq.read_table(path)
    else:
        names = pacsv.read_csv(path).column_names
        options = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
        table = pacsv.read_csv(path, convert_options=options)
    return table.cast(pa.schema([(name, pa.string()) for name in table.column_names]))


def _run(world_dir: str, request_dir: str) -> dict[str, Any]:
    """In a fresh process: run the baseline, then score it against truth.csv."""
    import duckdb

    from taxgate.baseline import run_baseline

    request = Path(request_dir)
    items = _read_items(_items_path(request))
    start = time.perf_counter()
    decided = run_baseline(Path(world_dir), items)
    wall = time.perf_counter() - start
    peak = _peak_mb()

    con = duckdb.connect()
    con.register("decided", decided)
    truth = str(request / "truth.csv").replace("'", "''")
    defects = ", ".join(f"'{d}'" for d in ADDRESS_DEFECTS)
    row = con.execute(
        f"""
        WITH truth AS (SELECT * FROM read_csv('{truth}', header = true, all_varchar = true)),
        scored AS (
            SELECT d.*, t.true_tin, t.defect,
                d.outcome = 'release' AS released,
                d.outcome = 'release' AND d.tin IS DISTINCT FROM t.true_tin AS wrong
            FROM decided d JOIN truth t USING (item_id)
        )
        SELECT count(*),
            count(*) FILTER (WHERE released),
            count(*) FILTER (WHERE released AND script = 'tin'),
            count(*) FILTER (WHERE released AND script = 'address'),
            count(*) FILTER (WHERE wrong),
            count(*) FILTER (WHERE wrong AND true_tin IS NULL),
            count(*) FILTER (WHERE released AND defect LIKE 'confuser-%'),
            count(*) FILTER (WHERE wrong AND defect LIKE 'confuser-%'),
            count(*) FILTER (WHERE released AND defect IN ({defects})),
            count(*) FILTER (WHERE released AND candidates > 1),
            count(*) FILTER (WHERE script = 'tin')
        FROM scored
        """
    ).fetchall()[0]
    con.close()
    keys = (
        "items",
        "released",
        "released_tin_script",
        "released_address_script",
        "wrong_person",
        "wrong_person_not_in_world",
        "released_confusers",
        "wrong_person_confusers",
        "released_on_non_address",
        "released_among_namesakes",
        "items_with_tin",
    )
    figures: dict[str, Any] = dict(zip(keys, (int(v) for v in row), strict=True))
    figures.update(wall_seconds=round(wall, 2), peak_rss_mb=peak)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--world", type=Path, help="reuse this world directory")
    parser.add_argument("--request", type=Path, help="reuse this request directory")
    args = parser.parse_args()
    taxpayers, size = SCALES[args.scale]
    root = Path(tempfile.mkdtemp(prefix="taxgate-bench-baseline-"))
    context = get_context("spawn")
    try:
        world_s = request_s = 0.0
        if args.world and args.request:
            world, request = str(args.world), str(args.request)
            print(f"reusing world {world} and request {request}")
        else:
            print(f"generating {taxpayers:,} taxpayers and an ice-2025 request of {size:,} items")
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                world, request, world_s, request_s = pool.submit(
                    _generate, root, taxpayers, size
                ).result()
            print(f"  world {world_s:.1f} s, request {request_s:.1f} s")
        print("running the 2025 baseline")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            figures = pool.submit(_run, world, request).result()
    finally:
        shutil.rmtree(root, ignore_errors=True)

    wall = figures["wall_seconds"]
    target = TARGET_SECONDS[args.scale]
    result = {
        "scale": args.scale,
        "taxpayers": taxpayers if not args.world else None,
        **figures,
        "items_per_second": round(figures["items"] / wall) if wall else None,
        "generate_world_seconds": round(world_s, 1),
        "generate_request_seconds": round(request_s, 1),
        "target_seconds": target,
        "target_rss_mb": TARGET_RSS_MB,
        "time_target_met": wall < target,
        "memory_target_met": figures["peak_rss_mb"] < TARGET_RSS_MB,
    }
    print(f"baseline wall      {wall:.2f} s ({result['items_per_second']:,} items/s)")
    print(f"peak RSS           {figures['peak_rss_mb']:.0f} MB")
    print(
        f"released           {figures['released']:,} of {figures['items']:,} "
        f"(tin script {figures['released_tin_script']:,}, "
        f"address script {figures['released_address_script']:,})"
    )
    print(
        f"wrong person       {figures['wrong_person']:,} "
        f"({figures['wrong_person_not_in_world']:,} about someone not in the world, "
        f"{figures['wrong_person_confusers']:,} household confusers)"
    )
    print(f"on a non-address   {figures['released_on_non_address']:,}")
    print(f"among namesakes    {figures['released_among_namesakes']:,}")
    print(
        f"targets met        time {result['time_target_met']}, memory {result['memory_target_met']}"
    )
    print("BENCH-RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
