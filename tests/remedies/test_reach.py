"""What an order reaches: each order kind and timeline twist, on SQLite and PostgreSQL.

Every expected figure is what the test itself recorded (how many items each batch released),
never a number read back from the code under test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from taxgate.ledger import Entry, Ledger
from taxgate.remedies import scan

from .conftest import PI, Batch, pi_order, record, write_order

BEFORE = date(2025, 8, 7)
ON = date(2026, 2, 6)


def reached(ledger: Ledger, orders: Path, day: date) -> dict[tuple[str, str], int]:
    """(order, recipient) → items, for the comply notices in force after a scan on ``day``."""
    result = scan(ledger, orders, day)
    return {
        (n.order, n.recipient): n.items
        for n in result.notices
        if n.action == "comply" and n.status != "released"
    }


def test_an_injunction_against_dhs_reaches_its_components_not_other_agencies(
    ledger: Ledger, tmp_path: Path
) -> None:
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=7)
    uscis = record(ledger, "USCIS-1", "USCIS", BEFORE, released=2)
    record(ledger, "FBI-1", "FBI", BEFORE, released=5)
    pi_order(tmp_path / "orders")
    found = reached(ledger, tmp_path / "orders", ON)
    assert found == {(PI, "ICE"): ice.released, (PI, "USCIS"): uscis.released}


def test_a_wildcard_recipient_reaches_every_agency(ledger: Ledger, tmp_path: Path) -> None:
    batches = [
        record(ledger, "ICE-1", "ICE", BEFORE, released=4),
        record(ledger, "FBI-1", "FBI", BEFORE, released=6),
        record(ledger, "FBI-2", "FBI", date(2025, 9, 1), released=1),
    ]
    pi_order(tmp_path / "orders", recipients=["*"])
    expected: dict[tuple[str, str], int] = {}
    for batch in batches:
        key = (PI, batch.recipient)
        expected[key] = expected.get(key, 0) + batch.released
    assert reached(ledger, tmp_path / "orders", ON) == expected


def test_only_releases_made_before_the_order_took_effect_are_reached(
    ledger: Ledger, tmp_path: Path
) -> None:
    early = record(ledger, "ICE-1", "ICE", BEFORE, released=3)
    record(ledger, "ICE-2", "ICE", date(2026, 2, 5), released=9)  # the order's own day
    pi_order(tmp_path / "orders")
    result = scan(ledger, tmp_path / "orders", ON)
    (notice,) = result.notices
    assert notice.batches == (early.batch,)
    assert notice.items == early.released


def test_an_order_that_does_not_reach_prior_disclosures_issues_no_notice(
    ledger: Ledger, tmp_path: Path
) -> None:
    record(ledger, "ICE-1", "ICE", BEFORE, released=3)
    pi_order(tmp_path / "orders", reaches_prior_disclosures=False)
    result = scan(ledger, tmp_path / "orders", ON)
    assert result.notices == ()
    assert result.issued == ()


def test_data_category_and_purpose_limit_the_reach(ledger: Ledger, tmp_path: Path) -> None:
    record(ledger, "ICE-1", "ICE", BEFORE, released=3)  # address, criminal
    civil = record(ledger, "ICE-2", "ICE", BEFORE, released=2, purpose="civil")
    status = record(ledger, "ICE-3", "ICE", BEFORE, released=4, fields=())
    pi_order(tmp_path / "income", data=["income"])
    assert reached(ledger, tmp_path / "income", ON) == {}
    pi_order(tmp_path / "civil", purposes=["civil"])
    assert reached(ledger, tmp_path / "civil", ON) == {(PI, "ICE"): civil.released}
    # A release without fields disclosed provided/not-provided: identity and filing.
    pi_order(tmp_path / "identity", data=["identity"])
    assert reached(ledger, tmp_path / "identity", ON) == {(PI, "ICE"): status.released}


def test_the_criminal_compliant_exception_leaves_lawful_criminal_releases_alone(
    ledger: Ledger, tmp_path: Path
) -> None:
    record(ledger, "ICE-1", "ICE", BEFORE, released=3)  # released by taxgate: compliant
    civil = record(ledger, "ICE-2", "ICE", BEFORE, released=2, purpose="civil")
    pi_order(tmp_path / "orders", **{"except": ["criminal-compliant"]})
    assert reached(ledger, tmp_path / "orders", ON) == {(PI, "ICE"): civil.released}


def test_a_stay_lifts_the_reach_and_a_stay_of_the_stay_restores_it(
    ledger: Ledger, tmp_path: Path
) -> None:
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=5)
    orders = tmp_path / "orders"
    pi_order(orders)
    write_order(orders, "stay", "stay-of-order", date(2026, 3, 1), target=PI)
    write_order(orders, "stay-of-stay", "stay-of-order", date(2026, 4, 1), target="stay")
    assert reached(ledger, orders, date(2026, 2, 28)) == {(PI, "ICE"): ice.released}
    assert reached(ledger, orders, date(2026, 3, 1)) == {}
    assert reached(ledger, orders, date(2026, 4, 1)) == {(PI, "ICE"): ice.released}


def test_a_vacatur_ends_the_reach(ledger: Ledger, tmp_path: Path) -> None:
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=5)
    pi_order(tmp_path / "orders")
    write_order(tmp_path / "orders", "vacatur", "vacatur", date(2026, 3, 1), target=PI)
    assert reached(ledger, tmp_path / "orders", date(2026, 2, 20)) == {(PI, "ICE"): ice.released}
    assert reached(ledger, tmp_path / "orders", date(2026, 3, 1)) == {}


def test_an_order_reaches_until_the_day_it_expires(ledger: Ledger, tmp_path: Path) -> None:
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=5)
    pi_order(tmp_path / "orders", expires=date(2026, 6, 1))
    assert reached(ledger, tmp_path / "orders", date(2026, 5, 31)) == {(PI, "ICE"): ice.released}
    assert reached(ledger, tmp_path / "orders", date(2026, 6, 1)) == {}


def test_verdicts_that_released_before_the_order_count_and_later_ones_do_not(
    ledger: Ledger, tmp_path: Path
) -> None:
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=4, review=3)
    review_items = [f"ICE-1-{i:04d}" for i in range(10)]
    verdicts = [
        Entry("verdict", ice.batch, review_items[0], outcome="release", as_of=date(2025, 9, 1)),
        Entry("verdict", ice.batch, review_items[1], outcome="release", as_of=date(2026, 3, 1)),
        Entry("verdict", ice.batch, review_items[2], outcome="withhold", as_of=date(2025, 9, 1)),
    ]
    ledger.append_batch(verdicts)
    pi_order(tmp_path / "orders")
    (notice,) = scan(ledger, tmp_path / "orders", ON).notices
    assert notice.items == ice.released + 1  # the one verdict release before 2026-02-05


def test_a_notice_names_ledger_indexes_and_digests_never_a_tin(
    ledger: Ledger, tmp_path: Path
) -> None:
    ice: Batch = record(ledger, "ICE-1", "ICE", BEFORE, released=6, withheld=5)
    pi_order(tmp_path / "orders")
    scan(ledger, tmp_path / "orders", ON)
    ((index, entry),) = ledger.entries_of("notice", batch="remedies")
    doc = entry["details"]["notice"]
    (batch,) = doc["batches"]
    decisions = [
        (i, e) for i, e in ledger.entries_of("decision", ice.batch) if e["outcome"] == "release"
    ]
    assert batch["decision_indexes"] == [decisions[0][0], decisions[-1][0]]
    assert batch["items"] == len(decisions) == ice.released
    release_index, _ = ledger.entries_of("release", ice.batch)[0]
    assert batch["release_index"] == release_index
    assert batch["sealed_sha256"] == "ab" * 32
    text = ledger.entry(index)
    tins = [f"000{i:06d}" for i in range(ice.released + 5)]  # conftest.record's TINs
    assert not [tin for tin in tins if tin in text]
    assert doc["required"] == ["stop-use", "quarantine"] and doc["preserve"] is True
    assert doc["deadline"] == "2026-02-10"


def test_an_item_reached_by_several_orders_is_counted_once(ledger: Ledger, tmp_path: Path) -> None:
    """``reached_items`` counts disclosures, not (order, disclosure) pairs: two orders reaching
    the same release name it in two notices, but it is one item handed over."""
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=4, review=3)
    fbi = record(ledger, "FBI-1", "FBI", BEFORE, released=6)
    # One verdict released before both orders, one between them: the later order reaches both.
    ledger.append_batch(
        [
            Entry("verdict", ice.batch, "ICE-1-0001", outcome="release", as_of=date(2025, 9, 1)),
            Entry("verdict", ice.batch, "ICE-1-0003", outcome="release", as_of=date(2026, 2, 20)),
        ]
    )
    orders = tmp_path / "orders"
    pi_order(orders)  # DHS, from 2026-02-05
    write_order(orders, "tro-all", "tro", date(2026, 3, 1), recipients=["*"])
    result = scan(ledger, orders, date(2026, 3, 2))
    by_key = {(n.order, n.recipient): n.items for n in result.notices}
    assert by_key == {
        (PI, "ICE"): ice.released + 1,
        ("tro-all", "ICE"): ice.released + 2,
        ("tro-all", "FBI"): fbi.released,
    }
    assert result.reached_items == ice.released + 2 + fbi.released
    assert result.to_json()["reached_items"] == ice.released + 2 + fbi.released
