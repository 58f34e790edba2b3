"""A small ledger of decided batches and verdicts, with the test's own list of what it holds.

Batches are recorded through ``ledger.batches.record_batch`` and verdicts as ``review``
records them, so the entries are what ``taxgate decide`` and ``review decide`` write; the
``Recorded`` rows beside them are the independent truth each report is checked against.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from taxgate.ledger import Entry, Ledger
from taxgate.ledger.batches import disclosed, record_batch
from taxgate.model import RELEASE, REVIEW, WITHHOLD, BatchRecord, ReleaseTerms


@dataclass(frozen=True)
class Recorded:
    kind: str  # decision | verdict
    request: str
    recipient: str
    basis: str
    day: date
    item: str
    outcome: str
    reasons: tuple[str, ...]
    tin: str


def record(
    ledger: Ledger,
    request: str,
    recipient: str,
    day: date,
    items: list[tuple[str, str, tuple[str, ...], str]],
    basis: str = "6103(i)(2)",
    truth: list[Recorded] | None = None,
) -> BatchRecord:
    """Record one batch: ``items`` are (item_id, outcome, reasons, tin)."""
    released = sum(1 for _, outcome, _, _ in items if outcome == RELEASE)
    batch = BatchRecord(
        batch=f"{request}@{day}",
        request=request,
        as_of=day,
        terms=ReleaseTerms(recipient, "criminal", basis, ("address",)),
        items=len(items),
        provided=released,
        response_sha256="ab" * 32,
        decisions_sha256="cd" * 32,
        policy_sha256="ef" * 32,
        settings_sha256="01" * 32,
        orders_in_force=(),
        manifest=Path(f"/nowhere/{request}/request.toml"),
        world=Path("/nowhere/world"),
        orders=None,
    )
    table = pa.table(
        {
            "item_id": [i[0] for i in items],
            "outcome": [i[1] for i in items],
            "reasons": pa.array([list(i[2]) for i in items], pa.list_(pa.string())),
            "rules": pa.array(
                [["6103-i2-written-request"] if i[1] == RELEASE else ["finding"] for i in items],
                pa.list_(pa.string()),
            ),
            "tin": [i[3] for i in items],
            "match_probability": pa.array([0.9999 if i[3] else None for i in items], pa.float64()),
        }
    )
    record_batch(ledger, batch, table, {})
    if truth is not None:
        truth += [
            Recorded("decision", request, recipient, basis, day, i, o, r, t) for i, o, r, t in items
        ]
    index = ledger.entries_of("release", batch=batch.batch)[-1][0]
    return BatchRecord(**{**batch.__dict__, "index": index})


def verdict(
    ledger: Ledger,
    batch: BatchRecord,
    item: str,
    outcome: str,
    tin: str,
    day: date,
    truth: list[Recorded] | None = None,
) -> None:
    released = outcome == RELEASE
    ledger.append_batch(
        [
            Entry(
                kind="verdict",
                batch=batch.batch,
                item=item,
                outcome=outcome,
                reasons=() if released else ("match.ambiguous",),
                rules=("6103-i2-written-request",) if released else ("review.officer-withheld",),
                as_of=day,
                actor="Officer Example",
                subject=ledger.subject(tin) if tin else "",
                **(disclosed(batch.terms) if released else {}),
            )
        ]
    )
    if truth is not None:
        truth.append(
            Recorded(
                "verdict",
                batch.request,
                batch.recipient,
                batch.terms.basis,
                day,
                item,
                outcome,
                (),
                tin,
            )
        )


def tin(n: int) -> str:
    return f"000{n:06d}"  # never-issued SSN range: synthetic


@dataclass
class Filled:
    url: str
    keys: Path
    truth: list[Recorded]


@pytest.fixture
def filled(store_url: str, tmp_path: Path) -> Iterator[Filled]:
    """Four requests over 2025-2026, to ICE, USCIS and the FBI, re-decided on a later date
    (so one taxpayer appears in several batches), with review verdicts."""
    keys = tmp_path / "keys"
    truth: list[Recorded] = []
    with Ledger.open(store_url, keys) as ledger:
        ice_items = [
            ("I1", RELEASE, (), tin(1)),
            ("I2", RELEASE, (), tin(2)),
            ("I3", WITHHOLD, ("request.no-address",), ""),
            ("I4", WITHHOLD, ("match.none",), ""),
            ("I5", REVIEW, ("match.ambiguous",), tin(5)),
            ("I6", WITHHOLD, ("request.no-address", "request.not-specific"), ""),
        ]
        first = record(ledger, "ICE-A", "ICE", date(2025, 8, 7), ice_items, truth=truth)
        verdict(ledger, first, "I5", RELEASE, tin(5), date(2025, 8, 20), truth)
        # The same request decided again while the D.D.C. stay barred addresses to ICE.
        again = [
            (
                i,
                WITHHOLD,
                (*r, "order.ctr-stay-2025-11-21")
                if o != RELEASE
                else ("order.ctr-stay-2025-11-21",),
                t,
            )
            for i, o, r, t in ice_items
        ]
        record(ledger, "ICE-A", "ICE", date(2025, 11, 22), again, truth=truth)
        uscis = [(f"U{n}", RELEASE, (), tin(10 + n)) for n in range(4)]
        uscis += [("U9", REVIEW, ("match.ambiguous",), tin(1))]
        second = record(ledger, "USCIS-B", "USCIS", date(2025, 12, 3), uscis, truth=truth)
        verdict(ledger, second, "U9", WITHHOLD, "", date(2025, 12, 10), truth)
        fbi = [("F1", RELEASE, (), tin(1)), ("F2", WITHHOLD, ("taxpayer.protected",), tin(30))]
        record(ledger, "FBI-C", "FBI", date(2026, 1, 15), fbi, basis="6103(i)(1)", truth=truth)
    yield Filled(store_url, keys, truth)
