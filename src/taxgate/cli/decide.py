"""``taxgate decide``: one batch end to end (contracts.md §4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from taxgate.cli.options import Agencies, Keys, Orders, Store, as_of_or_today
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.progress import reporter
from taxgate.settings import load_settings


def decide_command(
    manifest: Annotated[Path, typer.Argument(help="The request manifest (request.toml).")],
    world: Annotated[Path, typer.Option(help="The taxpayer master file (a world folder).")],
    out: Annotated[Path, typer.Option(help="Where decisions.csv, response.csv, summary.json go.")],
    as_of: Annotated[
        str | None,
        typer.Option(help="Decide under the law in force on this date (default: today)."),
    ] = None,
    orders: Orders = None,
    agencies: Agencies = None,
    store: Store = None,
    keys: Keys = None,
    recipient_key: Annotated[
        Path | None, typer.Option(help="Recipient's public key: also write release.sealed.")
    ] = None,
    settings: Annotated[
        Path | None, typer.Option(help="Settings file overriding defaults.")
    ] = None,
    engine: Annotated[str, typer.Option(help="Identity engine: duckdb or spark.")] = "duckdb",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress on stderr (errors still are).")
    ] = False,
) -> None:
    """Decide a request item by item, record every decision, then write the release.

    Example: `taxgate decide ice/request.toml --world world/ --as-of 2025-08-07 --out decided/`
    """
    console = Console(stderr=True)
    options = DecideOptions(
        world=world,
        as_of=as_of_or_today(as_of),
        out=out,
        orders=orders,
        agencies=agencies,
        store_url=store,
        key_dir=keys,
        recipient_key=recipient_key,
        settings=load_settings(settings),
        engine=engine,
    )
    with reporter(console, quiet_mode=quiet) as progress:
        result = decide(manifest, options, progress=progress)
    if as_json:
        print(json.dumps(result.summary, indent=2, sort_keys=True))
        return
    table = Table(title=f"{result.batch_id}: {result.summary['items']:,} items")
    table.add_column("outcome / reason")
    table.add_column("items", justify="right")
    for name, count in result.summary["outcomes"].items():
        table.add_row(f"[bold]{name}[/]", f"{count:,}")
    for code, count in result.summary["reasons"].items():
        table.add_row(f"  {code}", f"{count:,}")
    stages = Table(title="stages")
    for column in ("stage", "seconds", "items/s"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    items = result.summary["items"]
    for stage, seconds in result.seconds.items():
        rate = f"{items / seconds:,.0f}" if seconds > 0 else "—"
        stages.add_row(stage, f"{seconds:.2f}", rate)
    out_console = Console()
    out_console.print(table)
    out_console.print(stages)
    out_console.print(
        f"ledger size {result.summary['tree_head']['size']}; wrote {out}/decisions.csv, "
        "response.csv, summary.json",
        highlight=False,
    )
