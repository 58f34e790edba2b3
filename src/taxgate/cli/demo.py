"""``taxgate demo``: the reference scenario of mission.md on the built-in world.

A synthetic master file and an ICE-2025-style bulk request are decided as of three dates of
the real order timeline, by the 2025 process (rebuilt from the court record) and by taxgate,
and scored against the generator's truth. An individualised `mixed` request is decided beside
it so the identity stage's refusal to guess is visible too (the bulk request never reaches
identity: it is not individualised). The same table goes to ``report.html``.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.csv as pacsv
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from taxgate.baseline import run_baseline
from taxgate.demo.remedies import remedies_act
from taxgate.demo.reports import reports_act
from taxgate.intake.manifest import load_manifest
from taxgate.law import LawEngine, RequestFacts, load_orders, timeline
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.progress import describe
from taxgate.release.keys import generate_recipient_keys
from taxgate.reports.html import write_report
from taxgate.reports.scenario import Score, read_truth, score
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

DATES = (date(2025, 8, 7), date(2025, 11, 22), date(2026, 2, 6))


def _world(out: Path, taxpayers: int, seed: int, console: Console) -> Path:
    """Generate the demo world once; a later run with the same size and seed reuses it."""
    world = out / "world"
    stamp = world / "world.json"
    if stamp.is_file():
        recorded = json.loads(stamp.read_text())
        if recorded.get("taxpayers") == taxpayers and recorded.get("seed") == seed:
            console.print(f"world: reusing {world} ({taxpayers:,} taxpayers, seed {seed})")
            return world
    with Progress(
        TextColumn("generating the world"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("world", total=taxpayers)
        generate_world(
            world,
            taxpayers=taxpayers,
            seed=seed,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    return world


def _request(world: Path, out: Path, kind: str, size: int, seed: int, console: Console) -> Path:
    target = out / kind
    stamp = target / "request.json"
    wanted = {"kind": kind, "size": size, "seed": seed, "world": str(world)}
    fresh = (target / "request.toml").is_file() and stamp.is_file()
    if fresh and json.loads(stamp.read_text()) == wanted:
        return target / "request.toml"
    with console.status(f"writing the {kind} request ({size:,} items)"):
        generate_request(world, target, kind=kind, size=size, seed=seed)
    stamp.write_text(json.dumps(wanted))
    return target / "request.toml"


def _scenario(kind: str, world: Path, manifest: Path, out: Path, console: Console) -> list[Score]:
    truth = read_truth(manifest.parent / "truth.csv")
    items = pacsv.read_csv(
        manifest.parent / "items.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in ("tin", "zip", "date_of_birth")},
            strings_can_be_null=False,
        ),
    )
    started = time.perf_counter()
    with console.status(f"{kind}: the 2025 process"):
        baseline = run_baseline(world, items)
    baseline_seconds = time.perf_counter() - started
    scores: list[Score] = []
    request = RequestFacts.of(load_manifest(manifest))
    requester = request.requester
    recipient = out / "keys" / "recipients"
    if not (recipient / f"{requester}.pub").is_file():
        generate_recipient_keys(recipient, requester)
    engine = LawEngine.load()
    for on in DATES:
        # Whether the orders in force bar even a flawless item of this request.
        bar = not engine.releases_flawless(request, on)
        scores.append(
            score(
                "2025 process",
                on.isoformat(),
                baseline,
                truth,
                orders_bar=bar,
                seconds=baseline_seconds,
            )
        )
        options = DecideOptions(
            world=world,
            as_of=on,
            out=out / "decided" / kind / on.isoformat(),
            store_url=f"sqlite:///{out / 'store.db'}",
            key_dir=out / "keys",
            recipient_key=recipient / f"{requester}.pub",
        )
        options.out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        label = f"{kind}: taxgate as of {on.isoformat()}"
        with console.status(label) as status:

            def show(
                stage: str,
                message: str,
                /,
                *,
                done: int | None = None,
                total: int | None = None,
                prefix: str = label,
            ) -> None:
                status.update(f"{prefix}: {stage}: {describe(message, done, total)}")

            result = decide(manifest, options, progress=show)
        scores.append(
            score(
                "taxgate",
                on.isoformat(),
                result.decisions,
                truth,
                orders_bar=bar,
                seconds=time.perf_counter() - started,
            )
        )
    return scores


def _print(title: str, scores: list[Score], console: Console) -> None:
    table = Table(title=title)
    for column in ("system", "as of", "released", "unlawful", "wrong person", "review", "s"):
        table.add_column(column, justify="left" if column in ("system", "as of") else "right")
    for row in scores:
        colour = "red" if row.unlawful or row.wrong_person else "green"
        table.add_row(
            row.system,
            row.as_of,
            f"{row.released:,}",
            f"[{colour}]{row.unlawful:,}[/]",
            f"[{colour}]{row.wrong_person:,}[/]",
            f"{row.review:,}",
            f"{row.seconds}",
        )
    console.print(table)
    ours = [row for row in scores if row.system == "taxgate"]
    reasons = Table(title="taxgate: items not released, by reason (an item may have several)")
    reasons.add_column("reason")
    for row in ours:
        reasons.add_column(row.as_of, justify="right")
    for code in sorted({code for row in ours for code in row.withheld_by_reason}):
        reasons.add_row(code, *(f"{row.withheld_by_reason.get(code, 0):,}" for row in ours))
    console.print(reasons)


def demo(
    out: Annotated[Path, typer.Option(help="Where the world, requests and results go.")] = Path(
        "demo-out"
    ),
    taxpayers: Annotated[int, typer.Option(help="Taxpayers in the synthetic world.")] = 1_000_000,
    items: Annotated[int, typer.Option(help="Items in the ICE-2025-style request.")] = 128_000,
    seed: Annotated[int, typer.Option(help="Seed for the world and the requests.")] = 2025,
) -> None:
    """The 2025 scenario: the same request decided by the 2025 process and by taxgate.

    Example: `taxgate demo --taxpayers 200000 --items 20000 --out demo-out`
    """
    console = Console()
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    # A fresh ledger each run: the demo's batches are re-decided, not resumed.
    for stale in ("store.db", "store.db-wal", "store.db-shm", "decided"):
        path = out / stale
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    world = _world(out, taxpayers, seed, console)
    sections = []
    for kind, size in (("ice-2025", items), ("mixed", max(200, items // 20))):
        manifest = _request(world, out, kind, size, seed, console)
        scores = _scenario(kind, world, manifest, out, console)
        title = f"{kind}: {size:,} items against {taxpayers:,} taxpayers"
        _print(title, scores, console)
        sections.append((title, scores))
    remedies = remedies_act(out, world, console, seed)
    orders = load_orders()
    links = reports_act(out, console)
    write_report(
        out / "report.html",
        title="taxgate: the 2025 bulk request, decided twice",
        intro=(
            "Synthetic data only. 'Released unlawfully' is judged from the generator's truth "
            "and the orders in force on each date; the batch-level specificity screens are "
            "left out of it, so it is a lower bound."
        ),
        sections=sections,
        timeline=timeline(orders),
        citations={order.id: order.citation for order in orders},
        extra_sections=remedies,
        links=links,
    )
    console.print(
        f"report: {out / 'report.html'}; ledger: sqlite:///{out / 'store.db'}; "
        f"total {time.perf_counter() - started:.0f} s",
        highlight=False,
    )
