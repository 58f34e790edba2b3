"""``taxgate world generate``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from taxgate.errors import InputError
from taxgate.world.generate import generate_world
from taxgate.world.io import WORLD_TABLES


class WorldFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


def generate(
    taxpayers: int = typer.Option(..., "--taxpayers", "-n", help="Number of taxpayers."),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="World directory to write: new or empty, or a world to replace with --replace.",
    ),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same seed gives the same world."),
    fmt: WorldFormat = typer.Option(WorldFormat.parquet, "--format", help="Table file format."),
    itin_share: float = typer.Option(
        0.05, "--itin-share", help="Share of taxpayers filing with an ITIN rather than an SSN."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Replace the world already in --out (its tables are lost)."
    ),
) -> None:
    """Generate a synthetic taxpayer master file: taxpayers and address histories.

    Names come from several populations with nicknames and variant spellings; households
    include spouses, adult children, Jr/Sr pairs, twins and same-surname neighbours.

    Example: `taxgate world generate --taxpayers 100000 --seed 7 --out world/`
    """
    if not replace:
        _refuse_an_existing_world(out)
    console = Console(stderr=True)
    # Off a terminal the bar draws nothing, and Rich would end it with a blank line on stderr.
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
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


def _refuse_an_existing_world(out: Path) -> None:
    """A world is what requests and truth files were drawn from: never replace it by a typo."""
    tables = (f"{name}.{suffix}" for name in WORLD_TABLES for suffix in ("parquet", "csv"))
    existing = next((name for name in tables if (out / name).exists()), None)
    if existing is not None:
        raise InputError(
            out,
            f"already holds a world ({existing})",
            hint="pass --replace to generate a new one in its place, or choose another --out",
        )
