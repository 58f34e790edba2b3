"""Decide a batch as of a date: one Cedar evaluation per distinct legal context.

Items in a batch share the request's facts and differ only in what intake and identity
found and whether the taxpayer is protected, so a batch of a million items holds a handful
of distinct contexts. Arrow finds them, Cedar decides each once, Arrow joins the answers
back by index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import cedarpy
import pyarrow as pa
import pyarrow.compute as pc

from taxgate import reasons
from taxgate.errors import ConfigError, OptionError
from taxgate.law.compile import CompiledPolicySet, Statute, compile_policy_set, load_statute
from taxgate.law.facts import (
    FINDING_CODES,
    FINDINGS,
    ITEM_ID,
    PROTECTED,
    AgencyFacts,
    ItemContext,
    RequestFacts,
    agency_code,
    item_table,
)
from taxgate.law.orders import Order, load_orders
from taxgate.law.timeline import barring_orders
from taxgate.model import DATA_CATEGORIES, RELEASE, REVIEW, WITHHOLD

DEFAULT_DENY = "default-deny"
# A request item with nothing wrong: what the law alone makes of a request (see releases_flawless).
FLAWLESS = "flawless"
DECISION_SCHEMA = pa.schema(
    [
        pa.field(ITEM_ID, pa.string()),
        pa.field("outcome", pa.string()),
        pa.field("reasons", pa.list_(pa.string())),
        pa.field("rules", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True)
class ContextDecision:
    outcome: str
    reasons: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class LawDecisions:
    """Per-item decisions plus what is needed to replay them."""

    items: pa.Table  # DECISION_SCHEMA, in input order
    as_of: date
    policy_sha256: str
    policy_text: str
    orders_in_force: tuple[str, ...]
    distinct_contexts: int
    citations: dict[str, str] = field(default_factory=dict)  # policy id → citation


def outcome_for(found: Sequence[str]) -> str:
    """contracts.md §4: release only with no reason; review when only match.ambiguous."""
    if not found:
        return RELEASE
    return REVIEW if set(found) == {reasons.MATCH_AMBIGUOUS} else WITHHOLD


class LawEngine:
    """The statute, the orders and the agency facts; decides batches as of any date."""

    def __init__(
        self,
        orders: Sequence[Order] | None = None,
        agencies: AgencyFacts | None = None,
        statute: Statute | None = None,
    ) -> None:
        self.orders = tuple(load_orders() if orders is None else orders)
        self.agencies = agencies or AgencyFacts()
        self.statute = statute or load_statute()
        self._sets: dict[tuple[str, ...], CompiledPolicySet] = {}
        self._entities: dict[tuple[str, ...], cedarpy.Entities] = {}

    @classmethod
    def load(cls, orders: Path | None = None, agencies: Path | None = None) -> LawEngine:
        """The engine every command builds: the orders folder (default: the built-in
        timeline) checked against the agency registry (default: the shipped one)."""
        facts = AgencyFacts.load(agencies)
        return cls(orders=load_orders(orders, facts), agencies=facts)

    def statute_only(self) -> LawEngine:
        """The same statute and agencies with no court order at all."""
        return LawEngine(orders=(), agencies=self.agencies, statute=self.statute)

    def check_recipient_known(self, batch: str, recipient: str) -> None:
        """A batch released to an agency the registry in use does not know was decided under
        another registry (``--agencies``): without the agency's parent the law cannot tell
        whether an order naming a department reaches it, so judging the release now would
        call a barred disclosure lawful (remedies would lift notices it still owes)."""
        if agency_code(recipient) not in self.agencies.all_agencies():
            raise ConfigError(
                f"batch {batch} was released to {recipient!r}, which the agency registry in "
                "use does not know: pass the --agencies FILE it was decided with"
            )

    def releases_flawless(self, request: RequestFacts, as_of: date) -> bool:
        """Whether a flawless item of ``request`` (sufficient, matched, unprotected) would be
        released as of ``as_of``: false when the request as a whole is barred, whoever its
        items name (a civil purpose, a basis that does not reach the data, a recipient with
        open safeguard findings, or, with orders, an order barring the recipient)."""
        decided = self.decide(request, item_table([(FLAWLESS, (), False)]), as_of)
        return bool(decided.items["outcome"][0].as_py() == RELEASE)

    def policy_set(self, as_of: date) -> CompiledPolicySet:
        """The compiled statute plus the orders barring disclosures on ``as_of`` (cached)."""
        live = barring_orders(self.orders, as_of)
        key = tuple(o.id for o in live)
        if key not in self._sets:
            self._sets[key] = compile_policy_set(self.statute, live)
        return self._sets[key]

    def _entities_for(self, request: RequestFacts) -> cedarpy.Entities:
        parties = {agency_code(request.requester), agency_code(request.discloser)}
        names = tuple(sorted(self.agencies.all_agencies() | parties))
        if names not in self._entities:
            document = [
                {
                    "uid": {"type": "Agency", "id": name},
                    "attrs": {"safeguards_open": name in self.agencies.safeguards_blocked},
                    "parents": (
                        [{"type": "Agency", "id": self.agencies.parents[name]}]
                        if name in self.agencies.parents
                        else []
                    ),
                }
                for name in names
            ]
            self._entities[names] = cedarpy.Entities.from_json_str(json.dumps(document))
        return self._entities[names]

    def decide_contexts(
        self, request: RequestFacts, contexts: Sequence[ItemContext], as_of: date
    ) -> tuple[list[ContextDecision], CompiledPolicySet]:
        """Decide each context once, in one ``is_authorized_batch`` call."""
        _check_request(request)
        policy_set = self.policy_set(as_of)
        base = {
            "principal": {"type": "Agency", "id": agency_code(request.requester)},
            "action": {"type": "Action", "id": "disclose"},
            "resource": {"type": "Agency", "id": agency_code(request.discloser)},
        }
        requests = []
        for context in contexts:
            unknown = sorted(context.findings - FINDING_CODES)
            if unknown:
                raise ConfigError(
                    f"finding {unknown[0]!r} is not a reason code taxgate knows "
                    "(contracts.md §4); add it to taxgate.reasons and policies/findings.cedar"
                )
            cedar_context = {
                "purpose": request.purpose,
                "basis": request.basis,
                "data": sorted(set(request.data)),
                "has_ex_parte_order": request.has_ex_parte_order,
                "findings": sorted(context.findings),
                "taxpayer_protected": context.protected,
            }
            requests.append({**base, "context": cedar_context})
        results = cedarpy.is_authorized_batch(
            requests, policy_set.handle, self._entities_for(request), self.statute.schema
        )
        return [_interpret(result, policy_set) for result in results], policy_set

    def decide(self, request: RequestFacts, items: pa.Table, as_of: date) -> LawDecisions:
        """Decide every item of a batch (columns ``item_id``, ``reasons``, ``protected``)."""
        for column in (ITEM_ID, FINDINGS, PROTECTED):
            if column not in items.column_names:
                raise ConfigError(f"law stage: item table lacks the {column!r} column")
        joined = pc.fill_null(pc.binary_join(items[FINDINGS], ";"), "")
        protected = pc.fill_null(items[PROTECTED], False)
        key = pc.binary_join_element_wise(joined, pc.if_else(protected, "1", "0"), "|")
        distinct = pc.unique(key)
        index = pc.index_in(key, value_set=distinct)
        contexts = []
        for text in distinct.to_pylist():
            found, flag = text.rsplit("|", 1)
            contexts.append(ItemContext(frozenset(filter(None, found.split(";"))), flag == "1"))
        decided, policy_set = self.decide_contexts(request, contexts, as_of)
        outcome = pa.array([d.outcome for d in decided], pa.string())
        found_reasons = pa.array([list(d.reasons) for d in decided], pa.list_(pa.string()))
        rules = pa.array([list(d.rules) for d in decided], pa.list_(pa.string()))
        table = pa.table(
            [
                items[ITEM_ID],
                outcome.take(index),
                found_reasons.take(index),
                rules.take(index),
            ],
            schema=DECISION_SCHEMA,
        )
        return LawDecisions(
            items=table,
            as_of=as_of,
            policy_sha256=policy_set.sha256,
            policy_text=policy_set.text,
            orders_in_force=policy_set.order_ids,
            distinct_contexts=len(contexts),
            citations={info.id: info.citation for info in policy_set.policies.values()},
        )


def _check_request(request: RequestFacts) -> None:
    unknown = sorted(set(request.data) - set(DATA_CATEGORIES))
    if unknown:
        raise OptionError(
            f"request data category {unknown[0]!r} is unknown; use {', '.join(DATA_CATEGORIES)}"
        )


def _interpret(result: cedarpy.AuthzResult, policy_set: CompiledPolicySet) -> ContextDecision:
    if result.diagnostics.errors:
        # Cedar skips a policy whose evaluation errors: a skipped forbid is a silent release.
        raise ConfigError(f"policy evaluation failed: {result.diagnostics.errors[0]}")
    determining = [policy_set.policies[pid] for pid in result.diagnostics.reasons]
    if result.allowed:
        return ContextDecision(RELEASE, (), tuple(sorted(p.id for p in determining)))
    if not determining:
        # Unreachable with the shipped refusals (they cover every case no permit allows),
        # but a refusal must always state a reason: no exception reached this disclosure.
        return ContextDecision(WITHHOLD, (reasons.BASIS,), (DEFAULT_DENY,))
    found = tuple(sorted({p.reason for p in determining}))
    return ContextDecision(outcome_for(found), found, tuple(sorted(p.id for p in determining)))


def decisions_table(law: LawDecisions, matches: pa.Table) -> pa.Table:
    """The batch's decisions (contracts.md §4's columns, lists kept as lists): the law's
    outcome, reasons and rules beside identity's matched TIN and probability."""
    decided = law.items
    return pa.table(
        {
            "item_id": decided["item_id"],
            "outcome": decided["outcome"],
            "reasons": decided["reasons"],
            "rules": decided["rules"],
            "tin": pc.fill_null(matches["tin"], ""),
            "match_probability": matches["match_probability"],
        }
    )
