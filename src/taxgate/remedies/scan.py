"""``remedies scan``: the orders as of a date, the recorded releases they reach, the notices.

One scan, top-down: read and check the orders (nothing is recorded if any order file is
wrong), find what each order in force reaches, compare with the notice in force for each
(order, recipient agency), and record in ONE ledger append the order files first seen and the
notices that are new: a notice for a reach not yet noticed, a superseding notice when the reach
changed, a lifting notice when an order no longer reaches what an earlier notice named. A kill
at any moment leaves the whole append or none of it; a notice's id is a digest of its body, so a
re-run computes the same notices and the ledger skips what it already holds. A second scan on
the same day therefore records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from taxgate.errors import OptionError
from taxgate.law import AgencyFacts, LawEngine, load_orders
from taxgate.ledger import Ledger, TreeHead
from taxgate.remedies.notices import comply_body, lift_body
from taxgate.remedies.reach import Reach, distinct_items, reaches, why_not_reached
from taxgate.remedies.records import (
    COMPLY,
    LIFT,
    Notice,
    notice_entry,
    order_entry,
    recorded_notices,
    seen_orders,
    sign_notice,
)
from taxgate.remedies.status import NoticeStatus, current_notices, notice_status


@dataclass(frozen=True)
class ScanResult:
    """What a scan found and recorded."""

    as_of: date
    notices: tuple[NoticeStatus, ...]  # the notice in force per (order, recipient) it touched
    issued: tuple[str, ...]  # ids of the notices this scan recorded
    orders_seen: int  # order files read
    orders_recorded: int  # of which first seen by this scan
    head: TreeHead
    reached_items: int  # released items any order reaches, each counted once

    def to_json(self) -> dict[str, Any]:
        """contracts.md §7's shape, exactly."""
        return {
            "as_of": self.as_of.isoformat(),
            "notices": [notice.to_json() for notice in self.notices],
            "reached_items": self.reached_items,
        }


def _same_reach(before: Notice, notice: Notice) -> bool:
    return before.action == COMPLY and before.fingerprint == notice.fingerprint


def _still_reaching(reached: Sequence[Reach], lifted: Notice) -> list[str]:
    """The other orders that still reach, at the same recipient, a batch ``lifted`` named."""
    batches = set(lifted.batches)
    return sorted(
        {
            reach.order.id
            for reach in reached
            if reach.recipient == lifted.recipient
            and reach.order.id != lifted.order
            and batches & {batch.record.batch for batch in reach.batches}
        }
    )


def scan(
    ledger: Ledger,
    orders_dir: Path | None,
    as_of: date,
    *,
    agencies: Path | None = None,
    actor: str = "taxgate",
) -> ScanResult:
    """Re-decide every recorded release as of ``as_of`` against the orders in ``orders_dir``
    (None: the built-in timeline) and record the notices that are new."""
    if as_of > date.today():
        raise OptionError(
            f"--as-of {as_of.isoformat()} is in the future: a notice is issued on the day it "
            "is recorded or for a day past (`taxgate orders what-if` explores other dates)",
            option="--as-of",
        )
    facts = AgencyFacts.load(agencies)
    orders = load_orders(orders_dir, facts)
    engine = LawEngine(orders, facts)
    seen = [order_entry(order, as_of, actor) for order in orders]
    digests = {order.id: entry.digest for order, entry in zip(orders, seen, strict=True)}
    known = {entry.sha256 for entry in seen_orders(ledger)}

    current = current_notices(recorded_notices(ledger), as_of)
    issued: list[Notice] = []
    shown: list[Notice] = []
    reached = reaches(ledger, engine, as_of)
    for reach in reached:
        before = current.get((reach.order.id, reach.recipient))
        body = comply_body(
            reach, as_of, digests[reach.order.id], before.notice_id if before else ""
        )
        notice = sign_notice(ledger, body)
        if before is not None and _same_reach(before, notice):
            shown.append(before)
        else:
            issued.append(notice)
            shown.append(notice)
    still = {(reach.order.id, reach.recipient) for reach in reached}
    by_id = {order.id: order for order in orders}
    for key, before in sorted(current.items()):
        # An order missing from this folder is not judged: a scan run with the wrong folder
        # must not tell custodians they may use the data again.
        order = by_id.get(before.order)
        if before.action == LIFT or key in still or order is None:
            continue
        why = why_not_reached(order, engine.orders, as_of)
        others = _still_reaching(reached, before)
        notice = sign_notice(
            ledger, lift_body(before, order, digests[order.id], as_of, why, others)
        )
        issued.append(notice)
        shown.append(notice)

    head = ledger.append_batch([*seen, *(notice_entry(n, actor) for n in issued)])
    wanted = [n.notice_id for n in shown]
    states = {s.notice_id: s for s in notice_status(ledger, as_of)}
    return ScanResult(
        as_of=as_of,
        notices=tuple(states[notice_id] for notice_id in wanted),
        issued=tuple(n.notice_id for n in issued),
        orders_seen=len(seen),
        orders_recorded=len({entry.digest for entry in seen} - known),
        head=head,
        reached_items=distinct_items(reached),
    )
