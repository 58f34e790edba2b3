"""Each notice's state on any date, from ledger entries alone; and custodians' acknowledgements.

States (``remedies status``), for a notice issued on or before the day asked:

- ``superseded``: a later notice for the same order and recipient agency (issued by that day)
  replaces it, naming a changed reach; the later one is the one to act on.
- ``released``: it is a lifting notice, or a lifting notice replaced it, or its order does not
  apply that day (stayed, vacated, expired), by the orders the ledger has recorded.
- ``certified``: a custodian certified (quarantined, destroyed, returned) by that day;
  ``certificate_as_required`` says whether it was a certificate the notice asked for.
- ``acknowledged``: a custodian acknowledged by that day (``late`` when after the deadline).
- ``overdue``: not acknowledged and the deadline has passed. The deadline day itself is not
  overdue: "by February 10" includes February 10.
- ``pending``: otherwise.

A notice issued after the day asked is not listed: on that day it did not exist. States are a
pure function of the recorded notices, acknowledgements and orders and of the day
(``states``), so an auditor recomputes them from an export of the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from taxgate.errors import ConflictError, NotFoundError, OptionError
from taxgate.law import Order, in_effect
from taxgate.ledger import Ledger
from taxgate.remedies.notices import CERTIFICATES
from taxgate.remedies.records import (
    LIFT,
    REMEDIES,
    Acknowledgement,
    Notice,
    ack_entry,
    latest_orders,
    recorded_acks,
    recorded_notices,
    seen_orders,
)

PENDING, ACKNOWLEDGED, OVERDUE = "pending", "acknowledged", "overdue"
CERTIFIED, RELEASED, SUPERSEDED = "certified", "released", "superseded"
STATES = (PENDING, ACKNOWLEDGED, OVERDUE, CERTIFIED, RELEASED, SUPERSEDED)


@dataclass(frozen=True)
class NoticeStatus:
    """One notice's state on one day (the reports and service stages read this)."""

    notice_id: str
    order: str
    recipient: str
    batches: tuple[str, ...]
    items: int
    deadline: date | None
    status: str
    index: int  # the notice's ledger entry
    issued: date | None = None  # the notice's own date
    action: str = "comply"  # comply | lift
    acknowledged: date | None = None  # the first acknowledgement by the day asked
    certificate: str = ""  # the first certificate by the day asked
    late: bool = False  # acknowledged or certified after the deadline
    superseded_by: str = ""
    certificate_as_required: bool = True  # False: certified otherwise than the notice asked

    def to_json(self) -> dict[str, Any]:
        return {
            "notice_id": self.notice_id,
            "order": self.order,
            "recipient": self.recipient,
            "batches": list(self.batches),
            "items": self.items,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "status": self.status,
        }

    def to_full_json(self) -> dict[str, Any]:
        return {
            **self.to_json(),
            "index": self.index,
            "issued": self.issued.isoformat() if self.issued else None,
            "action": self.action,
            "acknowledged": self.acknowledged.isoformat() if self.acknowledged else None,
            "certificate": self.certificate,
            "late": self.late,
            "superseded_by": self.superseded_by,
            "certificate_as_required": self.certificate_as_required,
        }


def _chains(notices: Iterable[Notice], day: date) -> dict[tuple[str, str], list[Notice]]:
    """Per (order, recipient): the notices issued by ``day``, oldest first. Ordered by their
    own date, then by log position, so a scan run for an earlier date after a later one does
    not make the older notice the current one."""
    chains: dict[tuple[str, str], list[Notice]] = defaultdict(list)
    for notice in sorted(notices, key=lambda n: (n.as_of, n.index)):
        if notice.as_of <= day:
            chains[(notice.order, notice.recipient)].append(notice)
    return chains


def current_notices(notices: Iterable[Notice], day: date) -> dict[tuple[str, str], Notice]:
    """The notice in force on ``day`` for each (order, recipient agency)."""
    return {key: chain[-1] for key, chain in _chains(notices, day).items()}


def states(
    notices: Sequence[Notice],
    acks: Sequence[Acknowledgement],
    orders: Sequence[Order],
    day: date,
) -> list[NoticeStatus]:
    """Every notice issued by ``day`` with its state that day, in log order."""
    live = in_effect(orders, day)
    known = {order.id for order in orders}
    given: dict[str, list[Acknowledgement]] = defaultdict(list)
    for ack in sorted(acks, key=lambda a: (a.as_of, a.index)):
        if ack.as_of <= day:
            given[ack.notice_id].append(ack)
    found = []
    for chain in _chains(notices, day).values():
        for position, notice in enumerate(chain):
            found.append(
                _state(notice, chain[position + 1 :], given[notice.notice_id], day, live, known)
            )
    return sorted(found, key=lambda s: s.index)


def _state(
    notice: Notice,
    later: Sequence[Notice],
    acks: Sequence[Acknowledgement],
    day: date,
    live: frozenset[str],
    known: set[str],
) -> NoticeStatus:
    deadline = notice.deadline
    acknowledged = acks[0].as_of if acks else None
    certified = next((a for a in acks if a.certificate), None)
    if later:
        # Replaced by a lifting notice, its obligations ended: contracts.md §7's ``released``,
        # the same state it had from the stay's first day until the scan that issued the lift.
        status = RELEASED if later[0].action == LIFT else SUPERSEDED
    elif notice.action == LIFT or (notice.order in known and notice.order not in live):
        status = RELEASED
    elif certified is not None:
        status = CERTIFIED
    elif acks:
        status = ACKNOWLEDGED
    elif deadline is not None and day > deadline:
        status = OVERDUE
    else:
        status = PENDING
    return NoticeStatus(
        notice_id=notice.notice_id,
        order=notice.order,
        recipient=notice.recipient,
        batches=notice.batches,
        items=notice.items,
        deadline=deadline,
        status=status,
        index=notice.index,
        issued=notice.as_of,
        action=notice.action,
        acknowledged=acknowledged,
        certificate=certified.certificate if certified else "",
        late=bool(deadline and acknowledged and acknowledged > deadline),
        superseded_by=later[0].notice_id if later else "",
        certificate_as_required=certified is None or certified.certificate in notice.certificates,
    )


def notice_status(ledger: Ledger, as_of: date) -> list[NoticeStatus]:
    """Every notice's state on ``as_of``, computed from the ledger's entries only."""
    orders = latest_orders(seen_orders(ledger))
    return states(recorded_notices(ledger), recorded_acks(ledger), orders, as_of)


# -- acknowledging -------------------------------------------------------------------------


@dataclass(frozen=True)
class AckResult:
    notice_id: str
    index: int  # the acknowledgement's ledger entry
    recorded: bool  # False: the same acknowledgement was already in the ledger
    status: NoticeStatus  # the notice's state on the acknowledgement's date


def _check(custodian: str, title: str, as_of: date, certify: str | None) -> None:
    if not custodian.strip():
        raise OptionError("an acknowledgement names the custodian: pass --custodian NAME")
    if not title.strip():
        raise OptionError("an acknowledgement names the custodian's title: pass --title TITLE")
    if certify is not None and certify not in CERTIFICATES:
        raise OptionError(f"--certify {certify!r}: choose one of {', '.join(CERTIFICATES)}")
    if as_of > date.today():
        raise OptionError(
            f"--as-of {as_of.isoformat()} is in the future: an acknowledgement records what "
            "was done, on the day it was done"
        )


def acknowledge(
    ledger: Ledger,
    notice_id: str,
    custodian: str,
    title: str,
    as_of: date,
    certify: str | None = None,
    *,
    method: str = "",
) -> AckResult:
    """Record that ``custodian`` acknowledged ``notice_id`` on ``as_of`` (and, with
    ``certify``, that the data was quarantined, destroyed or returned, by ``method``)."""
    _check(custodian, title, as_of, certify)
    notices = recorded_notices(ledger)
    notice = next((n for n in notices if n.notice_id == notice_id), None)
    if notice is None:
        raise NotFoundError(
            f"unknown notice {notice_id!r}: no notice with that id is in the ledger "
            "(see `taxgate remedies status --as-of DATE`)"
        )
    if as_of < notice.as_of:
        raise OptionError(
            f"--as-of {as_of.isoformat()} is before notice {notice_id} was issued "
            f"({notice.as_of.isoformat()}): a notice cannot be acknowledged before it exists",
            option="--as-of",
        )
    orders = latest_orders(seen_orders(ledger))
    before = _own(states(notices, recorded_acks(ledger), orders, as_of), notice_id)
    if before.superseded_by:
        raise ConflictError(
            f"notice {notice_id} was superseded by {before.superseded_by} by "
            f"{as_of.isoformat()}: acknowledge {before.superseded_by} instead"
        )
    if certify is not None and notice.action == LIFT:
        raise ConflictError(
            f"notice {notice_id} takes no certificate: it lifts an earlier one and requires nothing"
        )
    # A certificate other than the notice asked for (destroyed where an interim order asked
    # for quarantine) is still what the custodian did: recorded, and marked as not required.
    ack = Acknowledgement(
        notice_id, custodian.strip(), title.strip(), as_of, certify or "", method.strip()
    )
    entry = ack_entry(ack, notice.certificates)
    recorded = not ledger.committed(REMEDIES, entry.item, "acknowledgement")
    ledger.append_batch([entry])
    acks = recorded_acks(ledger)
    index = next(a.index for a in acks if replace(a, index=-1) == ack)
    after = _own(states(notices, acks, orders, as_of), notice_id)
    return AckResult(notice_id, index, recorded, after)


def _own(found: Sequence[NoticeStatus], notice_id: str) -> NoticeStatus:
    return next(status for status in found if status.notice_id == notice_id)
