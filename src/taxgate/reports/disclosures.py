"""The disclosure report (contracts.md §8; 26 U.S.C. §6103(p)(5)-style): what left the agency,
to whom, under which basis, month by month, and why the rest did not.

Counted from one signed tree head: every batch recorded under it whose decision date falls in
the period, and every officer's verdict dated in it. An item decided again on a later date
(a new batch of the same request) is counted in each batch, because each batch published its
own response. The month is the decision's date (the date the law was applied and the
response released), not the moment it was written to the ledger.

One long table, ``section, recipient, basis, month, category, count``:
- ``requests``: requests decided (category ``requests``), by recipient, basis and month;
- ``items``: items decided, by recipient, basis, month and outcome (``release`` = disclosed);
- ``refusals``: items not released, by recipient and reason (an item may have several);
- ``review``: officers' verdicts, by recipient, month and verdict (``release``, ``withhold``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from taxgate.errors import OptionError
from taxgate.ledger import Ledger, TreeHead
from taxgate.reports.html import bar_chart, html_table, page, tree_head_note
from taxgate.reports.source import report_connection, scan_items, snapshot
from taxgate.reports.write import csv_bytes, publish

COLUMNS = ("section", "recipient", "basis", "month", "category", "count")
SECTIONS = ("requests", "items", "refusals", "review")

# Per chunk: decisions and verdicts of batches in the period, counted by what the tables need.
_ACCUMULATE = """
INSERT INTO acc
SELECT i.kind, b.recipient, b.basis, strftime(i.as_of, '%Y-%m') AS month, i.outcome,
       i.reasons, count(*) AS n
FROM items i JOIN batches b USING (batch)
WHERE i.as_of BETWEEN $start AND $end
GROUP BY ALL
"""
_TABLES = """
SELECT 'requests' AS section, recipient, basis, strftime(batch_as_of, '%Y-%m') AS month,
       'requests' AS category, count(DISTINCT request) AS count
FROM batches WHERE batch_as_of BETWEEN $start AND $end GROUP BY ALL
UNION ALL
SELECT 'items', recipient, basis, month, outcome, sum(n)
FROM acc WHERE kind = 'decision' GROUP BY ALL
UNION ALL
SELECT 'refusals', recipient, '', '', reason, sum(n)
FROM (SELECT recipient, unnest(reasons) AS reason, n FROM acc
      WHERE kind = 'decision' AND outcome <> 'release')
GROUP BY ALL
UNION ALL
SELECT 'review', recipient, '', month, outcome, sum(n)
FROM acc WHERE kind = 'verdict' GROUP BY ALL
ORDER BY section, recipient, basis, month, category
"""


@dataclass(frozen=True)
class DisclosureReport:
    start: date
    end: date
    head: TreeHead  # the signed tree head every figure was computed from
    table: pa.Table  # COLUMNS

    def total(self, section: str, category: str | None = None) -> int:
        rows = [
            row
            for row in self.table.to_pylist()
            if row["section"] == section and (category is None or row["category"] == category)
        ]
        return sum(int(row["count"]) for row in rows)


def check_period(start: date, end: date) -> None:
    if end < start:
        raise OptionError(f"--to {end} is before --from {start}: give the period's first day first")


def disclosure_report(ledger: Ledger, start: date, end: date) -> DisclosureReport:
    """The report for decisions dated ``start`` .. ``end`` (both included)."""
    check_period(start, end)
    view = snapshot(ledger)
    con = report_connection(view.records)
    try:
        con.execute(
            "CREATE TABLE acc (kind VARCHAR, recipient VARCHAR, basis VARCHAR, month VARCHAR, "
            "outcome VARCHAR, reasons VARCHAR[], n BIGINT)"
        )
        params = {"start": start, "end": end}
        scan_items(ledger, view.head, con, _ACCUMULATE, params)
        table = con.sql(_TABLES, params=params).to_arrow_table()
    finally:
        con.close()
    return DisclosureReport(start, end, view.head, table.cast(_schema()))


def _schema() -> pa.Schema:
    return pa.schema([pa.field(name, pa.string()) for name in COLUMNS[:-1]]).append(
        pa.field("count", pa.int64())
    )


# -- files ---------------------------------------------------------------------------------


def _rows(report: DisclosureReport, section: str) -> list[dict[str, object]]:
    return [row for row in report.table.to_pylist() if row["section"] == section]


def _sum_by(rows: list[dict[str, object]], key: str) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    for row in rows:
        name = str(row[key]) or "(none)"
        totals[name] = totals.get(name, 0) + int(str(row["count"]))
    return sorted(totals.items())


def disclosure_page(report: DisclosureReport) -> str:
    """disclosures.html: totals, charts by month, recipient and reason, and the tables."""
    items, refusals = _rows(report, "items"), _rows(report, "refusals")
    released = [row for row in items if row["category"] == "release"]
    verdicts = _rows(report, "review")
    totals = [
        ("requests decided", report.total("requests")),
        ("items decided", report.total("items")),
        ("items disclosed", report.total("items", "release")),
        ("items withheld", report.total("items", "withhold")),
        ("items sent to review", report.total("items", "review")),
        ("released by an officer on review", report.total("review", "release")),
        ("withheld by an officer on review", report.total("review", "withhold")),
    ]
    parts = [
        f'<p class="note">Decisions dated {report.start} to {report.end}, counted from the '
        "ledger (26 U.S.C. §6103(p)(5)-style). An item decided again on a later date counts "
        "in each batch, because each batch published its own response. Synthetic data.</p>",
        tree_head_note(report.head),
        "<h2>Totals</h2>",
        html_table(("measure", "count"), totals),
        "<h2>Disclosures</h2>",
        bar_chart("items disclosed, by month", _sum_by(released, "month")),
        bar_chart("items disclosed, by recipient", _sum_by(released, "recipient")),
        bar_chart("items disclosed, by basis", _sum_by(released, "basis")),
        "<h2>Refusals by reason</h2>",
        bar_chart("items not released, by reason", _sum_by(refusals, "category"), ("#b00020",)),
        "<h2>Review</h2>",
        bar_chart("officers' verdicts", _sum_by(verdicts, "category")),
        "<h2>All figures</h2>",
        html_table(COLUMNS, [tuple(row[c] for c in COLUMNS) for row in report.table.to_pylist()]),
    ]
    return page("taxgate: disclosure report", parts)


def write_disclosure_report(report: DisclosureReport, out: Path) -> list[Path]:
    return publish(
        out,
        {
            "disclosures.csv": csv_bytes(report.table),
            "disclosures.html": disclosure_page(report).encode(),
        },
    )
