"""``taxgate orders ...``: list, check and replay court orders.

Until the ledger exists, ``what-if --batch`` reads a CSV of item facts with columns
``item_id``, ``reasons`` (the intake/identity reason codes, ``;``-separated, may be empty) and
``protected`` (``true``/``false``, may be empty = false); the request-level facts come from
options. Agencies are the contracts.md defaults (all compliant) until the registry is wired.
"""

from __future__ import annotations

import csv
import dataclasses
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from taxgate.errors import ConfigError, InputError
from taxgate.law.engine import LawDecisions, LawEngine
from taxgate.law.facts import AgencyFacts, RequestFacts, item_table
from taxgate.law.orders import BUILTIN_ORDERS, Order, check_orders, load_orders
from taxgate.law.timeline import in_effect, timeline

app = typer.Typer(no_args_is_help=True, help="Court orders: list, check, timeline, what-if.")

OrdersOption = Annotated[
    Path | None,
    typer.Option("--orders", help="Directory of order *.toml (default: the built-in timeline)."),
]


def _as_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(option, f"{text!r} is not a date", hint="write YYYY-MM-DD") from None


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
def list_orders(orders: OrdersOption = None) -> None:
    """List the orders with their dates and scope.

    Example: `taxgate orders list --orders my-orders/`
    """
    for order in sorted(load_orders(orders), key=lambda o: (o.effective, o.id)):
        until = f"..{order.expires}" if order.expires else ".."
        typer.echo(f"{order.id:28} {order.kind:22} {order.effective}{until:13} {_scope(order)}")


@app.command("check")
def check(directory: Annotated[Path, typer.Argument(help="Directory of order *.toml.")]) -> None:
    """Report malformed or contradictory orders (file and field); exit 1 if any.

    Example: `taxgate orders check src/taxgate/law/orders`
    """
    orders, problems = check_orders(directory, AgencyFacts())
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {directory}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(orders)} orders, no problems")


@app.command("timeline")
def show_timeline(orders: OrdersOption = None) -> None:
    """Print which orders were in force on each date where anything changed.

    Example: `taxgate orders timeline`
    """
    for entry in timeline(load_orders(orders)):
        changes = [f"+{i}" for i in entry.started] + [f"-{i}" for i in entry.ended]
        changes += [f"recorded {i} (denial: bars nothing)" for i in entry.recorded]
        in_force = ", ".join(entry.in_force) or "(none)"
        typer.echo(f"{entry.day}  {' '.join(changes):60}  in force: {in_force}")


def read_batch(path: Path) -> list[tuple[str, list[str], bool]]:
    """The what-if batch CSV: ``item_id``, ``reasons`` (``;``-separated), ``protected``."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
            header = rows[0].keys() if rows else []
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot be read: {exc}") from exc
    if "item_id" not in header:
        raise InputError(
            path, "lacks the item_id column", hint="columns: item_id,reasons,protected"
        )
    batch = []
    for number, row in enumerate(rows, start=1):
        flag = (row.get("protected") or "").strip().lower()
        if flag not in ("", "true", "false", "1", "0"):
            raise InputError(path, f"{flag!r} is not true/false", row=number, field="protected")
        codes = [c.strip() for c in (row.get("reasons") or "").split(";") if c.strip()]
        batch.append((row["item_id"], codes, flag in ("true", "1")))
    return batch


def _changed_orders(
    orders: list[Order], stay: str | None, vacate: str | None, as_of: date
) -> list[Order]:
    known = {order.id for order in orders}
    for target, kind in ((stay, "stay-of-order"), (vacate, "vacatur")):
        if target is None:
            continue
        if target not in known:
            raise InputError(f"--{kind.split('-')[0]}", f"no order has id {target!r}")
        base = next(o for o in orders if o.id == target)
        orders = [
            *orders,
            dataclasses.replace(
                base,
                id=f"what-if-{kind}-{target}",
                kind=kind,
                target=target,
                issued=as_of,
                effective=as_of,
                expires=None,
                exceptions=(),
            ),
        ]
    return orders


def _show(decisions: LawDecisions, label: str) -> None:
    typer.echo(f"{label}: orders in force {list(decisions.orders_in_force)}")
    typer.echo(f"  policy set sha256 {decisions.policy_sha256}")


@app.command("what-if")
def what_if(
    as_of: Annotated[str, typer.Option("--as-of", help="Decision date, YYYY-MM-DD.")],
    batch: Annotated[Path, typer.Option(help="CSV: item_id,reasons,protected.")],
    stay: Annotated[str | None, typer.Option(help="Suppose this order is stayed.")] = None,
    vacate: Annotated[str | None, typer.Option(help="Suppose this order is vacated.")] = None,
    add: Annotated[Path | None, typer.Option(help="Suppose this order file is added.")] = None,
    orders: OrdersOption = None,
    requester: Annotated[str, typer.Option(help="Requesting agency.")] = "ICE",
    purpose: Annotated[str, typer.Option(help="criminal | civil | tax | other.")] = "criminal",
    basis: Annotated[str, typer.Option(help="The exception invoked.")] = "6103(i)(2)",
    data: Annotated[list[str] | None, typer.Option(help="Category asked for (repeat).")] = None,
    ex_parte_order: Annotated[str, typer.Option(help="(i)(1) court order citation.")] = "",
) -> None:
    """Re-decide a batch under changed orders and print the items whose decision changes.

    Example: `taxgate orders what-if --stay ctr-stay-2025-11-21 --as-of 2025-11-22
    --batch items.csv`
    """
    if stay is None and vacate is None and add is None:
        raise InputError("what-if", "nothing to suppose", hint="give --stay, --vacate or --add")
    day = _as_date(as_of, "--as-of")
    directory = orders or BUILTIN_ORDERS
    current = load_orders(directory)
    if add is not None:
        merged, problems = check_orders(directory, AgencyFacts(), extra=(add,))
        if problems:
            raise ConfigError(str(problems[0]))
        changed = merged
    else:
        changed = list(current)
    changed = _changed_orders(changed, stay, vacate, day)
    in_effect(changed, day)  # a supposed stay must not create a cycle
    request = RequestFacts(requester, purpose, basis, tuple(data or ["address"]), ex_parte_order)
    items = item_table(read_batch(batch))
    before = LawEngine(current).decide(request, items, day)
    after = LawEngine(changed).decide(request, items, day)
    _show(before, "as recorded")
    _show(after, "what if")
    changes = 0
    for old, new in zip(before.items.to_pylist(), after.items.to_pylist(), strict=True):
        if (old["outcome"], old["reasons"]) != (new["outcome"], new["reasons"]):
            changes += 1
            typer.echo(
                f"  {old['item_id']}: {old['outcome']} {old['reasons']} → "
                f"{new['outcome']} {new['reasons']}"
            )
    typer.echo(f"{changes} of {items.num_rows} items would be decided differently")
