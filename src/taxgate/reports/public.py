"""The public transparency report (contracts.md §8): the disclosure tables under differential
privacy, the privacy unit being one taxpayer.

- **Library.** Noise comes from OpenDP (``opendp``), whose Gaussian mechanism and zCDP
  accounting are in its ``contrib`` feature set, enabled here with
  ``dp.enable_features("contrib")``. The mechanism is the discrete Gaussian over integer
  counts, so published counts are whole numbers and the noise is exact, not floating point.
- **Privacy unit.** A taxpayer: the keyed ``subject`` of an entry. An item that matched no
  taxpayer has no subject; it counts as its own unit, keyed by its request and item id (the
  same request item decided again on a later date is the same unit). That is conservative:
  such an item names a person the master file did not find, and the report must not reveal
  that either (§6103(b)(8): confirming whether someone files is itself a disclosure).
- **Public key space.** Every cell comes from public lists, never from the data: the agency
  registry, the twelve months of the period, the three outcomes, the reason codes of
  contracts.md §4 (court-order codes grouped as ``order.*``), the two §6103(i) bases (and
  ``other``), and the officers' two verdicts. A cell with no data is published too (noised).
  There is no table by U.S. state: the ledger records no address, by design.
- **Contribution cap.** Each decision or verdict adds one row per cell it counts in (one for
  its outcome, one per refusal reason, one for its basis when released). DuckDB keeps at most
  ``cap`` rows per unit (the earliest in the log) before counting, so one taxpayer changes the
  vector of all cells by at most ``cap`` in L2 norm: the sensitivity handed to OpenDP.
- **Budget.** Stated as epsilon at the settings' delta, converted to zCDP rho by OpenDP's own
  conversion. Releases of one period compose by adding their rho; each is recorded in the
  ledger (entry kind ``budget``) before any file is written, and a release that would take the
  period past its budget (``public_epsilon_per_period``) is refused.
- **Not noised.** The number of requests per recipient and month: a request is the
  requesting agency's act, recorded in the batch's release entry whoever it names, so it does
  not change when a taxpayer's entries are removed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from taxgate import reasons
from taxgate.errors import ConflictError, OptionError
from taxgate.files import SHARED
from taxgate.intake.agencies import I1, I2, AgencyRegistry
from taxgate.ledger import Entry, Ledger, TreeHead
from taxgate.model import OUTCOMES, RELEASE, WITHHOLD
from taxgate.reports.budget import BUDGET_KIND, Budget, budget_batch, gaussian, plan_budget
from taxgate.reports.html import bar_chart, html_table, page, tree_head_note
from taxgate.reports.source import Snapshot, report_connection, scan_items, snapshot
from taxgate.reports.write import check_out, csv_bytes, publish
from taxgate.settings import load_settings

ORDER_CODES = reasons.ORDER_PREFIX + "*"
BASES = (I1, I2, "other")
VERDICTS = (RELEASE, WITHHOLD)
COLUMNS = ("section", "recipient", "basis", "month", "category", "count")

# One row per (unit, cell) a decision or verdict counts in, for one chunk of entries: the cell
# as its number in the key space (rows outside it are dropped here), the unit as a 64-bit
# hash. A collision would merge two units under one cap: it can only lower what they add.
_ROWS = """
INSERT INTO contributions
WITH e AS (
  SELECT i.*, b.recipient, b.request,
         CASE WHEN b.basis IN ($i1, $i2) THEN b.basis ELSE 'other' END AS basis,
         CASE WHEN i.subject IS NULL THEN hash(b.request, i.item) ELSE hash(i.subject) END AS unit
  FROM items i JOIN batches b USING (batch)
  WHERE i.as_of BETWEEN $start AND $end
), rows AS (
  SELECT unit, idx, 'items' AS section, recipient, '' AS basis,
         strftime(as_of, '%Y-%m') AS month, outcome AS category
  FROM e WHERE kind = 'decision'
  UNION ALL
  SELECT unit, idx, 'refusals', recipient, '', '',
         CASE WHEN reason LIKE 'order.%' THEN $orders ELSE reason END
  FROM (SELECT unit, idx, recipient, unnest(reasons) AS reason FROM e
        WHERE kind = 'decision' AND outcome <> 'release')
  UNION ALL
  SELECT unit, idx, 'basis', recipient, basis, '', 'release' FROM e WHERE outcome = 'release'
  UNION ALL
  SELECT unit, idx, 'review', recipient, '', '', outcome FROM e WHERE kind = 'verdict'
)
SELECT r.unit, r.idx, c.cell
FROM rows r JOIN cells c USING (section, recipient, basis, month, category)
"""
# Each unit's earliest ``cap`` rows, counted per cell: every row counted, less the rows past
# the cap of the few units that have more (only those are ranked).
_CAPPED = """
WITH over AS (SELECT unit FROM contributions GROUP BY unit HAVING count(*) > $cap),
excess AS (
  SELECT cell, count(*) AS n FROM (
    SELECT cell, row_number() OVER (PARTITION BY unit ORDER BY idx, cell) AS rank
    FROM contributions WHERE unit IN (SELECT unit FROM over)
  ) WHERE rank > $cap GROUP BY cell
),
total AS (SELECT cell, count(*) AS n FROM contributions GROUP BY cell)
SELECT c.cell, coalesce(t.n, 0) - coalesce(x.n, 0) AS n
FROM cells c LEFT JOIN total t USING (cell) LEFT JOIN excess x USING (cell)
ORDER BY c.cell
"""
_REQUESTS = """
SELECT recipient, strftime(batch_as_of, '%Y-%m') AS month, count(DISTINCT request) AS n
FROM batches WHERE batch_as_of BETWEEN $start AND $end GROUP BY ALL ORDER BY ALL
"""


def key_space(agencies: tuple[str, ...], period: int) -> pa.Table:
    """Every published cell, from public lists only, numbered in a fixed order."""
    months = [f"{period}-{month:02d}" for month in range(1, 13)]
    codes = [*reasons.ALL, ORDER_CODES]
    cells: list[tuple[str, str, str, str, str]] = []
    for agency in agencies:
        cells += [("items", agency, "", m, outcome) for m in months for outcome in OUTCOMES]
        cells += [("refusals", agency, "", "", code) for code in codes]
        cells += [("basis", agency, basis, "", RELEASE) for basis in BASES]
        cells += [("review", agency, "", "", verdict) for verdict in VERDICTS]
    names = ("section", "recipient", "basis", "month", "category")
    columns = {name: [cell[i] for cell in cells] for i, name in enumerate(names)}
    return pa.table({"cell": list(range(len(cells))), **columns})


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicReport:
    period: int
    head: TreeHead
    budget: Budget
    table: pa.Table  # COLUMNS: noised counts as drawn (may be below 0), requests exact
    entry: int  # the ledger entry recording the spend


def parse_period(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise OptionError(f"--period {text!r}: give a calendar year, e.g. 2025")
    return int(text)


def check_epsilon(epsilon: float) -> None:
    if not math.isfinite(epsilon) or epsilon <= 0:
        raise OptionError(f"--epsilon {epsilon}: give a privacy budget above 0, e.g. 0.5")


def exact_counts(
    ledger: Ledger, view: Snapshot, cells: pa.Table, period: int, cap: int
) -> list[int]:
    """Each cell's count of capped contributions, in cell order (never published)."""
    con = report_connection(view.records)
    try:
        con.register("cells_arrow", cells)
        con.execute("CREATE TABLE cells AS SELECT * FROM cells_arrow")
        con.execute("CREATE TABLE contributions (unit UBIGINT, idx BIGINT, cell INTEGER)")
        params = _period_params(period)
        scan_items(
            ledger, view.head, con, _ROWS, {**params, "i1": I1, "i2": I2, "orders": ORDER_CODES}
        )
        rows = con.execute(_CAPPED, {"cap": cap}).fetchall()
    finally:
        con.close()
    return [int(n) for _, n in rows]


def _period_params(period: int) -> dict[str, Any]:
    return {"start": date(period, 1, 1), "end": date(period, 12, 31)}


def requests_table(view: Snapshot, period: int) -> list[tuple[str, str, int]]:
    con = report_connection(view.records)
    try:
        rows = con.execute(_REQUESTS, _period_params(period)).fetchall()
    finally:
        con.close()
    return [(str(r), str(m), int(n)) for r, m, n in rows]


def public_report(
    ledger: Ledger,
    period_text: str,
    epsilon: float,
    out: Path,
    *,
    agencies: Path | None = None,
    actor: str = "taxgate report public",
) -> PublicReport:
    """Compute, noise, record the spend in the ledger, and only then write the three files."""
    period = parse_period(period_text)
    check_epsilon(epsilon)
    check_out(out)
    settings = load_settings().reports
    view = snapshot(ledger)
    if not view.in_period(date(period, 1, 1), date(period, 12, 31)):
        raise OptionError(f"--period {period}: no batch was decided in {period}; nothing to report")
    budget = plan_budget(ledger, period, epsilon, settings)
    registry = AgencyRegistry.load(agencies)
    cells = key_space(tuple(sorted(registry.agencies)), period)
    exact = exact_counts(ledger, view, cells, period, budget.cap)
    # Published as drawn, negative or not: the noise is symmetric, so any sum of cells is an
    # unbiased estimate; clamping each cell at 0 would bias every total upwards.
    noisy = [int(n) for n in gaussian(budget.scale)(exact)]
    table = _table(cells, noisy, requests_table(view, period))
    csv = csv_bytes(table)
    entry = _record(ledger, budget, view.head, csv, actor)
    report = PublicReport(period, view.head, budget, table, entry)
    publish(
        out,
        {
            "public.csv": csv,
            "public.html": public_page(report).encode(),
            "budget.json": (json.dumps(_budget_json(report), indent=2) + "\n").encode(),
        },
        mode=SHARED,
    )
    return report


def _table(cells: pa.Table, noisy: list[int], requests: list[tuple[str, str, int]]) -> pa.Table:
    rows = [("requests", recipient, "", month, "requests", n) for recipient, month, n in requests]
    names = ("section", "recipient", "basis", "month", "category")
    columns = [cells.column(name).to_pylist() for name in names]
    rows += [(*values, n) for *values, n in zip(*columns, noisy, strict=True)]
    return pa.table(
        {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)},
        schema=pa.schema(
            [*(pa.field(n, pa.string()) for n in names), pa.field("count", pa.int64())]
        ),
    )


def _record(ledger: Ledger, budget: Budget, head: TreeHead, csv: bytes, actor: str) -> int:
    """The spend, in the ledger before any file exists (write-ahead). The item key is the
    release's number in the period, so two releases racing for the same remaining budget
    cannot both be recorded: the loser finds another's entry under its key and stops."""
    digest = hashlib.sha256(csv).hexdigest()
    entry = Entry(
        kind=BUDGET_KIND,
        batch=budget_batch(budget.period),
        item=f"release-{budget.releases_before + 1:04d}",
        outcome="spent",
        actor=actor,
        digest=digest,
        details={**budget.details(), "tree_size": head.size, "tree_root": head.root},
    )
    ledger.append_batch([entry])
    recorded = ledger.entries_of(BUDGET_KIND, batch=entry.batch)
    mine = [
        i for i, doc in recorded if (doc.get("item"), doc.get("digest")) == (entry.item, digest)
    ]
    if not mine:
        raise ConflictError(
            f"another {budget.period} public report was released meanwhile; nothing was "
            "written. Run the command again: it will be weighed against the new balance"
        )
    return mine[0]


# -- files -----------------------------------------------------------------------------------


def _budget_json(report: PublicReport) -> dict[str, Any]:
    return {
        **report.budget.to_json(),
        "tree_head": report.head.to_dict(),
        "ledger_entry": report.entry,
        "library": "OpenDP (opendp on PyPI), contrib features enabled",
    }


def public_page(report: PublicReport) -> str:
    """public.html: the privacy terms first, then each table with its noise stated."""
    budget = report.budget
    rows = report.table.to_pylist()

    def section(name: str) -> list[dict[str, Any]]:
        return [row for row in rows if row["section"] == name]

    def chart(title: str, name: str, key: str, category: str | None = None) -> str:
        """A chart of sums of cells, each bar stating the error of a sum of that many."""
        totals: dict[str, int] = {}
        cells: dict[str, int] = {}
        for row in section(name):
            if category is None or row["category"] == category:
                totals[row[key]] = totals.get(row[key], 0) + int(row["count"])
                cells[row[key]] = cells.get(row[key], 0) + 1
        if name == "requests":
            return bar_chart(f"{title} (exact)", sorted(totals.items()))
        widest = max(cells.values(), default=1)
        spread = budget.expected_error * math.sqrt(widest)
        colours = ("#b00020",) if name == "refusals" else ("#1f5fa8",)
        return bar_chart(f"{title} (each ± {spread:.0f})", sorted(totals.items()), colours)

    error = f"{budget.expected_error:.1f}"
    terms = [
        ("privacy unit", "one taxpayer (an item that matched no taxpayer: its own unit)"),
        ("epsilon (this release)", f"{budget.epsilon:g} at delta {budget.delta:g}"),
        ("rho (zCDP, this release)", f"{budget.rho:.6g}"),
        ("contribution cap per taxpayer (L2 sensitivity)", str(budget.cap)),
        ("noise", f"discrete Gaussian, scale {budget.scale:.2f} (OpenDP, contrib features)"),
        ("expected absolute error of every cell", error),
        ("95% interval of every cell", f"± {budget.ci95:.1f}"),
        (
            f"{report.period} budget (epsilon {budget.period_epsilon:g})",
            f"rho {budget.period_rho:.6g}, spent {budget.spent_before + budget.rho:.6g} "
            f"after {budget.releases_before + 1} release(s)",
        ),
    ]
    parts = [
        '<p class="note">Counts of the disclosure report under differential privacy: each '
        f"cell is off by about {error} on average, whatever its size. Counts are published as "
        "the noise left them, below 0 too, so that a sum of cells is off by nothing on "
        "average (its error grows with the square root of the number of cells summed; each "
        "chart states it). Every cell of the public key space is shown, including those with "
        "no data. Requests are counted "
        "exactly: a request is the requesting agency's act, not information about a "
        "taxpayer. There is no table by state: the ledger records no address. Synthetic "
        "data.</p>",
        tree_head_note(report.head),
        "<h2>Privacy terms</h2>",
        html_table(("term", "value"), terms),
        "<h2>Disclosures</h2>",
        chart("items disclosed by month", "items", "month", RELEASE),
        chart("items disclosed by recipient", "items", "recipient", RELEASE),
        chart("requests by recipient", "requests", "recipient"),
        "<h2>Refusals by reason</h2>",
        chart("items not released, by reason", "refusals", "category"),
        "<h2>Review</h2>",
        chart("officers' verdicts", "review", "category"),
        "<h2>All cells</h2>",
        html_table(
            (*COLUMNS, "expected error"),
            [
                (*(row[c] for c in COLUMNS), "exact" if row["section"] == "requests" else error)
                for row in rows
            ],
        ),
    ]
    return page(f"taxgate: public transparency report {report.period}", parts)
