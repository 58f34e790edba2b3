"""``taxgate identity ...``: train, apply and explain the linkage model."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from taxgate.identity import explain_item, train_model
from taxgate.identity.items import read_items

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
    chart: Path | None = typer.Option(
        None, "--chart", help="Also write Splink's waterfall chart to this HTML file."
    ),
    candidates: int = typer.Option(3, "--candidates", min=1, help="How many candidates."),
) -> None:
    """Show the per-comparison match weights of the best candidates for one item.

    Example: `taxgate identity explain ITEM-000042 --world world/ --manifest request.toml
    --chart why.html`
    """
    table = explain_item(
        world, read_items(manifest), item, chart=chart, candidates=candidates, source=str(manifest)
    )
    console = Console()
    if table.num_rows == 0:
        console.print(f"no candidate taxpayer for item {item}")
        return
    view = Table(title=f"item {item}: match weights (bits)")
    for column in ("rank", "tin", "comparison", "level", "item_value", "taxpayer_value"):
        view.add_column(column)
    view.add_column("weight", justify="right")
    for row in table.to_pylist():
        view.add_row(
            str(row["rank"]),
            row["tin"],
            row["comparison"],
            row["level"],
            row["item_value"] or "",
            row["taxpayer_value"] or "",
            f"{row['match_weight']:+.2f}",
        )
    console.print(view)
    if chart is not None:
        console.print(f"waterfall chart: {chart}")
