"""Reports: what the ledger says, for each audience.

- ``summary``: one decided batch's ``summary.json``;
- ``scenario`` and ``html``: the reference scenario's comparison table and ``report.html``;
- contracts.md §8, each computed from one signed tree head and naming it (``source``):
  ``disclosures`` (§6103(p)(5)-style), ``public`` (differential privacy with OpenDP, budget in
  ``budget``), and ``compliance`` with one court order (files and proof bundle in
  ``compliance_files``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from taxgate.ledger import Ledger
from taxgate.reports.compliance import ComplianceReport, compliance_report
from taxgate.reports.compliance_files import write_compliance_report
from taxgate.reports.disclosures import (
    DisclosureReport,
    check_period,
    disclosure_report,
    write_disclosure_report,
)
from taxgate.reports.public import PublicReport, public_report
from taxgate.reports.write import check_out


def make_disclosure_report(
    ledger: Ledger, start: date, end: date, out: Path
) -> tuple[DisclosureReport, list[Path]]:
    """``taxgate report disclosures``: compute, then write disclosures.csv and .html."""
    check_period(start, end)
    check_out(out)
    report = disclosure_report(ledger, start, end)
    return report, write_disclosure_report(report, out)


def make_public_report(
    ledger: Ledger,
    period: str,
    epsilon: float,
    out: Path,
    *,
    agencies: Path | None = None,
    actor: str = "taxgate report public",
) -> PublicReport:
    """``taxgate report public``: the spend is in the ledger, under ``actor``'s name, before
    any file is written."""
    return public_report(ledger, period, epsilon, out, agencies=agencies, actor=actor)


def make_compliance_report(
    ledger: Ledger,
    order_id: str,
    out: Path,
    *,
    orders: Path | None = None,
    agencies: Path | None = None,
    as_of: date | None = None,
) -> ComplianceReport:
    """``taxgate report order``: compute, then write the CSV, the page and the proof bundle;
    notices are shown in their state on ``as_of`` (default: today)."""
    check_out(out)
    report = compliance_report(ledger, order_id, orders=orders, agencies=agencies, as_of=as_of)
    write_compliance_report(report, ledger, out)
    return report


__all__ = [
    "ComplianceReport",
    "DisclosureReport",
    "PublicReport",
    "make_compliance_report",
    "make_disclosure_report",
    "make_public_report",
]
