"""Helpers for the remedies tests: decided batches through the real batch writer, and order
files written as TOML the way counsel would write them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from taxgate.ledger import Ledger
from taxgate.ledger.batches import record_batch
from taxgate.model import RELEASE, WITHHOLD, BatchRecord, ReleaseTerms

PI = "pi-2026-02-05"  # the order most tests turn on and off


@dataclass(frozen=True)
class Batch:
    batch: str
    recipient: str
    as_of: date
    released: int  # what the test wrote: the figure the reach must find


def record(
    ledger: Ledger,
    request: str,
    recipient: str,
    as_of: date,
    released: int,
    withheld: int = 3,
    *,
    purpose: str = "criminal",
    fields: tuple[str, ...] = ("address",),
    review: int = 0,
) -> Batch:
    """A decided batch of ``released + withheld + review`` items, recorded as decide does."""
    outcomes = [RELEASE] * released + [WITHHOLD] * withheld + ["review"] * review
    # Interleaved, so released items are not a contiguous run of the log.
    outcomes = outcomes[::2] + outcomes[1::2]
    count = len(outcomes)
    table = pa.table(
        {
            "item_id": [f"{request}-{i:04d}" for i in range(count)],
            "outcome": outcomes,
            "reasons": pa.array(
                [
                    [] if o == RELEASE else ["match.ambiguous" if o == "review" else "match.none"]
                    for o in outcomes
                ],
                pa.list_(pa.string()),
            ),
            "rules": pa.array([["r"] for _ in outcomes], pa.list_(pa.string())),
            "tin": [f"000{i:06d}" if o == RELEASE else "" for i, o in enumerate(outcomes)],
            "match_probability": pa.array([0.999 if o == RELEASE else None for o in outcomes]),
        }
    )
    batch = f"{request}@{as_of.isoformat()}"
    record_batch(
        ledger,
        BatchRecord(
            batch=batch,
            request=request,
            as_of=as_of,
            terms=ReleaseTerms(recipient, purpose, "6103(i)(2)", fields),
            items=count,
            provided=released,
            response_sha256=hashlib.sha256(batch.encode()).hexdigest(),
            decisions_sha256="0" * 64,
            policy_sha256="0" * 64,
            settings_sha256="0" * 64,
            orders_in_force=(),
            manifest=Path("/nowhere/request.toml"),
            world=Path("/nowhere/world"),
            orders=None,
            sealed_sha256="ab" * 32 if recipient == "ICE" else "",
        ),
        table,
        {},
    )
    return Batch(batch, recipient, as_of, released)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_order(folder: Path, order_id: str, kind: str, effective: date, **fields: Any) -> Path:
    """One order file; a barring order reaches everything of DHS by default."""
    doc: dict[str, Any] = {
        "id": order_id,
        "case": f"Case of {order_id}",
        "court": "D. Test",
        "kind": kind,
        "issued": effective,
        "effective": effective,
        "citation": f"No. {order_id} (D. Test)",
    }
    if kind not in ("stay-of-order", "vacatur", "denial"):
        doc.update(
            disclosers=["IRS"], recipients=["DHS"], data=["*"], purposes=["*"],
            reaches_prior_disclosures=True,
        )  # fmt: skip
    doc.update(fields)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{order_id}.toml"
    path.write_text("".join(f"{key} = {_toml(value)}\n" for key, value in doc.items()))
    return path


def pi_order(folder: Path, **fields: Any) -> Path:
    fields.setdefault("notice_deadline", date(2026, 2, 10))
    return write_order(folder, PI, "preliminary-injunction", date(2026, 2, 5), **fields)


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def ledger(store_url: str, keys: Path) -> Iterator[Ledger]:
    with Ledger.open(store_url, keys) as opened:
        yield opened
