"""The 2025–2026 record, decided: the same ICE-style item on the dates that matter."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from taxgate.law import LawEngine, RequestFacts, item_table, load_orders

ICE = RequestFacts(requester="ICE", purpose="criminal", basis="6103(i)(2)", data=("address",))
CTR = "order.ctr-stay-2025-11-21"
CEDC = "order.cedc-pi-2026-02-05"
CA = "order.ca-tro-2026-03-02"
NO_ADDRESS = "request.no-address"


def hypothetical_stay_of_ctr() -> list[object]:
    orders = load_orders()
    ctr = next(o for o in orders if o.id == "ctr-stay-2025-11-21")
    appeal = dataclasses.replace(
        ctr, id="dc-cir-stay", kind="stay-of-order", target=ctr.id,
        effective=date(2025, 11, 22), issued=date(2025, 11, 22),
    )  # fmt: skip
    return [*orders, appeal]


ENGINE = LawEngine()
STAYED = LawEngine(hypothetical_stay_of_ctr())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("engine", "day", "complete", "placeholder"),
    [
        (ENGINE, "2025-08-07", ("release", ()), ("withhold", (NO_ADDRESS,))),
        (ENGINE, "2025-11-22", ("withhold", (CTR,)), ("withhold", (CTR, NO_ADDRESS))),
        (ENGINE, "2026-02-06", ("withhold", (CEDC, CTR)), ("withhold", (CEDC, CTR, NO_ADDRESS))),
        (STAYED, "2025-11-22", ("release", ()), ("withhold", (NO_ADDRESS,))),
        (STAYED, "2026-02-06", ("withhold", (CEDC,)), ("withhold", (CEDC, NO_ADDRESS))),
        (
            ENGINE,
            "2026-03-05",
            ("withhold", (CA, CEDC, CTR)),
            ("withhold", (CA, CEDC, CTR, NO_ADDRESS)),
        ),
    ],
    ids=["2025-08-07", "2025-11-22", "2026-02-06", "stayed-2025-11-22", "stayed-2026-02-06", "ca"],
)
def test_ice_address_request_through_the_timeline(
    engine: LawEngine,
    day: str,
    complete: tuple[str, tuple[str, ...]],
    placeholder: tuple[str, tuple[str, ...]],
) -> None:
    items = item_table([("complete", [], False), ("placeholder", [NO_ADDRESS], False)])
    rows = engine.decide(ICE, items, date.fromisoformat(day)).items.to_pylist()
    assert [(r["outcome"], tuple(r["reasons"])) for r in rows] == [complete, placeholder]


def test_orders_name_who_they_bind() -> None:
    day = date(2026, 3, 5)
    items = item_table([("x", [], False)])
    fbi = ENGINE.decide(dataclasses.replace(ICE, requester="FBI"), items, day)
    uscis = ENGINE.decide(dataclasses.replace(ICE, requester="USCIS"), items, day)
    assert fbi.items.to_pylist()[0]["outcome"] == "release"  # no order reaches DOJ
    # USCIS is a DHS component: orders naming DHS reach it, the ICE-only TRO does not.
    assert uscis.items.to_pylist()[0]["reasons"] == [CEDC, CTR]


def test_civil_enforcement_and_income_are_refused_before_any_order() -> None:
    day = date(2025, 8, 7)
    items = item_table([("x", [], False)])
    civil = ENGINE.decide(dataclasses.replace(ICE, purpose="civil"), items, day)
    income = ENGINE.decide(dataclasses.replace(ICE, data=("address", "income")), items, day)
    assert civil.items.to_pylist()[0]["reasons"] == ["purpose.not-criminal"]
    assert income.items.to_pylist()[0]["reasons"] == ["request.basis"]
    assert income.items.to_pylist()[0]["rules"] == ["6103-i2-tri-not-reached"]
