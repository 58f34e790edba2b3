"""What a notice says: the order, the disclosures it reaches, and what the custodian must do.

**What is required** follows from the order's kind (contracts.md §3):
- interim relief, granted while the litigation continues (``tro``, ``preliminary-injunction``,
  ``stay-of-agency-action``): **stop all use and quarantine**. The data is preserved, not
  destroyed: the case is not decided, the data may be evidence in it, and the order may be
  stayed or vacated on appeal (then a lifting notice releases the quarantine). Destroying
  it would moot the court's final decision, so the certificate asked for is ``quarantined``.
- final relief (``permanent-injunction``): **stop all use and destroy or return** the data,
  as a recipient must once its use has ended (§6103(p)(4)(F)); certificates ``destroyed`` or
  ``returned``.
A custodian may still certify any of the three (contracts.md §7): what was done is recorded
as given, and marked when it is not what the notice asked for (``status``).
The order's ``data`` limits *which* disclosures a notice names (the reach), not what is done
with them. The deadline is the order's own ``notice_deadline``: a court's deadline binds on
the day it names, so a notice issued after it is overdue from its first day.

A **lifting** notice (``action = "lift"``) tells the same custodian that a notice's
obligations have ended (the order was stayed, vacated, expired, or narrowed so that it no
longer reaches those disclosures); it requires nothing. When another order's notice still names
some of the same batches for that custodian, the lift says so (``still_reached_by``) rather
than release the data from quarantine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from taxgate.law import Order
from taxgate.model import DISCLOSER
from taxgate.remedies.reach import Reach, released_categories
from taxgate.remedies.records import COMPLY, LIFT, Notice

INTERIM = frozenset({"tro", "preliminary-injunction", "stay-of-agency-action"})
PRESERVE = ("stop-use", "quarantine")
DISPOSE = ("stop-use", "destroy-or-return")
CERTIFICATES = ("destroyed", "quarantined", "returned")


def requirement(order: Order) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(what the custodian must do, the certificates that show it was done)."""
    if order.kind in INTERIM:
        return PRESERVE, ("quarantined",)
    return DISPOSE, ("destroyed", "returned")


def order_ref(order: Order, sha256: str) -> dict[str, Any]:
    return {
        "id": order.id,
        "kind": order.kind,
        "case": order.case,
        "court": order.court,
        "citation": order.citation,
        "issued": order.issued.isoformat(),
        "effective": order.effective.isoformat(),
        "sha256": sha256,
    }


def comply_body(reach: Reach, day: date, order_sha256: str, supersedes: str) -> dict[str, Any]:
    """The body of a notice requiring the custodian to act on what ``reach`` names."""
    order = reach.order
    required, certificates = requirement(order)
    categories = {c for batch in reach.batches for c in released_categories(batch.record.terms)}
    return {
        "action": COMPLY,
        "as_of": day.isoformat(),
        "discloser": DISCLOSER,
        "recipient": reach.recipient,
        "order": order_ref(order, order_sha256),
        "batches": [batch.to_doc() for batch in reach.batches],
        "items": reach.items,
        "categories": sorted(categories),
        "required": list(required),
        "preserve": order.kind in INTERIM,
        "certify": list(certificates),
        "deadline": order.notice_deadline.isoformat() if order.notice_deadline else None,
        "supersedes": supersedes,
    }


def lift_body(
    previous: Notice,
    order: Order,
    order_sha256: str,
    day: date,
    why: str,
    still: Sequence[str] = (),
) -> dict[str, Any]:
    """The body of a notice ending ``previous``'s obligations on ``day``. ``still``: the other
    orders whose notices in force name some of the same batches: the data stays as they
    require, so this notice must not release it from quarantine."""
    if still:
        after = (
            f"The same disclosures remain reached by {', '.join(still)}: their notices stand, "
            "and data they name stays as they require"
        )
    else:
        after = "Data quarantined under it may leave quarantine; nothing destroyed is restored"
    return {
        "action": LIFT,
        "as_of": day.isoformat(),
        "discloser": DISCLOSER,
        "recipient": previous.recipient,
        "order": order_ref(order, order_sha256),
        "batches": [],
        "items": 0,
        "categories": [],
        "required": [],
        "preserve": False,
        "certify": [],
        "deadline": None,
        "supersedes": previous.notice_id,
        "lifted": (
            f"the obligations of notice {previous.notice_id} end on {day.isoformat()}: {why}. "
            + after
        ),
        "still_reached_by": list(still),
    }
