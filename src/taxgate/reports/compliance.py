"""Compliance with one court order (contracts.md §8): every disclosure within its reach since
it took effect, the notices it triggered, and the proofs that let an auditor check each cited
entry offline with the published key alone.

Every legal question is put to the law stage, never answered here:
- **within reach**: would the order, in force and without its exceptions, bar a flawless item
  of the batch's request (recipient or a parent agency named, data category, purpose)?
- **in force** on the release date: ``law.timeline.in_effect`` (dates, stays and vacaturs);
- **breach**: do the published orders, as of the release date, bar a flawless item of that
  request by this order? A released item had no finding at all, so it was such an item. In
  reach and in force but not barred means one of the order's exceptions let it through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from taxgate import reasons
from taxgate.errors import NotFoundError
from taxgate.law import LawEngine, Order, item_table
from taxgate.law.timeline import in_effect
from taxgate.law.whatif import request_from_record
from taxgate.ledger import Ledger, TreeHead
from taxgate.model import RELEASE, BatchRecord
from taxgate.remedies import notice_status
from taxgate.reports.source import report_connection, scan_items, snapshot

BREACH, EXCEPTED, NOT_IN_FORCE = "breach", "excepted", "not in force"
BUNDLE = "proof-bundle"
FLAWLESS = item_table([("flawless", (), False)])

_CITED = """
INSERT INTO cited
SELECT idx, kind, batch, as_of, rules FROM items
WHERE outcome = 'release' AND as_of >= $effective AND batch IN (SELECT batch FROM reach)
"""
_GROUPS = """
SELECT batch, kind, as_of, rules, count(*) AS items, min(idx) AS first, max(idx) AS last
FROM cited GROUP BY ALL ORDER BY first
"""


@dataclass(frozen=True)
class Disclosed:
    """Released items of one batch on one date, decided by the same rules."""

    record: BatchRecord
    kind: str  # decision (the batch) or verdict (an officer, on review)
    as_of: date
    items: int
    rules: tuple[str, ...]
    citations: tuple[str, ...]
    in_force: bool
    status: str
    first_entry: int
    last_entry: int


@dataclass(frozen=True)
class Notices:
    rows: tuple[dict[str, Any], ...]
    note: str  # why there are none, when the remedies stage cannot say


@dataclass(frozen=True)
class ComplianceReport:
    order: Order
    head: TreeHead
    disclosed: tuple[Disclosed, ...]
    notices: Notices
    cited: tuple[int, ...]  # ledger entries with an inclusion proof in the bundle
    orders: tuple[Order, ...]  # the published orders it was judged against
    batches: tuple[BatchRecord, ...] = ()  # every batch within reach since it took effect

    def count(self, status: str) -> int:
        return sum(d.items for d in self.disclosed if d.status == status)


def find_order(engine: LawEngine, order_id: str) -> Order:
    for order in engine.orders:
        if order.id == order_id:
            return order
    known = ", ".join(sorted(o.id for o in engine.orders)) or "none"
    raise NotFoundError(f"unknown order {order_id!r}: the orders folder has {known}")


def _order_bars(engine: LawEngine, order: Order, record: BatchRecord, day: date) -> bool:
    decided = engine.decide(request_from_record(record), FLAWLESS, day)
    return reasons.order(order.id) in decided.items["reasons"][0].as_py()


def reach_of(order: Order, engine: LawEngine) -> Callable[[BatchRecord], bool]:
    """Whether the order, in force and with no exception, would bar a batch's disclosures:
    asked of an engine that knows this order alone, as of the day it took effect."""
    bare = replace(order, exceptions=(), expires=None)
    alone = LawEngine([bare], engine.agencies, engine.statute)

    def in_reach(record: BatchRecord) -> bool:
        engine.check_recipient_known(record.batch, record.recipient)
        return order.bars and _order_bars(alone, bare, record, order.effective)

    return in_reach


def notices_for(ledger: Ledger, order_id: str, as_of: date) -> Notices:
    """The order's notices and their states, as the remedies stage derives them."""
    rows = []
    for notice in notice_status(ledger, as_of):
        if notice.order == order_id:
            rows.append(
                {
                    "notice_id": notice.notice_id,
                    "recipient": notice.recipient,
                    "batches": list(notice.batches),
                    "items": notice.items,
                    "deadline": notice.deadline.isoformat() if notice.deadline else "",
                    "status": notice.status,
                    "entry": notice.index,
                }
            )
    return Notices(tuple(rows), "" if rows else "no notice has been issued for this order")


def compliance_report(
    ledger: Ledger,
    order_id: str,
    *,
    orders: Path | None = None,
    agencies: Path | None = None,
    as_of: date | None = None,
) -> ComplianceReport:
    """Every release within ``order_id``'s reach since it took effect, judged as of its date."""
    engine = LawEngine.load(orders, agencies)
    order = find_order(engine, order_id)
    view = snapshot(ledger)
    in_reach = reach_of(order, engine)
    reach = [r for r in view.records if in_reach(r)]
    by_batch = {r.batch: r for r in reach}
    con = report_connection(view.records)
    try:
        con.register("reach_arrow", pa.table({"batch": pa.array(list(by_batch), pa.string())}))
        con.execute("CREATE TABLE reach AS SELECT * FROM reach_arrow")
        con.execute(
            "CREATE TABLE cited (idx BIGINT, kind VARCHAR, batch VARCHAR, as_of DATE, "
            "rules VARCHAR[])"
        )
        if by_batch:
            # Only the released items of batches in reach, read through the store's index.
            params = {"effective": order.effective}
            names = list(by_batch)
            scan_items(ledger, view.head, con, _CITED, params, batches=names, outcome=RELEASE)
        groups = con.execute(_GROUPS).fetchall()
        items = [int(i) for (i,) in con.execute("SELECT idx FROM cited ORDER BY idx").fetchall()]
    finally:
        con.close()
    disclosed = []
    for batch, kind, day, rules, count, first, last in groups:
        record = by_batch[batch]
        citations = engine.policy_set(day).policies.values()
        cited_by = {info.id: info.citation for info in citations}
        live = order.id in in_effect(engine.orders, day)
        status = (
            BREACH
            if _order_bars(engine, order, record, day)
            else EXCEPTED
            if live
            else NOT_IN_FORCE
        )
        disclosed.append(
            Disclosed(
                record,
                str(kind),
                day,
                int(count),
                tuple(rules),
                tuple(cited_by.get(rule, "") for rule in rules),
                live,
                status,
                int(first),
                int(last),
            )
        )
    notices = notices_for(ledger, order.id, as_of or date.today())
    # Every batch in reach since the order took effect is cited, released items or not: its
    # release entry proves how many items it provided and under which orders it was decided.
    batches = tuple(r for r in reach if r.as_of >= order.effective)
    notice_entries = {int(row["entry"]) for row in notices.rows}
    cited = tuple(sorted({*items, *(r.index for r in batches), *notice_entries}))
    return ComplianceReport(
        order, view.head, tuple(disclosed), notices, cited, engine.orders, batches
    )
