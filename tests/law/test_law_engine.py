"""The engine: one evaluation per distinct context, every reason, replayable by hash."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import cedarpy
import pyarrow as pa
import pytest

from taxgate.errors import TaxgateError
from taxgate.law import AgencyFacts, LawEngine, Order, RequestFacts, item_table, load_statute
from taxgate.law.facts import ITEM_SCHEMA

STATUTE = load_statute()
ICE = RequestFacts(requester="ICE", purpose="criminal", basis="6103(i)(2)", data=("address",))
DAY = date(2025, 8, 7)


def order(**changes: object) -> Order:
    fields: dict[str, object] = {
        "id": "pi", "kind": "preliminary-injunction", "case": "A v. B", "court": "D.D.C.",
        "citation": "No. 1", "issued": DAY, "effective": DAY, "path": Path("pi.toml"),
        "disclosers": ("IRS",), "recipients": ("DHS",), "data": ("address",),
        "purposes": ("*",), "exceptions": ("criminal-compliant",),
    }  # fmt: skip
    fields.update(changes)
    return Order(**fields)  # type: ignore[arg-type]


def test_many_items_are_decided_per_distinct_context_and_joined_back_in_order() -> None:
    kinds = [([], False), (["match.ambiguous"], False), (["match.none", "request.officers"], True)]
    rows = [(f"i{n}", *kinds[n % 3]) for n in range(3000)]
    decided = LawEngine([], statute=STATUTE).decide(ICE, item_table(rows), DAY)
    assert decided.distinct_contexts == 3
    outcomes = decided.items.column("outcome").to_pylist()
    assert outcomes[:4] == ["release", "review", "withhold", "release"]
    assert decided.items.column("item_id").to_pylist() == [r[0] for r in rows]


def test_a_refusal_lists_every_policy_that_matched() -> None:
    engine = LawEngine([order()], AgencyFacts(safeguards_blocked=frozenset({"ICE"})), STATUTE)
    civil = RequestFacts("ICE", "civil", "6103(i)(2)", ("address", "income"))
    items = item_table([("x", ["request.no-name", "match.address"], True)])
    row = engine.decide(civil, items, DAY).items.to_pylist()[0]
    assert row["reasons"] == [
        "match.address", "order.pi", "purpose.not-criminal", "recipient.safeguards",
        "request.basis", "request.no-name", "taxpayer.protected",
    ]  # fmt: skip
    assert row["rules"] == [
        "6103-i2-tri-not-reached", "6103-i6-protected", "6103-p4-safeguards",
        "6103-purpose-not-criminal", "finding-match-address", "finding-request-no-name",
        "order.pi",
    ]  # fmt: skip


def test_criminal_compliant_exception_needs_a_clean_item() -> None:
    engine = LawEngine([order()], statute=STATUTE)
    items = item_table([("clean", [], False), ("ambiguous", ["match.ambiguous"], False)])
    rows = engine.decide(ICE, items, DAY).items.to_pylist()
    assert rows[0]["outcome"] == "release"
    assert rows[1]["reasons"] == ["match.ambiguous", "order.pi"]  # no longer merely review


def test_i1_needs_an_ex_parte_order_and_then_reaches_income() -> None:
    engine = LawEngine([], statute=STATUTE)
    items = item_table([("x", [], False)])
    without = RequestFacts("FBI", "criminal", "6103(i)(1)", ("income",))
    with_order = RequestFacts("FBI", "criminal", "6103(i)(1)", ("income",), "No. 26-mj-7 (D. Md.)")
    assert engine.decide(without, items, DAY).items.to_pylist()[0]["rules"] == [
        "6103-i1-needs-order"
    ]
    released = engine.decide(with_order, items, DAY).items.to_pylist()[0]
    assert released["outcome"] == "release"
    assert released["rules"] == ["6103-i1-ex-parte-order"]


def test_the_policy_hash_names_the_exact_text_and_replays() -> None:
    engine = LawEngine([order(effective=date(2025, 11, 21), exceptions=())], statute=STATUTE)
    before = engine.decide(ICE, item_table([("x", [], False)]), DAY)
    after = engine.decide(ICE, item_table([("x", [], False)]), date(2025, 11, 22))
    assert before.policy_sha256 != after.policy_sha256
    assert after.orders_in_force == ("pi",)
    assert hashlib.sha256(after.policy_text.encode()).hexdigest() == after.policy_sha256
    assert "6103-i6-protected" in after.citations
    # Replay: the stored text alone reproduces the decision.
    replayed = cedarpy.is_authorized(
        {
            "principal": 'Agency::"ICE"',
            "action": 'Action::"disclose"',
            "resource": 'Agency::"IRS"',
            "context": {
                "purpose": "criminal",
                "basis": "6103(i)(2)",
                "data": ["address"],
                "has_ex_parte_order": False,
                "findings": [],
                "taxpayer_protected": False,
            },
        },
        after.policy_text,
        '[{"uid": {"type": "Agency", "id": "ICE"}, "attrs": {"safeguards_open": false},'
        ' "parents": [{"type": "Agency", "id": "DHS"}]}]',
    )
    assert not replayed.allowed


def test_missing_facts_default_safely_and_unknown_findings_are_refused() -> None:
    engine = LawEngine([], statute=STATUTE)
    nulls = pa.table([["x"], [None], [None]], schema=ITEM_SCHEMA)
    assert engine.decide(ICE, nulls, DAY).items.to_pylist()[0]["outcome"] == "release"
    with pytest.raises(TaxgateError, match=r"request\.made-up"):
        engine.decide(ICE, item_table([("x", ["request.made-up"], False)]), DAY)
    with pytest.raises(TaxgateError, match="item table lacks"):
        engine.decide(ICE, pa.table({"item_id": ["x"]}), DAY)
