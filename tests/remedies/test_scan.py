"""``remedies scan``: order entries, idempotence, superseding and lifting notices."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxgate.errors import ConfigError, OptionError
from taxgate.law import BUILTIN_ORDERS
from taxgate.ledger import Entry, Ledger
from taxgate.remedies import notice_status, scan

from .conftest import PI, pi_order, record, write_order

BEFORE = date(2025, 8, 7)


def notices(ledger: Ledger) -> list[dict[str, object]]:
    return [entry["details"]["notice"] for _, entry in ledger.entries_of("notice", "remedies")]


def test_every_order_file_is_recorded_once_with_its_digest(ledger: Ledger, tmp_path: Path) -> None:
    orders = tmp_path / "orders"
    shutil.copytree(BUILTIN_ORDERS, orders)
    first = scan(ledger, orders, date(2025, 12, 1))
    files = sorted(orders.glob("*.toml"))
    digests = {hashlib.sha256(path.read_bytes()).hexdigest() for path in files}
    recorded = ledger.entries_of("order", "remedies")
    assert {entry["item"] for _, entry in recorded} == digests
    assert all(entry["as_of"] == "2025-12-01" for _, entry in recorded)
    assert first.orders_recorded == len(files)
    # Seen again, nothing new; a changed file is a new entry, dated the day it was seen.
    assert scan(ledger, orders, date(2025, 12, 2)).orders_recorded == 0
    changed = orders / "ca-tro-2026-03-02.toml"
    changed.write_text(changed.read_text() + "\n# corrected\n")
    assert scan(ledger, orders, date(2025, 12, 3)).orders_recorded == 1
    newest = ledger.entries_of("order", "remedies")[-1][1]
    assert newest["item"] == hashlib.sha256(changed.read_bytes()).hexdigest()
    assert newest["as_of"] == "2025-12-03"


def test_a_second_scan_records_nothing(ledger: Ledger, tmp_path: Path) -> None:
    record(ledger, "ICE-1", "ICE", BEFORE, released=4)
    pi_order(tmp_path / "orders")
    first = scan(ledger, tmp_path / "orders", date(2026, 2, 5))
    size = ledger.size()
    again = scan(ledger, tmp_path / "orders", date(2026, 2, 5))
    later = scan(ledger, tmp_path / "orders", date(2026, 2, 20))
    assert len(first.issued) == 1
    assert again.issued == () and later.issued == ()
    assert ledger.size() == size
    assert [n.notice_id for n in later.notices] == list(first.issued)


def test_json_has_exactly_the_contract_shape(ledger: Ledger, tmp_path: Path) -> None:
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=4)
    pi_order(tmp_path / "orders")
    doc = scan(ledger, tmp_path / "orders", date(2026, 2, 5)).to_json()
    assert set(doc) == {"as_of", "notices", "reached_items"}
    (notice,) = doc["notices"]
    assert set(notice) == {
        "notice_id", "order", "recipient", "batches", "items", "deadline", "status",
    }  # fmt: skip
    assert notice["batches"] == [ice.batch]
    assert doc["reached_items"] == notice["items"] == ice.released
    assert notice["deadline"] == "2026-02-10" and notice["status"] == "pending"


def test_a_changed_reach_issues_a_notice_that_supersedes_the_first(
    ledger: Ledger, tmp_path: Path
) -> None:
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=4)
    pi_order(tmp_path / "orders")
    (first,) = scan(ledger, tmp_path / "orders", date(2026, 2, 5)).issued
    # A review verdict released one more item before the order: the reach grew.
    ledger.append_batch(
        [Entry("verdict", ice.batch, "ICE-1-0001", outcome="release", as_of=date(2025, 9, 1))]
    )
    (second,) = scan(ledger, tmp_path / "orders", date(2026, 2, 7)).issued
    docs = {doc["notice_id"]: doc for doc in notices(ledger)}
    assert docs[second]["supersedes"] == first
    assert docs[second]["items"] == ice.released + 1
    states = {s.notice_id: s for s in notice_status(ledger, date(2026, 2, 7))}
    assert states[first].status == "superseded" and states[first].superseded_by == second
    assert states[second].status == "pending"
    # On a day before the second notice existed, the first one was in force.
    assert [s.notice_id for s in notice_status(ledger, date(2026, 2, 6))] == [first]


def test_a_stay_issues_a_lifting_notice_and_a_stay_of_the_stay_a_new_one(
    ledger: Ledger, tmp_path: Path
) -> None:
    record(ledger, "ICE-1", "ICE", BEFORE, released=4)
    orders = tmp_path / "orders"
    pi_order(orders)
    write_order(orders, "stay", "stay-of-order", date(2026, 3, 1), target=PI)
    write_order(orders, "stay-of-stay", "stay-of-order", date(2026, 4, 1), target="stay")
    (comply,) = scan(ledger, orders, date(2026, 2, 5)).issued
    (lift,) = scan(ledger, orders, date(2026, 3, 2)).issued
    (again,) = scan(ledger, orders, date(2026, 4, 1)).issued
    docs = {doc["notice_id"]: doc for doc in notices(ledger)}
    assert docs[lift]["action"] == "lift" and docs[lift]["supersedes"] == comply
    assert "stayed by stay" in str(docs[lift]["lifted"])
    assert docs[again]["action"] == "comply" and docs[again]["supersedes"] == lift

    def state(day: date) -> dict[str, str]:
        return {s.notice_id: s.status for s in notice_status(ledger, day)}

    # The stay applies from March 1: released from that day, before the lifting notice.
    assert state(date(2026, 2, 28))[comply] == "overdue"
    assert state(date(2026, 3, 1))[comply] == "released"
    # Once the lift is issued the notice stays released (contracts.md §7), not "superseded".
    assert state(date(2026, 3, 2)) == {comply: "released", lift: "released"}
    assert state(date(2026, 4, 1))[again] == "overdue"  # the court's deadline stands


def test_an_order_missing_from_the_folder_lifts_nothing(ledger: Ledger, tmp_path: Path) -> None:
    record(ledger, "ICE-1", "ICE", BEFORE, released=4)
    pi_order(tmp_path / "orders")
    (comply,) = scan(ledger, tmp_path / "orders", date(2026, 2, 5)).issued
    write_order(tmp_path / "other", "denied", "denial", date(2026, 1, 1))
    assert scan(ledger, tmp_path / "other", date(2026, 2, 6)).issued == ()
    assert [s.status for s in notice_status(ledger, date(2026, 2, 6))] == ["pending"]
    assert [s.notice_id for s in notice_status(ledger, date(2026, 2, 6))] == [comply]


def test_bad_orders_and_dates_record_nothing(ledger: Ledger, tmp_path: Path) -> None:
    record(ledger, "ICE-1", "ICE", BEFORE, released=4)
    size = ledger.size()
    orders = tmp_path / "orders"
    pi_order(orders)
    write_order(orders, "stay", "stay-of-order", date(2026, 3, 1), target="no-such-order")
    with pytest.raises(ConfigError, match=r"stay\.toml, field 'target': no order has id"):
        scan(ledger, orders, date(2026, 3, 2))
    with pytest.raises(OptionError, match="in the future"):
        scan(ledger, BUILTIN_ORDERS, date.today() + timedelta(days=1))
    assert ledger.size() == size


DAYS = st.integers(min_value=0, max_value=150).map(lambda n: date(2026, 1, 20) + timedelta(n))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=st.lists(DAYS, max_size=4), day=DAYS)
def test_scanning_twice_never_issues_anything_the_second_time(
    tmp_path_factory: pytest.TempPathFactory, history: list[date], day: date
) -> None:
    root = tmp_path_factory.mktemp("idempotent")
    orders = root / "orders"
    pi_order(orders)
    write_order(orders, "stay", "stay-of-order", date(2026, 3, 1), target=PI)
    write_order(orders, "vacatur", "vacatur", date(2026, 5, 1), target="stay")
    with Ledger.open(f"sqlite:///{root / 's.db'}", root / "keys") as ledger:
        record(ledger, "ICE-1", "ICE", BEFORE, released=2)
        record(ledger, "CBP-1", "CBP", date(2025, 12, 1), released=3)
        for earlier in history:
            scan(ledger, orders, earlier)
        scan(ledger, orders, day)
        size = ledger.size()
        assert scan(ledger, orders, day).issued == ()
        assert ledger.size() == size


def test_a_lift_names_the_orders_that_still_reach_the_same_disclosures(
    ledger: Ledger, tmp_path: Path
) -> None:
    """Two orders reach one batch; one is stayed. Its lifting notice must not tell the
    custodian that the data may leave quarantine while the other order's notice stands."""
    ice = record(ledger, "ICE-1", "ICE", BEFORE, released=4)
    fbi = record(ledger, "FBI-1", "FBI", BEFORE, released=2)
    orders = tmp_path / "orders"
    pi_order(orders, recipients=["ICE", "FBI"])
    write_order(orders, "tro-ice", "tro", date(2026, 2, 1), recipients=["ICE"])
    scan(ledger, orders, date(2026, 2, 5))
    write_order(orders, "stay", "stay-of-order", date(2026, 3, 1), target=PI)
    lifts = scan(ledger, orders, date(2026, 3, 2)).issued
    docs = {str(doc["notice_id"]): doc for doc in notices(ledger)}
    by_recipient = {docs[n]["recipient"]: docs[n] for n in lifts}
    assert set(by_recipient) == {ice.recipient, fbi.recipient}
    assert all(doc["action"] == "lift" for doc in by_recipient.values())
    still = by_recipient[ice.recipient]
    assert still["still_reached_by"] == ["tro-ice"]
    assert "tro-ice" in str(still["lifted"]) and "may leave quarantine" not in str(still["lifted"])
    free = by_recipient[fbi.recipient]
    assert free["still_reached_by"] == []
    assert "may leave quarantine" in str(free["lifted"])


def test_a_scan_with_a_registry_that_lacks_a_recipient_refuses_instead_of_lifting(
    ledger: Ledger, tmp_path: Path, hsi_registry: Path
) -> None:
    """A batch decided under a registry where HSI is a component of ICE (so of DHS): scanned
    with the shipped registry, which does not know HSI, the order would seem not to reach it
    and the notice would be lifted. That is a wrong --agencies, named, and nothing recorded."""
    hsi = record(ledger, "HSI-1", "HSI", BEFORE, released=3)
    orders = tmp_path / "orders"
    pi_order(orders)  # DHS
    (notice,) = scan(ledger, orders, date(2026, 2, 5), agencies=hsi_registry).notices
    assert (notice.recipient, notice.items) == ("HSI", hsi.released)
    size = ledger.size()
    with pytest.raises(ConfigError) as raised:
        scan(ledger, orders, date(2026, 2, 6))
    message = str(raised.value)
    assert hsi.batch in message and "'HSI'" in message and "--agencies" in message
    assert "\n" not in message
    assert ledger.size() == size
