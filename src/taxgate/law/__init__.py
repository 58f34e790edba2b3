"""The law stage: §6103 and court orders as Cedar policy, decided as of a date.

Public surface::

    engine = LawEngine(orders=load_orders(dir), agencies=AgencyFacts(parents, blocked))
    decisions = engine.decide(RequestFacts(...), items_table, as_of)
"""

from taxgate.law.compile import CompiledPolicySet, PolicyInfo, load_statute
from taxgate.law.engine import (
    DEFAULT_DENY,
    ContextDecision,
    LawDecisions,
    LawEngine,
    outcome_for,
)
from taxgate.law.facts import AgencyFacts, ItemContext, RequestFacts, item_table
from taxgate.law.orders import BUILTIN_ORDERS, Order, OrderProblem, check_orders, load_orders
from taxgate.law.timeline import TimelineEntry, barring_orders, in_effect, timeline

__all__ = [
    "BUILTIN_ORDERS",
    "DEFAULT_DENY",
    "AgencyFacts",
    "CompiledPolicySet",
    "ContextDecision",
    "ItemContext",
    "LawDecisions",
    "LawEngine",
    "Order",
    "OrderProblem",
    "PolicyInfo",
    "RequestFacts",
    "TimelineEntry",
    "barring_orders",
    "check_orders",
    "in_effect",
    "item_table",
    "load_orders",
    "load_statute",
    "outcome_for",
    "timeline",
]
