"""``taxgate remedies scan|ack|status|audit|notice|verify`` (contracts.md §7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from taxgate.cli.options import Agencies, Keys, Orders, Store, parse_date
from taxgate.ledger import Ledger
from taxgate.remedies import (
    NoticeStatus,
    acknowledge,
    audit_disclosures,
    notice_status,
    scan,
    verify_notice,
    write_notice,
)
from taxgate.remedies.notices import CERTIFICATES

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="markdown",
    help=(
        "When a court order changes: the disclosures already made that it reaches, notices to "
        "their custodians, acknowledgements against deadlines, and an audit of another "
        "system's disclosures with its §7431 exposure.\n\n"
        "Example: `taxgate remedies scan --as-of 2026-02-05`"
    ),
)

AsOf = Annotated[str, typer.Option("--as-of", help="The day, YYYY-MM-DD.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _print_json(doc: object) -> None:
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))


def _notices_table(title: str, notices: list[NoticeStatus], new: tuple[str, ...] = ()) -> Table:
    table = Table(title=title)
    for column in ("notice", "order", "recipient", "batches", "items", "deadline", "status"):
        numeric = column in ("batches", "items")
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for n in notices:
        status = n.status + (" (late)" if n.late else "")
        if n.superseded_by:
            status += f" by {n.superseded_by}"
        table.add_row(
            n.notice_id + (" [bold](new)[/]" if n.notice_id in new else ""),
            n.order,
            n.recipient,
            f"{len(n.batches):,}",
            f"{n.items:,}",
            n.deadline.isoformat() if n.deadline else "—",
            status,
        )
    return table


@app.command("scan")
def scan_command(
    as_of: AsOf,
    orders: Orders = None,
    store: Store = None,
    keys: Keys = None,
    agencies: Agencies = None,
    as_json: Json = False,
) -> None:
    """Find the recorded releases that the orders in force on --as-of reach, and issue one
    signed notice per (order, recipient agency) to the ledger. Idempotent: a second scan
    issues nothing new; a changed reach (a new order, a stay, a vacatur) issues a superseding
    notice. Every order file read is recorded (with its SHA-256) when first seen.

    Example: `taxgate remedies scan --orders src/taxgate/law/orders --as-of 2026-02-05 --json`
    """
    day = parse_date(as_of)
    with (
        Console(stderr=True).status(f"scanning recorded releases as of {day.isoformat()}"),
        Ledger.open(store, keys, create=False) as ledger,
    ):
        result = scan(ledger, orders, day, agencies=agencies)
    if as_json:
        _print_json(result.to_json())
        return
    console = Console()
    title = f"notices as of {day.isoformat()} ({len(result.issued)} new)"
    console.print(_notices_table(title, list(result.notices), result.issued))
    console.print(
        f"{result.reached_items:,} items reached; {result.orders_seen} order files read, "
        f"{result.orders_recorded} first seen; ledger size {result.head.size:,}",
        highlight=False,
    )


@app.command("ack")
def ack_command(
    notice: Annotated[str, typer.Argument(help="The notice id (N-...).")],
    custodian: Annotated[str, typer.Option(help="Who acknowledges: the custodian's name.")],
    title: Annotated[str, typer.Option(help="The custodian's title.")],
    as_of: AsOf,
    certify: Annotated[
        str | None,
        typer.Option(help=f"Also certify the data was {', '.join(CERTIFICATES)}."),
    ] = None,
    method: Annotated[
        str, typer.Option(help="How it was done (e.g. 'moved to sealed storage').")
    ] = "",
    store: Store = None,
    keys: Keys = None,
) -> None:
    """Record a custodian's acknowledgement of a notice (an attestation that the data it names
    is no longer used) and, with --certify, a certificate of what was done with the data.

    Example: `taxgate remedies ack N-0123456789abcdef --custodian "R. Diaz" --title "Records
    Officer" --as-of 2026-02-09 --certify quarantined`
    """
    day = parse_date(as_of)
    with Ledger.open(store, keys, create=False) as ledger:
        result = acknowledge(ledger, notice, custodian, title, day, certify, method=method)
    state = result.status
    late = " (after its deadline)" if state.late else ""
    asked = (
        "" if state.certificate_as_required else f" ({state.certificate}: not what it asked for)"
    )
    done = "recorded" if result.recorded else "already recorded"
    typer.echo(
        f"{done} at ledger entry {result.index}: notice {notice} is {state.status}{asked}{late} "
        f"as of {day.isoformat()}"
    )


@app.command("status")
def status_command(
    as_of: AsOf,
    store: Store = None,
    keys: Keys = None,
    as_json: Json = False,
) -> None:
    """Each notice's state on --as-of (pending, acknowledged, overdue, certified, released,
    superseded), computed from ledger entries alone, for any day past or present.

    Example: `taxgate remedies status --as-of 2026-02-11 --json`
    """
    day = parse_date(as_of)
    with Ledger.open(store, keys, create=False) as ledger:
        found = notice_status(ledger, day)
    if as_json:
        _print_json({"as_of": day.isoformat(), "notices": [n.to_full_json() for n in found]})
        return
    Console().print(_notices_table(f"notices as of {day.isoformat()}", found))


@app.command("audit")
def audit_command(
    disclosures: Annotated[Path, typer.Argument(help="CSV of disclosures (contracts.md §7).")],
    world: Annotated[Path, typer.Option(help="The world (taxpayer master file) folder.")],
    orders: Orders = None,
    auditor: Annotated[
        str, typer.Option(help="Who runs the audit: recorded with every lookup.")
    ] = "taxgate remedies audit",
    store: Store = None,
    keys: Keys = None,
    agencies: Agencies = None,
    as_json: Json = False,
) -> None:
    """Judge disclosures made by another system, each as of its own date, with taxgate's
    intake, identity and law: which were unlawful, by reason, and the §7431 floor ($1,000 per
    unlawful disclosure). Each taxpayer lookup is recorded in the ledger as an inspection.

    Example: `taxgate remedies audit disclosures.csv --world world/ --orders src/taxgate/law/orders`
    """
    with (
        Console(stderr=True).status(f"auditing {disclosures}") as status,
        Ledger.open(store, keys) as ledger,
    ):
        result = audit_disclosures(
            ledger,
            disclosures,
            world,
            orders,
            agencies=agencies,
            auditor=auditor,
            progress=lambda message: status.update(f"auditing {disclosures}: {message}"),
        )
    if as_json:
        _print_json(result.to_json())
        return
    console = Console()
    table = Table(title=f"audit of {result.disclosures:,} disclosures in {disclosures}")
    table.add_column("judged")
    table.add_column("disclosures", justify="right")
    for label, value in (
        ("lawful", result.lawful),
        ("unlawful", result.unlawful),
        ("unsettled (a person would have had to decide)", result.unsettled),
        ("no usable address", result.no_usable_address),
        ("about the wrong person", result.wrong_person),
        ("taxpayers looked up (recorded as inspections)", result.looked_up),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    reasons = Table(title="not lawful, by reason (a disclosure may have several)")
    reasons.add_column("reason")
    reasons.add_column("disclosures", justify="right")
    for code, count in result.by_reason.items():
        reasons.add_row(code, f"{count:,}")
    console.print(reasons)
    for recipient, finding in result.screens:
        console.print(
            f"not counted, evidence only: {recipient}'s disclosures share one {finding.field} "
            f"on {finding.items:,} of them ({finding.share:.0%}): {finding.value!r}",
            highlight=False,
        )
    console.print(f"§7431 floor: ${result.floor_usd:,} ($1,000 × {result.unlawful:,})")


@app.command("notice")
def notice_command(
    notice: Annotated[str, typer.Argument(help="The notice id (N-...).")],
    out: Annotated[Path, typer.Option(help="Folder for the notice files.")],
    recipient_key: Annotated[
        Path | None,
        typer.Option(help="The recipient agency's X25519 public key: also write a sealed copy."),
    ] = None,
    custodian: Annotated[
        list[str] | None, typer.Option(help="A custodian named in the sealed copy (repeat).")
    ] = None,
    store: Store = None,
    keys: Keys = None,
) -> None:
    """Write a recorded notice out: NOTICE.json (canonical), NOTICE.json.sig (the detached
    signature), ledger-signing.pub, and with --recipient-key NOTICE.sealed for the custodians.

    Example: `taxgate remedies notice N-0123456789abcdef --out notices/ --recipient-key ICE.pub
    --custodian "R. Diaz"`
    """
    with Ledger.open(store, keys, create=False) as ledger:
        files = write_notice(
            ledger, notice, out, recipient_key=recipient_key, custodians=tuple(custodian or ())
        )
    for path in (files.notice, files.signature, files.public_key, files.sealed):
        if path is not None:
            typer.echo(str(path))


@app.command("verify")
def verify_command(
    notice: Annotated[Path, typer.Argument(help="A NOTICE.json written by `remedies notice`.")],
    key: Annotated[
        Path | None,
        typer.Option(help="The discloser's published key (default: ledger-signing.pub beside it)."),
    ] = None,
) -> None:
    """Check a notice file against its detached signature with the published key alone;
    exit 1 if it does not verify.

    Example: `taxgate remedies verify notices/N-0123456789abcdef.json`
    """
    doc = verify_notice(notice, key)
    typer.echo(
        f"{notice}: signature verifies; notice {doc.get('notice_id')} to {doc.get('recipient')} "
        f"under order {doc.get('order', {}).get('id')}"
    )
