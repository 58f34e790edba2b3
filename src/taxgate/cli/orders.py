"""``taxgate orders ...``: list, check and replay court orders.

``what-if --batch B`` replays a batch recorded in the ledger (``taxgate.law.whatif``), or,
when B is a file, a CSV of item facts (``item_id``, ``reasons``, ``protected``) whose
request-level facts come from options and whose agencies are the contracts.md defaults.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from taxgate.cli.options import Agencies, Keys, Orders, Store, parse_date
from taxgate.errors import InputError
from taxgate.law.engine import LawDecisions
from taxgate.law.facts import AgencyFacts, RequestFacts
from taxgate.law.orders import Order, check_orders, load_orders
from taxgate.law.timeline import in_force, timeline
from taxgate.law.whatif import Supposition, WhatIf, WhatIfAnswer, what_if_facts, what_if_recorded
from taxgate.ledger import Ledger

app = typer.Typer(no_args_is_help=True, help="Court orders: list, check, timeline, what-if.")


def _scope(order: Order) -> str:
    if not order.bars:
        return f"→ {order.target}" if order.suspends else "bars nothing"
    parts = [
        f"{','.join(order.disclosers)}→{','.join(order.recipients)}",
        f"data={','.join(order.data)}",
        f"purposes={','.join(order.purposes)}",
    ]
    if order.exceptions:
        parts.append(f"except={','.join(order.exceptions)}")
    return " ".join(parts)


@app.command("list")
def list_orders(orders: Orders = None, agencies: Agencies = None) -> None:
    """List the orders with their dates and scope.

    Example: `taxgate orders list --orders my-orders/`
    """
    loaded = load_orders(orders, AgencyFacts.load(agencies))
    for order in sorted(loaded, key=lambda o: (o.effective, o.id)):
        until = f"..{order.expires}" if order.expires else ".."
        typer.echo(f"{order.id:28} {order.kind:22} {order.effective}{until:13} {_scope(order)}")


@app.command("check")
def check(
    directory: Annotated[Path, typer.Argument(help="Directory of order *.toml.")],
    agencies: Agencies = None,
) -> None:
    """Report malformed or contradictory orders (file and field); exit 1 if any.

    Example: `taxgate orders check src/taxgate/law/orders --agencies agencies.toml`
    """
    orders, problems = check_orders(directory, AgencyFacts.load(agencies))
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {directory}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(orders)} orders, no problems")


@app.command("timeline")
def show_timeline(orders: Orders = None, agencies: Agencies = None) -> None:
    """Print which orders were in force on each date where anything changed.

    Example: `taxgate orders timeline`
    """
    for entry in timeline(load_orders(orders, AgencyFacts.load(agencies))):
        changes = [f"+{i}" for i in entry.started] + [f"-{i}" for i in entry.ended]
        changes += [f"recorded {i} (denial: bars nothing)" for i in entry.recorded]
        in_force = ", ".join(entry.in_force) or "(none)"
        typer.echo(f"{entry.day}  {' '.join(changes):60}  in force: {in_force}")


BATCH_ID = re.compile(r"@\d{4}-\d{2}-\d{2}$")  # f"{manifest.id}@{as_of}"


def _in_force(orders: Sequence[Order], day: date) -> str:
    """What applies on ``day``, stays and vacaturs included: a stay in force matters too."""
    named = [
        f"{o.id} ({'stays' if o.kind == 'stay-of-order' else 'vacates'} {o.target})"
        if o.suspends
        else o.id
        for o in in_force(orders, day)
    ]
    return ", ".join(named) or "none"


def _show(decisions: LawDecisions, orders: Sequence[Order], label: str) -> None:
    typer.echo(f"{label}: orders in force: {_in_force(orders, decisions.as_of)}")
    typer.echo(f"  policy set sha256 {decisions.policy_sha256}")


def _report(result: WhatIf, size: int) -> None:
    for change in result.changes:
        (was, was_why), (now, now_why) = change.before, change.after
        typer.echo(f"  {change.item_id}: {was} {list(was_why)} → {now} {list(now_why)}")
    typer.echo(result.counts())
    typer.echo(f"{len(result.changes)} of {size} items would be decided differently")


def _print(answer: WhatIfAnswer, supposition: Supposition) -> None:
    result, recorded = answer.result, answer.recorded
    if recorded is None:
        _show(result.before, answer.current, "as recorded")
        _show(result.after, answer.supposed, "what if")
        _report(result, answer.items)
        return
    request = recorded.request
    typer.echo(
        f"batch {recorded.batch}: {recorded.items.num_rows} items decided as of "
        f"{recorded.as_of} under policy set sha256 {recorded.policy_hash}"
    )
    typer.echo(
        f"request: {request.requester}, purpose {request.purpose}, basis {request.basis}, "
        f"data {list(request.data)} (from {recorded.request_source})"
    )
    for note in recorded.notes:
        typer.echo(f"note: {note}")
    source = answer.orders or "the built-in timeline"
    day = answer.as_of
    _show(result.before, answer.current, f"orders as they are ({source}), as of {day}")
    if day == recorded.as_of and result.before.policy_sha256 != recorded.policy_hash:
        typer.echo("  note: differs from the recorded policy set: the orders or policies changed")
    _show(result.after, answer.supposed, f"what if ({supposition.describe()}), as of {day}")
    _report(result, answer.items)


@app.command("what-if")
def what_if_command(
    batch: Annotated[
        str,
        typer.Option(
            metavar="B",
            help="A batch id recorded in the ledger (MANIFEST_ID@AS_OF), or a CSV file of item "
            "facts: item_id,reasons,protected.",
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="Decision date, YYYY-MM-DD (ledger: default the batch's).",
        ),
    ] = None,
    stay: Annotated[
        list[str] | None,
        typer.Option(metavar="ID", help="Suppose this order is stayed (repeatable)."),
    ] = None,
    vacate: Annotated[
        list[str] | None,
        typer.Option(metavar="ID", help="Suppose this order is vacated (repeatable)."),
    ] = None,
    add: Annotated[
        list[Path] | None,
        typer.Option(metavar="FILE", help="Suppose this order file is added (repeatable)."),
    ] = None,
    orders: Annotated[
        Path | None,
        typer.Option(
            "--orders",
            help="Directory of order *.toml (default: ledger mode, the batch's own; CSV mode, "
            "the built-in timeline).",
        ),
    ] = None,
    store: Store = None,
    keys: Keys = None,
    agencies: Agencies = None,
    requester: Annotated[str, typer.Option(help="CSV mode: requesting agency.")] = "ICE",
    purpose: Annotated[
        str, typer.Option(help="CSV mode: criminal | civil | tax | other.")
    ] = "criminal",
    basis: Annotated[str, typer.Option(help="CSV mode: the exception invoked.")] = "6103(i)(2)",
    data: Annotated[
        list[str] | None, typer.Option(help="CSV mode: category asked for (repeat).")
    ] = None,
    ex_parte_order: Annotated[
        str, typer.Option(help="CSV mode: (i)(1) court order citation.")
    ] = "",
) -> None:
    """Re-decide a batch under changed orders and print the items whose decision changes.

    Writes nothing to the ledger: a what-if is a question, not a decision.

    Ledger mode, when --batch is not a file: the batch is read from the ledger, each item's
    intake and identity findings are rebuilt from its recorded reasons, the request from the
    manifest the batch recorded, and the batch is decided under its own orders and under the
    supposed ones, as of --as-of (default: the batch's date).

    Example: `taxgate orders what-if --vacate ctr-stay-2025-11-21 --vacate cedc-pi-2026-02-05
    --batch ICE-2025-0806@2026-02-06 --store sqlite:///.taxgate/taxgate.db`

    CSV mode, when --batch is a file with columns item_id, reasons (;-separated codes) and
    protected; the request comes from --requester, --purpose, --basis, --data.

    Example: `taxgate orders what-if --stay ctr-stay-2025-11-21 --as-of 2025-11-22
    --batch items.csv`
    """
    supposition = Supposition(tuple(stay or ()), tuple(vacate or ()), tuple(add or ()))
    day = parse_date(as_of) if as_of is not None else None
    if Path(batch).is_file():
        request = RequestFacts(
            requester, purpose, basis, tuple(data or ["address"]), ex_parte_order
        )
        answer = what_if_facts(
            Path(batch), request, supposition, as_of=day, orders=orders, agencies=agencies
        )
    elif not BATCH_ID.search(batch):
        raise InputError(batch, "no such file", hint="a ledger batch id is MANIFEST_ID@AS_OF")
    else:
        with Ledger.open(store, keys, create=False) as ledger:
            answer = what_if_recorded(
                ledger, batch, supposition, as_of=day, orders=orders, agencies=agencies
            )
    _print(answer, supposition)
