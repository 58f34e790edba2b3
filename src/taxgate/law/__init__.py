"""The law stage: §6103 and court orders as Cedar policy, decided as of a date.

Public surface::

    engine = LawEngine.load(orders_dir, agencies_file)     # the orders, checked, and agencies
    engine.releases_flawless(RequestFacts.of(manifest), as_of)  # is the request barred whole?
    decisions = engine.decide(RequestFacts.of(manifest), law_items(world, matches), as_of)
"""

from taxgate.law.compile import CompiledPolicySet, PolicyInfo, load_statute
from taxgate.law.engine import (
    DEFAULT_DENY,
    ContextDecision,
    LawDecisions,
    LawEngine,
    decisions_table,
    outcome_for,
)
from taxgate.law.facts import AgencyFacts, ItemContext, RequestFacts, item_table, law_items
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
    "decisions_table",
    "in_effect",
    "item_table",
    "law_items",
    "load_orders",
    "load_statute",
    "outcome_for",
    "timeline",
]
