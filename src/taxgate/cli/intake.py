"""``taxgate intake ...``: load and check a request without deciding it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from taxgate.intake import load_request
from taxgate.model import IntakeBatch
from taxgate.settings import load_settings

app = typer.Typer(no_args_is_help=True, help="Load a request and run the statutory checks.")


def summary(batch: IntakeBatch) -> dict[str, Any]:
    """Counts by reason code and the screens' evidence, as plain data."""
    lists = batch.items.column("reasons").to_pylist()
    by_reason = Counter(code for codes in lists for code in codes)
    return {
        "request": batch.manifest.id,
        "requester": batch.manifest.requester,
        "items": batch.size,
        "sufficient": sum(1 for codes in lists if not codes),
        "by_reason": dict(sorted(by_reason.items())),
        "screens": [asdict(finding) for finding in batch.screens],
    }


def _print(data: dict[str, Any], console: Console) -> None:
    counts = Table(
        title=f"Request {data['request']} ({data['requester']}): {data['items']:,} items"
    )
    counts.add_column("reason code")
    counts.add_column("items", justify="right")
    counts.add_row("(sufficient: no reason)", f"{data['sufficient']:,}")
    for code, count in data["by_reason"].items():
        counts.add_row(code, f"{count:,}")
    console.print(counts)
    if not data["screens"]:
        console.print("Screens: no repeated reason, investigation or officer above the thresholds.")
        return
    screens = Table(title="Screen evidence")
    for column in ("code", "field", "repeated value", "items", "share", "threshold"):
        screens.add_column(column, overflow="fold")
    for finding in data["screens"]:
        share = f"{finding['share']:.1%}"
        if finding["distinct_investigations"] is not None:
            share += f" of investigations ({finding['distinct_investigations']:,})"
        screens.add_row(
            finding["code"],
            finding["field"],
            finding["value"],
            f"{finding['items']:,}",
            share,
            f"> {finding['threshold']:.1%}",
        )
    console.print(screens)


@app.command("check")
def check(
    manifest: Annotated[Path, typer.Argument(help="The request manifest (.toml).")],
    agencies: Annotated[
        Path | None, typer.Option("--agencies", help="Agency registry replacing the default.")
    ] = None,
    settings: Annotated[
        Path | None, typer.Option("--settings", help="Settings file overriding the defaults.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Load a request, check every item for what §6103(i)(2) requires, and report.

    Prints the number of items per reason code and the evidence of the batch screens.
    Exit 0 when the request loaded (whatever its defects), 2 with a one-line error for an
    unusable file.

    Example: `taxgate intake check requests/ICE-2025-0806.toml --json`
    """
    chosen = load_settings(settings)
    with Console(stderr=True).status("Loading and checking the request…"):
        batch = load_request(manifest, agencies=agencies, settings=chosen)
    data = summary(batch)
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        _print(data, Console())
