"""Which orders apply on a date (contracts.md §3), resolved in plain Python.

An order applies on D when ``effective <= D``, (no ``expires`` or ``D < expires``), and no
stay-of-order or vacatur *of it* applies on D. Stays can themselves be stayed or vacated, so
resolution recurses along ``target`` links; a cycle is a configuration error (``orders
check`` reports it before this is reached). Dates are resolved here rather than encoded in
Cedar so each compiled policy set holds only the orders in force, and its hash names them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from taxgate.errors import ConfigError
from taxgate.law.orders import Order


def in_effect(orders: Sequence[Order], day: date) -> frozenset[str]:
    """Ids of every order (of any kind) that applies on ``day``."""
    suspenders: dict[str, list[Order]] = defaultdict(list)
    for order in orders:
        if order.suspends:
            suspenders[order.target].append(order)
    memo: dict[str, bool] = {}
    resolving: set[str] = set()

    def applies(order: Order) -> bool:
        if order.id in memo:
            return memo[order.id]
        if order.id in resolving:
            raise ConfigError(
                f"{order.path}: field 'target': stays form a cycle through {order.id}"
            )
        resolving.add(order.id)
        dated = order.effective <= day and (order.expires is None or day < order.expires)
        result = dated and not any(applies(s) for s in suspenders.get(order.id, ()))
        resolving.discard(order.id)
        memo[order.id] = result
        return result

    return frozenset(order.id for order in orders if applies(order))


def in_force(orders: Sequence[Order], day: date) -> tuple[Order, ...]:
    """Barring orders, stays and vacaturs that apply on ``day`` (denials bar nothing), by id."""
    live = in_effect(orders, day)
    return tuple(
        sorted((o for o in orders if o.kind != "denial" and o.id in live), key=lambda o: o.id)
    )


def barring_orders(orders: Sequence[Order], day: date) -> tuple[Order, ...]:
    """The orders that bar disclosures on ``day``, sorted by id."""
    live = in_effect(orders, day)
    return tuple(sorted((o for o in orders if o.bars and o.id in live), key=lambda o: o.id))


@dataclass(frozen=True)
class TimelineEntry:
    day: date
    in_force: tuple[str, ...]  # barring orders, stays and vacaturs that apply on ``day``
    started: tuple[str, ...]
    ended: tuple[str, ...]
    recorded: tuple[str, ...]  # denials taking effect that day: they bar nothing


def timeline(orders: Sequence[Order]) -> list[TimelineEntry]:
    """One entry per date on which the set of orders in force changes or a denial is recorded."""
    days = sorted(
        {o.effective for o in orders} | {o.expires for o in orders if o.expires is not None}
    )
    entries: list[TimelineEntry] = []
    previous: frozenset[str] = frozenset()
    denials = {o.id for o in orders if o.kind == "denial"}
    for day in days:
        live = in_effect(orders, day) - denials
        recorded = tuple(sorted(o.id for o in orders if o.id in denials and o.effective == day))
        if live != previous or recorded:
            entries.append(
                TimelineEntry(
                    day=day,
                    in_force=tuple(sorted(live)),
                    started=tuple(sorted(live - previous)),
                    ended=tuple(sorted(previous - live)),
                    recorded=recorded,
                )
            )
        previous = live
    return entries
