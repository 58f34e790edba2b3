"""Benchmark: one whole ``taxgate decide`` batch, stage by stage, on SQLite and PostgreSQL.

The new user's run of issue 18: ``world generate --taxpayers N --seed 7``, ``world request
--kind mixed --size M --seed 7``, then ``decide --as-of 2025-08-07`` into a fresh store.
Each decide runs in a fresh process (its peak RSS is its own):

- cold: no model saved yet, so decide trains one itself (SQLite only: the store plays no
  part in training);
- ``identity train``, as an agency would run it once per world;
- warm: decide with the model trained, once per store.

For every run it prints the stages (seconds as decide's summary reports them, items/s, CPU
seconds, peak RSS so far), then where the time goes inside intake and inside the ledger
(per step: wall seconds and the CPU of the thread that ran it; the ledger's database writes
run on their own thread while the next chunk is encoded, and intake's worker thread cleans and
splits the reasons while the caller does the rest: a ``[worker]`` step overlaps the others,
and steps nest, splitting into words happening inside the checks and screens that ask).

Scales: ``small`` 200,000 taxpayers x 20,000 items (a couple of minutes); ``mid`` 1,000,000
x 128,000 (the ratio target: intake + law + release + ledger at most half of identity);
``full`` 10,000,000 x 1,280,000 (the time and memory targets). ``taxgate bench decide
--scale full`` runs the full scale; ``.venv/bin/python bench/bench_decide.py --scale mid`` the
ratio. ``--keep DIR`` keeps (and reuses) the world and request; wall-clock figures depend on
what else the machine runs, so the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pickle
import resource
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any

SCALES = {"small": (200_000, 20_000), "mid": (1_000_000, 128_000), "full": (10_000_000, 1_280_000)}
AS_OF = date(2025, 8, 7)
STAGES = ("intake", "identity", "law", "release", "ledger")
TARGETS = {
    "warm_seconds": 180.0,
    "cold_seconds": 240.0,
    "peak_rss_mb": 6144.0,
    "intake_seconds": 15.0,
    "ledger_seconds": 20.0,
    "rest_over_identity": 0.5,
}
REPO = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- children: each runs in a fresh process -------------------------------------------------


class StageProbe:
    """A progress callback that notes, when each stage starts, the process's CPU seconds and
    peak RSS so far: CPU and memory per stage without touching the pipeline."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float, float]] = []

    def __call__(
        self, stage: str, message: str, *, done: int | None = None, total: int | None = None
    ) -> None:
        if not self.marks or self.marks[-1][0] != stage:
            self.marks.append((stage, _cpu(), _peak_mb()))

    def per_stage(self) -> dict[str, dict[str, float]]:
        self("end", "")  # closes the last stage
        out = {}
        for (stage, cpu, _), (_, later_cpu, peak) in zip(self.marks, self.marks[1:], strict=False):
            out[stage] = {"cpu_seconds": round(later_cpu - cpu, 2), "peak_rss_mb": peak}
        return out


def run_decide(
    world: str, manifest: str, store: str, keys: str, out: str, save: str | None
) -> dict[str, Any]:
    """One decide, as ``taxgate decide`` runs it; its stages, counts and peak memory."""
    from taxgate.model import DecideOptions
    from taxgate.pipeline import decide

    probe = StageProbe()
    started = time.perf_counter()
    options = DecideOptions(
        world=Path(world), as_of=AS_OF, out=Path(out), store_url=store, key_dir=Path(keys)
    )
    result = decide(Path(manifest), options, progress=probe)
    wall = time.perf_counter() - started
    if save is not None:
        import pyarrow.parquet as pq

        Path(save).mkdir(parents=True, exist_ok=True)
        pq.write_table(result.decisions, Path(save) / "decisions.parquet")
        pq.write_table(result.files.response, Path(save) / "response.parquet")
        (Path(save) / "record.pkl").write_bytes(pickle.dumps(result.record))
    return {
        "wall_seconds": round(wall, 2),
        "seconds": result.seconds,
        "stages": probe.per_stage(),
        "outcomes": result.summary["outcomes"],
        "ledger_size": result.summary["tree_head"]["size"],
        "peak_rss_mb": _peak_mb(),
    }


def run_train(world: str) -> dict[str, Any]:
    from taxgate.identity import train_model

    started = time.perf_counter()
    train_model(Path(world))
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mb": _peak_mb()}


class Steps:
    """Wall seconds and the calling thread's CPU seconds of chosen functions, by wrapping.

    A step run on a worker thread is labelled ``[worker]``: its time overlaps the caller's."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}

    def wrap(self, owner: Any, name: str, label: str, *, main_only: bool = False) -> None:
        function = getattr(owner, name)

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            worker = threading.current_thread() is not threading.main_thread()
            if worker and main_only:
                return function(*args, **kwargs)
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                where = label + (" [worker]" if worker else "")
                spent = self.seconds.setdefault(where, [0.0, 0.0])
                spent[0] += time.perf_counter() - wall
                spent[1] += time.thread_time() - cpu

        setattr(owner, name, timed)

    def rounded(self) -> dict[str, list[float]]:
        return {k: [round(v[0], 2), round(v[1], 2)] for k, v in self.seconds.items()}


def run_intake_steps(manifest: str) -> dict[str, Any]:
    """load_request with its steps timed, on the caller's thread and on intake's worker."""
    from concurrent.futures import Future

    from taxgate import intake
    from taxgate.intake import columns, items, screens, templates, words
    from taxgate.intake.words import Words
    from taxgate.memory import use_batch_pool

    use_batch_pool()
    steps = Steps()
    steps.wrap(items, "_read_csv", "read the CSV")
    steps.wrap(items, "_validate", "validate (ids, dates, formulas)")
    steps.wrap(columns, "normalize_names", "names")
    steps.wrap(columns, "normalize_addresses", "addresses")
    for module in (columns, intake, words):  # each holds its own name for the function
        steps.wrap(module, "clean_text_column", "clean text columns")
    steps.wrap(columns, "officer_column", "officer keys")
    steps.wrap(Words, "of", "split columns into words")
    steps.wrap(intake, "item_checks", "statutory checks")
    steps.wrap(screens, "_repeated", "screen: repeated reasons and ids")
    steps.wrap(screens, "reason_templates", "screen: reason templates")
    steps.wrap(templates, "_citations", "screen: reasons citing their case")
    steps.wrap(screens, "_officers", "screen: officers")
    steps.wrap(Future, "result", "waiting for the worker", main_only=True)
    started = time.perf_counter()
    intake.load_request(Path(manifest))
    return {
        "wall_seconds": round(time.perf_counter() - started, 2),
        "steps": steps.rounded(),
        "peak_rss_mb": _peak_mb(),
    }


def run_ledger_steps(saved: str, store: str, keys: str) -> dict[str, Any]:
    """record_batch of a decided batch into a fresh store, with its steps timed."""
    import pyarrow.parquet as pq

    from taxgate.ledger import Ledger, append, batches
    from taxgate.memory import use_batch_pool
    from taxgate.release import row_digests

    use_batch_pool()
    decisions = pq.read_table(Path(saved) / "decisions.parquet")
    response = pq.read_table(Path(saved) / "response.parquet")
    record = pickle.loads((Path(saved) / "record.pkl").read_bytes())
    steps = Steps()
    steps.wrap(batches, "decision_entries", "decisions as entry columns")
    steps.wrap(append, "_column_chunk", "canonical JSON, a chunk at a time")
    steps.wrap(append.Writer, "write", "leaf hashes and tree nodes")
    steps.wrap(append.Writer, "_store", "database insert (writer thread)")
    steps.wrap(append.Writer, "wait", "waiting for the database")
    with Ledger.open(store, Path(keys)) as ledger:
        started = time.perf_counter()
        digests = row_digests(response)
        digested = time.perf_counter()
        head = batches.record_batch(ledger, record, decisions, digests)
        done = time.perf_counter()
    figures = steps.rounded()
    figures["row digests"] = [round(digested - started, 2), round(digested - started, 2)]
    # "write" timed the hashing and the wait for the previous chunk's insert: report apart.
    hashing, waiting = (
        figures.pop("leaf hashes and tree nodes"),
        figures.get("waiting for the database", [0.0, 0.0]),
    )
    figures["leaf hashes and tree nodes"] = [
        round(hashing[0] - waiting[0], 2),
        round(hashing[1] - waiting[1], 2),
    ]
    return {
        "wall_seconds": round(done - started, 2),
        "entries": head.size,
        "steps": figures,
        "peak_rss_mb": _peak_mb(),
    }


def _in_child(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result: dict[str, Any] = pool.submit(function, *args).result()
    return result


# --- stores -------------------------------------------------------------------------------


def postgres_server() -> str | None:
    url = os.environ.get("TAXGATE_TEST_PG_URL")
    if url:
        return url
    saved = REPO / ".taxgate" / "pg-url"
    return saved.read_text().strip() if saved.is_file() else None


@contextmanager
def fresh_store(kind: str, scratch: Path) -> Iterator[str]:
    """A store no batch has been recorded in: a new SQLite file or PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{scratch / f'store-{uuid.uuid4().hex[:8]}.db'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    server = postgres_server()
    if server is None:
        raise SystemExit("no PostgreSQL server: run `make postgres` or set TAXGATE_TEST_PG_URL")
    schema = f"bench_decide_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


# --- the run ------------------------------------------------------------------------------


def _print_run(label: str, run: dict[str, Any], items: int) -> dict[str, float]:
    seconds = run["seconds"]
    print(f"\n{label}: {run['wall_seconds']:.1f} s wall, peak {run['peak_rss_mb']:,.0f} MB")
    print(f"  {'stage':<10}{'seconds':>9}{'items/s':>11}{'CPU s':>8}{'peak RSS MB':>13}")
    for stage in STAGES:
        spent = seconds.get(stage, 0.0)
        probe = run["stages"].get(stage, {})
        rate = f"{items / spent:,.0f}" if spent else "-"
        print(
            f"  {stage:<10}{spent:>9.1f}{rate:>11}{probe.get('cpu_seconds', 0):>8.1f}"
            f"{probe.get('peak_rss_mb', 0):>13,.0f}"
        )
    rest = sum(seconds.get(s, 0.0) for s in STAGES if s != "identity")
    ratio = rest / seconds["identity"] if seconds.get("identity") else float("nan")
    print(f"  intake + law + release + ledger = {rest:.1f} s = {ratio:.2f} x identity")
    return {"rest_seconds": round(rest, 2), "rest_over_identity": round(ratio, 3)}


def _print_steps(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title}: {figures['wall_seconds']:.1f} s wall")
    print(f"  {'step':<46}{'wall s':>8}{'thread CPU s':>14}")
    for step, (wall, cpu) in sorted(figures["steps"].items(), key=lambda kv: -kv[1][0]):
        print(f"  {step:<46}{wall:>8.2f}{cpu:>14.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=tuple(SCALES), default="small")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep world and request")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold run")
    parser.add_argument("--no-steps", action="store_true", help="skip intake/ledger steps")
    args = parser.parse_args()
    from taxgate.identity import MODEL_FILE
    from taxgate.world.generate import generate_world
    from taxgate.world.request import generate_request

    taxpayers, size = SCALES[args.scale]
    stores = [s for s in args.stores.split(",") if s]
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="bench-decide-"))
    world, request = scratch / f"world-{taxpayers}", scratch / f"mixed-{size}"
    result: dict[str, Any] = {"bench": "decide", "scale": args.scale, "items": size}
    try:
        if not (world / "taxpayers.parquet").is_file():
            print(f"generating {taxpayers:,} taxpayers (seed 7)", flush=True)
            generate_world(world, taxpayers=taxpayers, seed=7)
        if not (request / "request.toml").is_file():
            print(f"generating a mixed request of {size:,} items (seed 7)", flush=True)
            generate_request(world, request, kind="mixed", size=size, seed=7)
        manifest, keys = request / "request.toml", scratch / "keys"
        runs: dict[str, dict[str, Any]] = {}
        if not args.no_cold:
            (world / MODEL_FILE).unlink(missing_ok=True)
            os.environ["TAXGATE_MODEL_CACHE"] = str(scratch / f"cache-{uuid.uuid4().hex[:6]}")
            print(f"\ncold decide (SQLite, no model yet), {_load()}", flush=True)
            with fresh_store("sqlite", scratch) as store:
                out = scratch / "out-cold"
                runs["cold sqlite"] = _in_child(
                    run_decide, str(world), str(manifest), store, str(keys), str(out), None
                )
            os.environ.pop("TAXGATE_MODEL_CACHE")
        print(f"\nidentity train, {_load()}", flush=True)
        result["train"] = _in_child(run_train, str(world))
        print(f"  {result['train']['seconds']:.1f} s, peak {result['train']['peak_rss_mb']} MB")
        saved = scratch / "decided"
        for kind in stores:
            print(f"\nwarm decide ({kind}), {_load()}", flush=True)
            with fresh_store(kind, scratch) as store:
                out = scratch / f"out-{kind}"
                shutil.rmtree(out, ignore_errors=True)
                runs[f"warm {kind}"] = _in_child(
                    run_decide, str(world), str(manifest), store, str(keys), str(out), str(saved)
                )
        result["runs"] = runs
        for label, run in runs.items():
            run.update(_print_run(label, run, size))
        if not args.no_steps:
            print(f"\nintake, step by step, {_load()}", flush=True)
            result["intake_steps"] = _in_child(run_intake_steps, str(manifest))
            _print_steps("inside intake", result["intake_steps"])
            for kind in stores:
                print(f"\nledger, step by step ({kind}), {_load()}", flush=True)
                with fresh_store(kind, scratch) as store:
                    steps = _in_child(run_ledger_steps, str(saved), store, str(keys))
                result[f"ledger_steps_{kind}"] = steps
                _print_steps(f"inside the ledger ({kind}, {steps['entries']:,} entries)", steps)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    result["targets"] = TARGETS
    result["met"] = _met(args.scale, result.get("runs", {}))
    print(f"\ntargets met: {result['met']}")
    print("BENCH-RESULT " + json.dumps(result, sort_keys=True))


def _met(scale: str, runs: dict[str, dict[str, Any]]) -> dict[str, bool]:
    warm = [run for label, run in runs.items() if label.startswith("warm")]
    met: dict[str, bool] = {}
    if scale == "mid" and warm:
        met["rest_over_identity"] = all(
            run["rest_over_identity"] <= TARGETS["rest_over_identity"] for run in warm
        )
    if scale == "full" and warm:
        met["warm_seconds"] = all(r["wall_seconds"] <= TARGETS["warm_seconds"] for r in warm)
        met["peak_rss_mb"] = all(r["peak_rss_mb"] <= TARGETS["peak_rss_mb"] for r in warm)
        met["intake_seconds"] = all(
            r["seconds"]["intake"] <= TARGETS["intake_seconds"] for r in warm
        )
        met["ledger_seconds"] = all(
            r["seconds"]["ledger"] <= TARGETS["ledger_seconds"] for r in warm
        )
        cold = [run for label, run in runs.items() if label.startswith("cold")]
        if cold:
            met["cold_seconds"] = all(r["wall_seconds"] <= TARGETS["cold_seconds"] for r in cold)
    return met


if __name__ == "__main__":
    main()
