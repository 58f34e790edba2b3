"""``taxgate report ...``: the reports of contracts.md §8, each computed from one signed tree
head of the ledger and naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from taxgate.cli.options import Agencies, Keys, Orders, Store, parse_date
from taxgate.ledger import Ledger
from taxgate.reports import make_compliance_report, make_disclosure_report, make_public_report

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="markdown",
    help=(
        "Reports from the ledger: disclosures (§6103(p)(5)-style), the public transparency "
        "report (differential privacy), and compliance with one court order, with proofs.\n\n"
        "Example: `taxgate report disclosures --from 2025-01-01 --to 2025-12-31 --out reports/`"
    ),
)
Out = Annotated[Path, typer.Option("--out", help="Folder to write the report into.")]


@app.command("disclosures")
def disclosures(
    start: Annotated[str, typer.Option("--from", help="First decision date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last decision date, YYYY-MM-DD.")],
    out: Out,
    store: Store = None,
    keys: Keys = None,
) -> None:
    """Requests, items and disclosures by recipient, basis and month; refusals by reason;
    review verdicts. Writes disclosures.csv and disclosures.html.

    Example: `taxgate report disclosures --from 2025-08-01 --to 2026-03-31 --out reports/`
    """
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    with Ledger.open(store, keys, create=False) as ledger:
        report, written = make_disclosure_report(ledger, first, last, out)
    typer.echo(
        f"{report.total('items'):,} items decided, {report.total('items', 'release'):,} "
        f"disclosed, from the signed tree head of size {report.head.size:,}; wrote "
        + ", ".join(str(path) for path in written)
    )


@app.command("public")
def public(
    period: Annotated[str, typer.Option("--period", help="The calendar year, YYYY.")],
    epsilon: Annotated[
        float, typer.Option("--epsilon", help="Privacy budget this release spends (> 0).")
    ],
    out: Out,
    agencies: Agencies = None,
    store: Store = None,
    keys: Keys = None,
) -> None:
    """The public transparency report under differential privacy (one taxpayer per unit;
    OpenDP). The budget spent is recorded in the ledger first; a release past the period's
    budget is refused. Writes public.csv, public.html and budget.json.

    Example: `taxgate report public --period 2025 --epsilon 0.5 --out public/`
    """
    with Ledger.open(store, keys, create=False) as ledger:
        report = make_public_report(ledger, period, epsilon, out, agencies=agencies)
    budget = report.budget
    typer.echo(
        f"{report.period}: epsilon {budget.epsilon:g} (rho {budget.rho:.6g}, delta "
        f"{budget.delta:g}), cap {budget.cap}, noise scale {budget.scale:.2f}, expected error "
        f"{budget.expected_error:.1f} per cell; recorded as ledger entry {report.entry}; wrote "
        f"{out / 'public.csv'}, {out / 'public.html'}, {out / 'budget.json'}"
    )


@app.command("order")
def order(
    order_id: Annotated[str, typer.Argument(help="The order's id, as in its TOML file.")],
    out: Out,
    orders: Orders = None,
    agencies: Agencies = None,
    store: Store = None,
    keys: Keys = None,
) -> None:
    """Compliance with one court order: every disclosure within its reach since it took
    effect, its notices, and a proof bundle `taxgate ledger check-proof` verifies with the
    published key alone. Writes compliance.csv, compliance.html and proof-bundle/.

    Example: `taxgate report order ctr-stay-2025-11-21 --out compliance/`
    """
    with Ledger.open(store, keys, create=False) as ledger:
        report = make_compliance_report(ledger, order_id, out, orders=orders, agencies=agencies)
    typer.echo(
        f"{report.order.id}: {report.count('breach'):,} item(s) released in breach, "
        f"{report.count('excepted'):,} excepted, {report.count('not in force'):,} while not in "
        f"force; {len(report.cited):,} proofs in {out / 'proof-bundle'}"
    )
