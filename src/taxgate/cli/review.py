"""``taxgate review list|show|decide``: the queue of items a batch sent to a person."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pyarrow.compute as pc
import typer
from rich.console import Console
from rich.table import Table

from taxgate.cli.options import Agencies, Keys, Store, as_of_or_today
from taxgate.ledger import Ledger
from taxgate.model import ITEM_COLUMNS, RELEASE, WITHHOLD
from taxgate.review import ReviewCase, VerdictRequest, give_verdict, pending, show_case
from taxgate.review.verdict import check_request

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="markdown",
    help=(
        "Items a batch could not decide alone (an ambiguous match) wait here for an officer, "
        "who sees each beside its candidate taxpayers and releases or withholds it with a "
        "written reason.\n\nExample: `taxgate review list`"
    ),
)

World = Annotated[
    Path | None, typer.Option(help="The world folder, if not where the batch recorded it.")
]
ManifestPath = Annotated[
    Path | None, typer.Option(help="The request manifest, if not where the batch recorded it.")
]


def _probability(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@app.command("list")
def list_command(
    store: Store = None,
    keys: Keys = None,
    batch: Annotated[str | None, typer.Option(help="Only this batch (REQUEST@AS-OF).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List items waiting for an officer's verdict.

    Example: `taxgate review list --batch ICE-2025-0806@2025-08-07`
    """
    with Ledger.open(store, keys, create=False) as ledger:
        waiting = pending(ledger, batch)
    if as_json:
        for entry in waiting:
            doc = {
                "batch": entry.batch,
                "item": entry.item,
                "match_probability": entry.match_probability,
                "as_of": entry.as_of.isoformat(),
            }
            typer.echo(json.dumps(doc))
        return
    table = Table(title=f"{len(waiting):,} items waiting for review")
    table.add_column("batch", overflow="fold")
    table.add_column("item", overflow="fold")
    table.add_column("match probability", justify="right")
    table.add_column("as of", no_wrap=True)
    for entry in waiting:
        table.add_row(
            entry.batch, entry.item, _probability(entry.match_probability), entry.as_of.isoformat()
        )
    Console().print(table)


def _item_table(case: ReviewCase) -> Table:
    row = case.batch.items.filter(pc.equal(case.batch.items["item_id"], case.item_id))
    values = row.to_pylist()[0]
    table = Table(title=f"item {case.item_id} as requested ({case.batch.manifest.id})")
    table.add_column("field")
    table.add_column("value")
    for name in (*ITEM_COLUMNS[1:], "officer"):
        if name in values:
            table.add_row(name, str(values[name] or ""))
    return table


def _candidates_table(case: ReviewCase) -> Table:
    table = Table(title="candidate taxpayers")
    table.add_column("#")
    table.add_column("tin", no_wrap=True)
    table.add_column("taxpayer")
    table.add_column("last known address (spells on file)")
    table.add_column("bits", justify="right", no_wrap=True)
    table.add_column("probability", justify="right", no_wrap=True)
    for c in case.candidates:
        person = c.taxpayer
        who = person.name + (f"\nborn {person.date_of_birth}" if person.date_of_birth else "")
        if person.protected:
            who += "\n[bold red]protected (6103(i)(6))[/]"
        table.add_row(
            str(c.rank),
            person.tin,
            who,
            f"{person.last_address} ({person.addresses_on_file})",
            f"{c.match_weight:+.2f}",
            f"{c.match_probability:.6f}",
        )
    return table


def _weights_table(case: ReviewCase, rank: int, tin: str) -> Table:
    rows = case.weights.filter(pc.equal(case.weights["rank"], rank)).to_pylist()
    table = Table(title=f"match weights, candidate {rank} ({tin})")
    for column in ("comparison", "level", "item", "taxpayer"):
        table.add_column(column)
    table.add_column("bits", justify="right")
    table.add_column("typo accepted")
    for row in rows:
        weight = row["match_weight"]
        style = "green" if weight > 0 else "red" if weight < 0 else ""
        table.add_row(
            row["comparison"],
            row["level"] or "",
            row["item_value"] or "",
            row["taxpayer_value"] or "",
            f"[{style}]{weight:+.2f}[/]" if style else f"{weight:+.2f}",
            row["accepted"] or "",
        )
    return table


@app.command("show")
def show(
    batch: Annotated[str, typer.Argument(help="The batch id, REQUEST@AS-OF.")],
    item: Annotated[str, typer.Argument(help="The item id.")],
    officer: Annotated[str, typer.Option(help="Your name: the officer looking.")] = "",
    store: Store = None,
    keys: Keys = None,
    world: World = None,
    manifest: ManifestPath = None,
    agencies: Agencies = None,
) -> None:
    """Show a waiting item beside its candidate taxpayers and their match weights.

    Inspection by the discloser's own officer deciding this disclosure (§6103(h)(1)). Each
    showing is recorded in the ledger first (who, when, which taxpayers; IRS Pub. 1075):
    `taxgate ledger export` lists them.

    Example: `taxgate review show ICE-2025-0806@2025-08-07 ICE-000013 --officer "A. Officer"`
    """
    with Ledger.open(store, keys, create=False) as ledger:
        case = show_case(
            ledger, batch, item, officer, world=world, manifest=manifest, agencies=agencies
        )
    console = Console()
    decision = case.decision
    console.print(_item_table(case))
    console.print(
        f"decided [bold]{decision.get('outcome')}[/] as of {decision.get('as_of')}: "
        f"reasons {';'.join(decision.get('reasons', []))}; "
        f"rules {';'.join(decision.get('rules', []))}",
        highlight=False,
    )
    if case.intake_findings:
        console.print(f"intake now finds: {';'.join(case.intake_findings)}", highlight=False)
    if not case.candidates:
        console.print("no candidate taxpayer: only --withhold is possible")
        return
    console.print(_candidates_table(case))
    for candidate in case.candidates:
        console.print(_weights_table(case, candidate.rank, candidate.taxpayer.tin))


@app.command("decide")
def decide(
    batch: Annotated[str, typer.Argument(help="The batch id, REQUEST@AS-OF.")],
    item: Annotated[str, typer.Argument(help="The item id.")],
    officer: Annotated[str, typer.Option(help="Your name: the officer deciding.")] = "",
    reason: Annotated[str, typer.Option(help="The written reason (mandatory).")] = "",
    release: Annotated[
        bool, typer.Option("--release", help="Release to the requester (needs --tin).")
    ] = False,
    withhold: Annotated[bool, typer.Option("--withhold", help="Withhold the item.")] = False,
    tin: Annotated[str, typer.Option(help="The candidate taxpayer you identified.")] = "",
    as_of: Annotated[str, typer.Option(help="Apply the law in force on this date.")] = "",
    out: Annotated[
        Path, typer.Option(help="Where the response amendment of a release goes.")
    ] = Path(),
    store: Store = None,
    keys: Keys = None,
    world: World = None,
    manifest: ManifestPath = None,
    agencies: Agencies = None,
) -> None:
    """Release or withhold a waiting item, with a written reason; a verdict is final.

    A release goes through the law stage again as of --as-of (default today) with the batch's
    orders: an order that arrived meanwhile withholds it. Only once the verdict is in the
    ledger is `response-amendment-ITEM.csv` written to --out.

    Example: `taxgate review decide ICE-2025-0806@2025-08-07 ICE-000013 --release
    --tin 000123456 --officer "A. Officer" --reason "DOB on the I-213 matches"`
    """
    verdict = VerdictRequest(
        outcome={(True, False): RELEASE, (False, True): WITHHOLD}.get((release, withhold), ""),
        officer=officer,
        reason=reason,
        as_of=as_of_or_today(as_of or None),
        tin=tin.strip(),
    )
    check_request(verdict)  # a mistaken command line before any store is opened
    with Ledger.open(store, keys, create=False) as ledger:
        result = give_verdict(
            ledger, batch, item, verdict, out, world=world, manifest=manifest, agencies=agencies
        )
    why = ";".join(result.reasons) or "no reason"
    if result.outcome == RELEASE:
        typer.echo(f"{item}: released and recorded; wrote {result.amendment}")
    elif verdict.outcome == RELEASE:
        typer.echo(f"{item}: NOT released: the law as of {verdict.as_of} withholds it ({why})")
    else:
        typer.echo(f"{item}: withheld and recorded")
