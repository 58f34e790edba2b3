"""The demo's reports act: the three reports of contracts.md §8 over the scenario's ledger,
linked from ``report.html``."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from rich.console import Console

from taxgate.intake.agencies import AgencyRegistry
from taxgate.ledger import Ledger
from taxgate.reports import make_compliance_report, make_disclosure_report, make_public_report
from taxgate.reports.public import PublicReport, exact_counts, key_space
from taxgate.reports.source import snapshot

PERIOD = "2025"
EPSILON = 0.5  # half the year's budget: a second release stays possible
ORDER = "ctr-stay-2025-11-21"  # the D.D.C. stay the demo's second date falls under
FIRST, LAST = date(2025, 1, 1), date(2026, 12, 31)


def accuracy(ledger: Ledger, report: PublicReport) -> float:
    """Mean absolute error per noised cell of the published report against the exact counts.

    An evaluation for the people building taxgate, on synthetic data: it reads the exact
    counts, so it is printed by the demo and never written into the public files."""
    cells = key_space(tuple(sorted(AgencyRegistry.load().agencies)), report.period)
    exact = exact_counts(ledger, snapshot(ledger), cells, report.period, report.budget.cap)
    rows = report.table.to_pylist()
    published = [int(row["count"]) for row in rows if row["section"] != "requests"]
    return sum(abs(p - e) for p, e in zip(published, exact, strict=True)) / len(exact)


def reports_act(out: Path, console: Console) -> list[str]:
    """Write the reports under ``out/reports``; return links (HTML) for ``report.html``."""
    folder = out / "reports"
    store, keys = f"sqlite:///{out / 'store.db'}", out / "keys"
    with (
        console.status("reports: disclosures, public (differential privacy), order"),
        Ledger.open(store, keys, create=False) as ledger,
    ):
        disclosures, _ = make_disclosure_report(ledger, FIRST, LAST, folder / "disclosures")
        public = make_public_report(ledger, PERIOD, EPSILON, folder / "public")
        error = accuracy(ledger, public)
        order = make_compliance_report(ledger, ORDER, folder / "order")
    budget = public.budget
    console.print(
        f"reports: {disclosures.total('items', 'release'):,} disclosures; public {PERIOD} at "
        f"epsilon {budget.epsilon:g}: mean absolute error {error:.1f} per cell (expected "
        f"{budget.expected_error:.1f}); {ORDER}: {order.count('breach')} breach(es), "
        f"{len(order.cited):,} proofs; in {folder}",
        highlight=False,
    )
    links = [
        ("disclosures/disclosures.html", "Disclosure report (§6103(p)(5)-style)"),
        ("public/public.html", f"Public transparency report {PERIOD} (differential privacy)"),
        ("order/compliance.html", f"Compliance with {ORDER}, with proofs"),
    ]
    items = "".join(
        f'<li><a href="reports/{escape(href)}">{escape(text)}</a></li>' for href, text in links
    )
    return ["<h2>Reports from the ledger</h2>", f"<ul>{items}</ul>"]
