"""Notice states at boundary dates, acknowledgements and certificates, and bad acknowledgements.

The last test checks ``states`` (the pure function behind ``remedies status``) against an
oracle written from the documented rules, on random notices, acknowledgements and days.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxgate.errors import ConflictError, InputError, NotFoundError, OptionError
from taxgate.law import Order
from taxgate.ledger import Ledger
from taxgate.remedies import acknowledge, notice_status, scan
from taxgate.remedies.records import Acknowledgement, Notice
from taxgate.remedies.status import states

from .conftest import PI, pi_order, record, write_order

DEADLINE = date(2026, 2, 10)


@pytest.fixture
def notice(ledger: Ledger, tmp_path: Path) -> str:
    record(ledger, "ICE-1", "ICE", date(2025, 8, 7), released=4)
    pi_order(tmp_path / "orders")
    (issued,) = scan(ledger, tmp_path / "orders", date(2026, 2, 5)).issued
    return issued


def status_on(ledger: Ledger, day: date) -> str:
    (found,) = notice_status(ledger, day)
    return found.status


def test_the_deadline_day_itself_is_not_overdue(ledger: Ledger, notice: str) -> None:
    assert notice_status(ledger, date(2026, 2, 4)) == []  # the notice did not exist yet
    assert status_on(ledger, date(2026, 2, 5)) == "pending"
    assert status_on(ledger, DEADLINE) == "pending"
    assert status_on(ledger, DEADLINE + timedelta(days=1)) == "overdue"


def test_an_acknowledgement_on_the_deadline_is_on_time(ledger: Ledger, notice: str) -> None:
    result = acknowledge(ledger, notice, "R. Diaz", "Records Officer", DEADLINE)
    assert result.recorded and result.status.status == "acknowledged" and not result.status.late
    assert status_on(ledger, DEADLINE - timedelta(days=1)) == "pending"
    assert status_on(ledger, DEADLINE + timedelta(days=30)) == "acknowledged"


def test_a_late_acknowledgement_ends_overdue_from_its_own_day(ledger: Ledger, notice: str) -> None:
    late = DEADLINE + timedelta(days=2)
    result = acknowledge(ledger, notice, "R. Diaz", "Records Officer", late)
    assert result.status.late
    assert status_on(ledger, late - timedelta(days=1)) == "overdue"
    assert status_on(ledger, late) == "acknowledged"
    again = acknowledge(ledger, notice, "R. Diaz", "Records Officer", late)
    assert not again.recorded and again.index == result.index


def test_a_certificate_makes_it_certified(ledger: Ledger, notice: str) -> None:
    acknowledge(ledger, notice, "R. Diaz", "Records Officer", date(2026, 2, 8))
    acknowledge(
        ledger, notice, "R. Diaz", "Records Officer", date(2026, 2, 9), "quarantined",
        method="moved to sealed storage",
    )  # fmt: skip
    assert status_on(ledger, date(2026, 2, 8)) == "acknowledged"
    (found,) = notice_status(ledger, date(2026, 2, 9))
    assert (found.status, found.certificate, found.acknowledged) == (
        "certified", "quarantined", date(2026, 2, 8),
    )  # fmt: skip
    _, entry = ledger.entries_of("acknowledgement", "remedies")[-1]
    assert entry["details"]["certificate"] == {
        "kind": "quarantined",
        "method": "moved to sealed storage",
        "date": "2026-02-09",
        "by": "R. Diaz, Records Officer",
        "required": ["quarantined"],
        "as_required": True,
    }


def test_a_final_order_asks_for_destruction_or_return(ledger: Ledger, tmp_path: Path) -> None:
    record(ledger, "ICE-1", "ICE", date(2025, 8, 7), released=4)
    write_order(
        tmp_path / "orders", "final", "permanent-injunction", date(2026, 6, 1),
        notice_deadline=date(2026, 7, 1),
    )  # fmt: skip
    (notice,) = scan(ledger, tmp_path / "orders", date(2026, 6, 1)).issued
    done = acknowledge(ledger, notice, "R. Diaz", "Records Officer", date(2026, 6, 2), "destroyed")
    assert done.status.status == "certified" and done.status.certificate_as_required


def test_a_certificate_other_than_the_notice_asked_for_is_recorded_and_flagged(
    ledger: Ledger, notice: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """contracts.md §7 lets a custodian certify destroyed, quarantined or returned. What the
    custodian did is a fact the record must hold, even when the notice (an interim order:
    quarantine) asked for something else; the record says it was not what was asked."""
    size = ledger.size()
    done = acknowledge(ledger, notice, "R. Diaz", "Records Officer", date(2026, 2, 9), "destroyed")
    assert done.recorded and ledger.size() == size + 1
    assert (done.status.status, done.status.certificate) == ("certified", "destroyed")
    assert not done.status.certificate_as_required
    assert done.status.to_full_json()["certificate_as_required"] is False
    _, entry = ledger.entries_of("acknowledgement", "remedies")[-1]
    assert entry["details"]["certificate"]["kind"] == "destroyed"
    assert entry["details"]["certificate"]["required"] == ["quarantined"]
    assert entry["details"]["certificate"]["as_required"] is False
    (found,) = notice_status(ledger, date(2026, 2, 20))
    assert (found.status, found.certificate_as_required) == ("certified", False)


def test_a_lifting_notice_takes_no_certificate(ledger: Ledger, tmp_path: Path) -> None:
    record(ledger, "ICE-1", "ICE", date(2025, 8, 7), released=4)
    orders = tmp_path / "orders"
    pi_order(orders)
    write_order(orders, "stay", "stay-of-order", date(2026, 3, 1), target=PI)
    scan(ledger, orders, date(2026, 2, 5))
    (lift,) = scan(ledger, orders, date(2026, 3, 1)).issued
    size = ledger.size()
    with pytest.raises(ConflictError, match="lifts an earlier one"):
        acknowledge(ledger, lift, "R. Diaz", "Records Officer", date(2026, 3, 2), "destroyed")
    assert ledger.size() == size


def test_bad_acknowledgements_are_one_line_and_record_nothing(
    ledger: Ledger, notice: str, tmp_path: Path
) -> None:
    size = ledger.size()
    day = date(2026, 2, 8)
    cases: list[tuple[type[Exception], str, dict[str, object]]] = [
        (NotFoundError, "unknown notice", {"notice_id": "N-0000000000000000"}),
        (InputError, "before notice", {"as_of": date(2026, 2, 4)}),
        (OptionError, "in the future", {"as_of": date.today() + timedelta(days=1)}),
        (OptionError, "--custodian", {"custodian": " "}),
        (OptionError, "--certify", {"certify": "shredded"}),
    ]
    for error, message, change in cases:
        arguments: dict[str, object] = {
            "notice_id": notice, "custodian": "R. Diaz", "title": "Records Officer",
            "as_of": day, **change,
        }  # fmt: skip
        with pytest.raises(error, match=message) as raised:
            acknowledge(ledger, **arguments)  # type: ignore[arg-type]
        assert "\n" not in str(raised.value)
    assert ledger.size() == size


def test_a_superseded_notice_cannot_be_acknowledged(ledger: Ledger, tmp_path: Path) -> None:
    record(ledger, "ICE-1", "ICE", date(2025, 8, 7), released=4)
    orders = tmp_path / "orders"
    pi_order(orders)
    write_order(orders, "stay", "stay-of-order", date(2026, 3, 1), target=PI)
    (first,) = scan(ledger, orders, date(2026, 2, 5)).issued
    (lift,) = scan(ledger, orders, date(2026, 3, 1)).issued
    with pytest.raises(ConflictError, match=f"superseded by {lift}"):
        acknowledge(ledger, first, "R. Diaz", "Records Officer", date(2026, 3, 2))
    # Before the lifting notice it could be, and was then overdue.
    assert acknowledge(ledger, first, "R. Diaz", "Records Officer", date(2026, 2, 20)).status.late


# -- the pure function, against an oracle ----------------------------------------------------

ORDER = Order(
    id="o", kind="preliminary-injunction", case="c", court="x", citation="c",
    issued=date(2026, 1, 1), effective=date(2026, 1, 1), path=Path("o.toml"),
)  # fmt: skip
DAY0 = date(2026, 1, 1)
offsets = st.integers(min_value=0, max_value=60)


def _notice(index: int, issued: int, deadline: int | None, lift: bool) -> Notice:
    doc = {
        "notice_id": f"N-{index}",
        "action": "lift" if lift else "comply",
        "as_of": (DAY0 + timedelta(issued)).isoformat(),
        "order": {"id": "o"},
        "recipient": "ICE",
        "items": 1,
        "deadline": None if deadline is None else (DAY0 + timedelta(deadline)).isoformat(),
        "certify": [] if lift else ["quarantined"],
    }
    return Notice(doc, "", "", index)


def _oracle(
    notices: list[Notice], acks: list[Acknowledgement], stay: int | None, day: date
) -> dict[str, str]:
    issued = sorted((n for n in notices if n.as_of <= day), key=lambda n: (n.as_of, n.index))
    found = {}
    for position, n in enumerate(issued):
        mine = [a for a in acks if a.notice_id == n.notice_id and a.as_of <= day]
        if position + 1 < len(issued):
            # Replaced: by a lifting notice, its obligations ended; otherwise superseded.
            lifted = issued[position + 1].action == "lift"
            found[n.notice_id] = "released" if lifted else "superseded"
        elif n.action == "lift" or (stay is not None and day >= DAY0 + timedelta(stay)):
            found[n.notice_id] = "released"
        elif any(a.certificate for a in mine):
            found[n.notice_id] = "certified"
        elif mine:
            found[n.notice_id] = "acknowledged"
        elif n.deadline is not None and day > n.deadline:
            found[n.notice_id] = "overdue"
        else:
            found[n.notice_id] = "pending"
    return found


@settings(max_examples=300, deadline=None)
@given(
    shapes=st.lists(st.tuples(offsets, st.none() | offsets, st.booleans()), min_size=1, max_size=4),
    given_acks=st.lists(
        st.tuples(st.integers(0, 3), offsets, st.sampled_from(["", "quarantined"])), max_size=5
    ),
    stay=st.none() | offsets,
    day=offsets,
    seed=st.integers(0, 2**16),
)
def test_states_are_a_pure_function_of_entries_and_day(
    shapes: list[tuple[int, int | None, bool]],
    given_acks: list[tuple[int, int, str]],
    stay: int | None,
    day: int,
    seed: int,
) -> None:
    notices = [_notice(i, *shape) for i, shape in enumerate(shapes)]
    acks = [
        Acknowledgement(
            f"N-{n % len(notices)}", "c", "t", DAY0 + timedelta(at), kind, index=100 + i
        )
        for i, (n, at, kind) in enumerate(given_acks)
    ]
    orders = [ORDER]
    if stay is not None:
        orders.append(
            Order(
                id="s",
                kind="stay-of-order",
                case="c",
                court="x",
                citation="c",
                target="o",
                issued=DAY0 + timedelta(stay),
                effective=DAY0 + timedelta(stay),
                path=Path("s.toml"),
            )
        )
    when = DAY0 + timedelta(day)
    expected = _oracle(notices, acks, stay, when)
    assert {s.notice_id: s.status for s in states(notices, acks, orders, when)} == expected
    shuffled = random.Random(seed)
    notices2, acks2 = notices[:], acks[:]
    shuffled.shuffle(notices2)
    shuffled.shuffle(acks2)
    again = states(notices2, acks2, orders[::-1], when)
    assert again == states(notices, acks, orders, when)
