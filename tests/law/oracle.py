"""A deliberately simple oracle for the law stage: plain Python, no Cedar.

Written from contracts.md §3–4 and law.md alone; it shares no code with the compiler, the
timeline resolver or the policies, so agreement with the engine means something.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from taxgate.law.orders import Order

BARRING = {"tro", "preliminary-injunction", "permanent-injunction", "stay-of-agency-action"}
SUSPENDING = {"stay-of-order", "vacatur"}
NOT_TRI_FOR_I2 = {"address", "identity", "filing"}


@dataclass(frozen=True)
class Case:
    requester: str
    discloser: str
    purpose: str
    basis: str
    data: frozenset[str]
    ex_parte_order: bool
    findings: frozenset[str]
    protected: bool


def order_applies(order: Order, day: date, orders: Sequence[Order]) -> bool:
    if day < order.effective:
        return False
    if order.expires is not None and day >= order.expires:
        return False
    for other in orders:
        suspends = other.kind in SUSPENDING and other.target == order.id
        if suspends and order_applies(other, day, orders):
            return False
    return True


def names_reach(names: Sequence[str], agency: str, parents: Mapping[str, str]) -> bool:
    """Agency codes are case-insensitive everywhere (Treasury = TREASURY = treasury)."""
    if "*" in names:
        return True
    wanted = {name.casefold() for name in names}
    folded = {child.casefold(): parent.casefold() for child, parent in parents.items()}
    agency = agency.casefold()
    seen = set()
    while agency not in seen:
        if agency in wanted:
            return True
        seen.add(agency)
        if agency not in folded:
            return False
        agency = folded[agency]
    return False


def decide(
    case: Case,
    orders: Sequence[Order],
    day: date,
    parents: Mapping[str, str],
    blocked: frozenset[str],
) -> tuple[str, tuple[str, ...]]:
    """(outcome, sorted reason codes) for one item."""
    found = set(case.findings)
    criminal = case.purpose == "criminal"
    if not criminal:
        found.add("purpose.not-criminal")
    i2_reaches = case.basis == "6103(i)(2)" and case.data <= NOT_TRI_FOR_I2
    i1_reaches = case.basis == "6103(i)(1)" and case.ex_parte_order
    if not (i2_reaches or i1_reaches):
        found.add("request.basis")
    if case.protected:
        found.add("taxpayer.protected")
    requester_blocked = case.requester.casefold() in {b.casefold() for b in blocked}
    if requester_blocked:
        found.add("recipient.safeguards")
    compliant = (
        criminal
        and not case.findings
        and not case.protected
        and not requester_blocked
        and (i2_reaches or i1_reaches)
    )
    for order in orders:
        if order.kind not in BARRING or not order_applies(order, day, orders):
            continue
        if not names_reach(order.disclosers, case.discloser, parents):
            continue
        if not names_reach(order.recipients, case.requester, parents):
            continue
        if "*" not in order.data and not case.data & set(order.data):
            continue
        if "*" not in order.purposes and case.purpose not in order.purposes:
            continue
        if "criminal-compliant" in order.exceptions and compliant:
            continue
        found.add("order." + order.id)
    reasons = tuple(sorted(found))
    if not reasons:
        return "release", reasons
    if reasons == ("match.ambiguous",):
        return "review", reasons
    return "withhold", reasons
