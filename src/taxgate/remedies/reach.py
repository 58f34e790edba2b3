"""Which recorded releases a court order in force on a date reaches (contracts.md §7).

An order reaches a release when, on the day asked:
- the order applies (its dates, stays, stays of stays, vacaturs: ``law.timeline``, never
  re-derived here) and bars disclosures, with ``reaches_prior_disclosures = true``;
- the release went out before the order's ``effective`` date;
- the law stage, asked today about the same disclosure (the release's recipient, purpose,
  basis and data), names the order among its reasons to refuse it. The order's scope
  (recipients and their component agencies, ``"*"``, data, purposes) and its exceptions are
  therefore decided by the same Cedar policy that decides a batch, never by a second copy.

Batches are read only through ``ledger.batches.batch_records``. Their released items are
counted in the database, one index range per batch: decision entries whose outcome is
``release`` plus verdict entries that released an item before the order took effect. No
item is named; a notice carries counts and ledger indexes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select

from taxgate import reasons
from taxgate.law import LawEngine, Order, barring_orders, in_effect, item_table
from taxgate.law.engine import FLAWLESS
from taxgate.law.whatif import request_from_record
from taxgate.ledger import Ledger
from taxgate.ledger.batches import batch_records
from taxgate.ledger.log import ENTRIES
from taxgate.model import RELEASE, BatchRecord, ReleaseTerms

# How a released decision entry spells its outcome in canonical JSON. JSON escapes quotes
# inside strings, so these exact bytes cannot occur inside any other field's value.
_RELEASED = '"outcome":"release"'
_IN_CHUNK = 500  # batch ids per IN (...) list


def released_categories(terms: ReleaseTerms) -> tuple[str, ...]:
    """The data categories a release disclosed. A release without fields still answered
    provided or not-provided, which says that the taxpayer is known and files: taxpayer
    identity (§6103(b)(6)) and filing information."""
    return terms.fields or ("identity", "filing")


@dataclass(frozen=True)
class ReachedBatch:
    """One recorded batch an order reaches, and how much of it."""

    record: BatchRecord
    items: int  # released items, counted from decision and verdict entries
    decisions: tuple[int, int] | None  # first and last ledger index of its released decisions
    verdicts: tuple[int, ...]  # ledger indexes of verdicts that released an item

    def to_doc(self) -> dict[str, Any]:
        record = self.record
        return {
            "batch": record.batch,
            "release_index": record.index,
            "as_of": record.as_of.isoformat(),
            "items": self.items,
            "decision_indexes": list(self.decisions) if self.decisions else [],
            "verdict_indexes": list(self.verdicts),
            "response_sha256": record.response_sha256,
            "sealed_sha256": record.sealed_sha256,
            "fields": list(released_categories(record.terms)),
            "purpose": record.terms.purpose,
            "basis": record.terms.basis,
        }


@dataclass(frozen=True)
class Reach:
    """What one order reaches at one recipient agency."""

    order: Order
    recipient: str
    batches: tuple[ReachedBatch, ...]

    @property
    def items(self) -> int:
        return sum(batch.items for batch in self.batches)


def distinct_items(found: Iterable[Reach]) -> int:
    """Released items reached by any order, each counted once: several orders reaching one
    release name it in several notices, but it was handed over once. A batch's released
    decisions are the same whichever order reaches it; its verdicts depend on each order's
    ``effective``, so they are united by ledger index."""
    decisions: dict[str, int] = {}
    verdicts: dict[str, set[int]] = defaultdict(set)
    for reach in found:
        for batch in reach.batches:
            decisions[batch.record.batch] = batch.items - len(batch.verdicts)
            verdicts[batch.record.batch].update(batch.verdicts)
    return sum(decisions.values()) + sum(len(v) for v in verdicts.values())


class _Bars:
    """The orders that bar, on ``day``, a disclosure on a batch's terms: one law decision per
    distinct (recipient, purpose, basis, data), however many batches share it."""

    def __init__(self, engine: LawEngine, day: date) -> None:
        self.engine, self.day = engine, day
        self._known: dict[ReleaseTerms, frozenset[str]] = {}

    def __call__(self, record: BatchRecord) -> frozenset[str]:
        terms = record.terms
        if terms not in self._known:
            self.engine.check_recipient_known(record.batch, record.recipient)
            request = replace(request_from_record(record), data=released_categories(terms))
            flawless = item_table([(FLAWLESS, (), False)])
            found = self.engine.decide(request, flawless, self.day).items["reasons"][0].as_py()
            self._known[terms] = frozenset(
                code.removeprefix(reasons.ORDER_PREFIX)
                for code in found
                if code.startswith(reasons.ORDER_PREFIX)
            )
        return self._known[terms]


def released_decisions(ledger: Ledger, batches: Iterable[str]) -> dict[str, tuple[int, int, int]]:
    """Per batch: how many decision entries released an item, and the first and last index.

    Counted by the database over the ``(batch, kind)`` prefix of the entry key, so a ledger of
    ten million decisions is never read into Python."""
    marker = _RELEASED
    body = ENTRIES.c.body
    dialect = ledger.store.dialect
    found = func.strpos(body, marker) if dialect == "postgresql" else func.instr(body, marker)
    wanted = sorted(set(batches))
    counted: dict[str, tuple[int, int, int]] = {}
    with ledger.store.engine.connect() as conn:
        for start in range(0, len(wanted), _IN_CHUNK):
            query = (
                select(
                    ENTRIES.c.batch, func.count(), func.min(ENTRIES.c.idx), func.max(ENTRIES.c.idx)
                )
                .where(
                    ENTRIES.c.batch.in_(wanted[start : start + _IN_CHUNK]),
                    ENTRIES.c.kind == "decision",
                    found > 0,
                )
                .group_by(ENTRIES.c.batch)
            )
            for batch, count, first, last in conn.execute(query):
                counted[str(batch)] = (int(count), int(first), int(last))
    return counted


def released_verdicts(ledger: Ledger, batch: str) -> list[tuple[int, date]]:
    """``(index, verdict date)`` of every verdict that released an item of ``batch``."""
    return [
        (index, date.fromisoformat(str(doc["as_of"])))
        for index, doc in ledger.entries_of("verdict", batch=batch)
        if doc.get("outcome") == RELEASE
    ]


def reaching_orders(orders: Iterable[Order], day: date) -> list[Order]:
    """The orders that, on ``day``, reach disclosures already made."""
    return [o for o in barring_orders(tuple(orders), day) if o.reaches_prior_disclosures]


def reaches(ledger: Ledger, engine: LawEngine, day: date) -> list[Reach]:
    """Every (order, recipient agency) reached on ``day``, with the batches and item counts."""
    live = reaching_orders(engine.orders, day)
    if not live:
        return []
    bars = _Bars(engine, day)
    candidates: dict[tuple[str, str], list[BatchRecord]] = defaultdict(list)
    for record in batch_records(ledger):
        barred = bars(record)
        for order in live:
            if order.id in barred and record.as_of < order.effective:
                candidates[(order.id, record.recipient)].append(record)
    wanted = {record.batch for records in candidates.values() for record in records}
    decisions = released_decisions(ledger, wanted)
    verdicts = {batch: released_verdicts(ledger, batch) for batch in wanted}
    by_id = {order.id: order for order in live}
    found = []
    for (order_id, recipient), records in sorted(candidates.items()):
        order = by_id[order_id]
        reached = []
        for record in records:
            count, first, last = decisions.get(record.batch, (0, -1, -1))
            before = tuple(i for i, day in verdicts[record.batch] if day < order.effective)
            if count + len(before):
                span = (first, last) if count else None
                reached.append(ReachedBatch(record, count + len(before), span, before))
        if reached:
            found.append(Reach(order, recipient, tuple(reached)))
    return found


def why_not_reached(order: Order, orders: tuple[Order, ...], day: date) -> str:
    """Why ``order`` no longer reaches what an earlier notice named, for the lifting notice."""
    live = in_effect(orders, day)
    if order.id in live:
        return "the order as now written no longer reaches these disclosures"
    suspending = [o for o in orders if o.suspends and o.target == order.id and o.id in live]
    if suspending:
        return "; ".join(
            f"{'vacated' if o.kind == 'vacatur' else 'stayed'} by {o.id} ({o.citation}) "
            f"from {o.effective.isoformat()}"
            for o in sorted(suspending, key=lambda o: o.id)
        )
    if order.expires is not None and day >= order.expires:
        return f"the order expired on {order.expires.isoformat()}"
    return f"the order does not apply on {day.isoformat()}"
