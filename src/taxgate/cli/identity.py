"""``taxgate identity ...``: train, apply and explain the linkage model."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from taxgate.cli.options import Agencies, Keys, Store
from taxgate.identity import train_model
from taxgate.ledger import Ledger
from taxgate.review import explain_for_officer

app = typer.Typer(no_args_is_help=True, help="Train and explain the identity-resolution model.")

WORLD = typer.Option(..., "--world", help="World directory (taxpayers + addresses).")


@app.command("train")
def train(world: Path = WORLD) -> None:
    """Train the linkage model on the world itself and save it beside the world.

    Writes `DIR/identity-model.json`; resolving and explaining reuse it without retraining.

    Example: `taxgate identity train --world world/`
    """
    console = Console(stderr=True)
    path = train_model(world, progress=lambda message: console.print(f"[dim]{message}[/dim]"))
    typer.echo(str(path))


@app.command("explain")
def explain(
    item: str = typer.Argument(..., help="The item_id to explain."),
    world: Path = WORLD,
    manifest: Path = typer.Option(..., "--manifest", help="The request manifest (*.toml)."),
    officer: str = typer.Option("", "--officer", help="Your name: the officer looking."),
    chart: Path | None = typer.Option(
        None, "--chart", help="Also write Splink's waterfall chart to this HTML file."
    ),
    candidates: int = typer.Option(3, "--candidates", min=1, help="How many candidates."),
    store: Store = None,
    keys: Keys = None,
    agencies: Agencies = None,
) -> None:
    """Show the per-comparison match weights of the best candidates for one item.

    Only for an item intake finds sufficient: no taxpayer is looked up for any other
    (§7213A). The candidates shown are return information, so each look is recorded in the
    ledger with --officer (IRS Pub. 1075), like `review show`.

    Example: `taxgate identity explain ITEM-000042 --world world/ --manifest request.toml
    --officer "A. Officer" --chart why.html`
    """
    with Ledger.open(store, keys) as ledger:
        table = explain_for_officer(
            ledger,
            manifest,
            item,
            world,
            officer,
            chart=chart,
            candidates=candidates,
            agencies=agencies,
        )
    console = Console()
    if table.num_rows == 0:
        console.print(f"no candidate taxpayer for item {item}")
        return
    view = Table(title=f"item {item}: match weights (bits)")
    for column in ("rank", "tin", "comparison", "level", "item_value", "taxpayer_value"):
        # A TIN is never cut short, however narrow the terminal: it names the candidate.
        view.add_column(column, no_wrap=column == "tin", min_width=9 if column == "tin" else None)
    view.add_column("weight", justify="right")
    view.add_column("typo accepted")
    for row in table.to_pylist():
        view.add_row(
            str(row["rank"]),
            row["tin"],
            row["comparison"],
            row["level"],
            row["item_value"] or "",
            row["taxpayer_value"] or "",
            f"{row['match_weight']:+.2f}",
            row["accepted"] or "",
        )
    console.print(view)
    if chart is not None:
        console.print(f"waterfall chart: {chart}")
