"""``taxgate world request``: a synthetic request against a world, with its truth file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from taxgate.world.request import KINDS, default_params, generate_request
from taxgate.world.request_params import with_overrides


def request(
    world: Annotated[Path, typer.Option(help="World directory (taxpayers and addresses tables).")],
    out: Annotated[Path, typer.Option(help="Directory to write the request into.")],
    kind: Annotated[str, typer.Option(help=f"Kind of request: {', '.join(KINDS)}.")] = "ice-2025",
    size: Annotated[int, typer.Option(help="Number of items.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same files.")] = 1,
    fmt: Annotated[str, typer.Option("--format", help="Item file format: csv or parquet.")] = "csv",
    param: Annotated[
        list[str] | None,
        typer.Option(
            help="Override a request parameter, key=value (repeatable), e.g. in_world_share=0.2."
        ),
    ] = None,
) -> None:
    """Generate a synthetic request against a world: `request.toml`, the item file and
    `truth.csv` (who each item really names, its defect and the intake reasons it should get).

    Example: `taxgate world request --kind ice-2025 --world world/ --size 10000 --seed 7
    --out requests/ice/`
    """
    params = default_params(kind)
    if param:
        params = with_overrides(params, param, source="--param")
    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("choose csv or parquet", param_hint="--format")
    item_format: Literal["csv", "parquet"] = "parquet" if fmt == "parquet" else "csv"
    console = Console(stderr=True)
    with console.status("generating request") as status:
        summary = generate_request(
            world,
            out,
            kind=kind,
            size=size,
            seed=seed,
            fmt=item_format,
            params=params,
            progress=lambda message: status.update(message),
        )
    typer.echo(f"wrote {summary.manifest}, {summary.items} and {summary.truth}")
    typer.echo(f"{summary.size:,} items, {summary.in_world:,} naming a person in the world")
    for defect, count in sorted(summary.defects.items(), key=lambda kv: (-kv[1], kv[0])):
        typer.echo(f"  {defect:<24} {count:>10,}")
