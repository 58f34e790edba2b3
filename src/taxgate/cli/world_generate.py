"""``taxgate world generate``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from taxgate.world.generate import generate_world


class WorldFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


def generate(
    taxpayers: int = typer.Option(..., "--taxpayers", "-n", help="Number of taxpayers."),
    out: Path = typer.Option(..., "--out", "-o", help="World directory to write (new or empty)."),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same seed gives the same world."),
    fmt: WorldFormat = typer.Option(WorldFormat.parquet, "--format", help="Table file format."),
    itin_share: float = typer.Option(
        0.05, "--itin-share", help="Share of taxpayers filing with an ITIN rather than an SSN."
    ),
) -> None:
    """Generate a synthetic taxpayer master file: taxpayers and address histories.

    Names come from several populations with nicknames and variant spellings; households
    include spouses, adult children, Jr/Sr pairs, twins and same-surname neighbours.

    Example: `taxgate world generate --taxpayers 100000 --seed 7 --out world/`
    """
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("generating taxpayers", total=taxpayers)
        summary = generate_world(
            out,
            taxpayers=taxpayers,
            seed=seed,
            fmt=fmt.value,
            itin_share=itin_share,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    typer.echo(
        f"wrote {summary.taxpayers:,} taxpayers ({summary.itin:,} ITIN), "
        f"{summary.addresses:,} addresses, {summary.households:,} households to {out}"
    )
