"""A large ledger of decided batches, recorded through the real batch writer, for benchmarks.

    from ledger_fixture import build_ledger
    build_ledger(store_url, key_dir, entries=10_000_000, releases=1_000_000, batches=100)

Each batch is a request of ``entries // batches`` items decided as of its own date (spread
over 2025-05-01 .. 2026-04-30, so orders of the 2025-2026 timeline reach some and not
others), to one of a few recipients (ICE, USCIS, CBP, FBI, DEA by turns) for a criminal
purpose under 6103(i)(2); ``releases // batches`` of its items are released to a keyed
subject drawn from ``taxpayers`` synthetic TINs (000-prefixed, never issued), the rest
withheld for one of a few reasons. Entries go through ``ledger.batches.record_batch``, so
they are byte-for-byte what ``taxgate decide`` records; nothing is sealed or published.

Reused by the remedies and reports benchmarks: building 10M entries takes a few minutes, so
``build_ledger`` reuses a store whose stamp says it holds the same shape.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from taxgate.ledger import Ledger
from taxgate.ledger.batches import record_batch
from taxgate.model import RELEASE, WITHHOLD, BatchRecord, ReleaseTerms

RECIPIENTS = ("ICE", "USCIS", "CBP", "FBI", "DEA")
WITHHELD_REASONS = (
    ("request.no-address",),
    ("match.none",),
    ("match.ambiguous",),
    ("request.not-specific",),
)
FIRST_DAY, DAYS = date(2025, 5, 1), 365


def _batch_table(n: int, released: int, taxpayers: int, rng: random.Random) -> pa.Table:
    outcomes = [RELEASE] * released + [WITHHOLD] * (n - released)
    rng.shuffle(outcomes)
    reasons, rules, tins, probability = [], [], [], []
    for outcome in outcomes:
        if outcome == RELEASE:
            reasons.append([])
            rules.append(["6103-i2-written-request"])
            tins.append(f"000{rng.randrange(taxpayers):06d}")
            probability.append(0.9999)
        else:
            why = rng.choice(WITHHELD_REASONS)
            reasons.append(list(why))
            rules.append(["finding-" + why[0].replace(".", "-")])
            tins.append("")
            probability.append(None)
    return pa.table(
        {
            "item_id": [f"ITEM-{i:07d}" for i in range(n)],
            "outcome": outcomes,
            "reasons": pa.array(reasons, pa.list_(pa.string())),
            "rules": pa.array(rules, pa.list_(pa.string())),
            "tin": tins,
            "match_probability": pa.array(probability, pa.float64()),
        }
    )


def build_ledger(
    store_url: str,
    key_dir: Path,
    *,
    entries: int = 10_000_000,
    releases: int = 1_000_000,
    batches: int = 100,
    taxpayers: int = 1_000_000,
    seed: int = 7,
    stamp: Path | None = None,
) -> list[BatchRecord]:
    """Record ``batches`` decided batches holding ``entries`` decisions in all, ``releases``
    of them released; return their records. Reuses a ledger whose ``stamp`` file matches."""
    shape = {
        "entries": entries,
        "releases": releases,
        "batches": batches,
        "taxpayers": taxpayers,
        "seed": seed,
    }
    rng = random.Random(seed)
    per_batch, released = entries // batches, releases // batches
    records = []
    for number in range(batches):
        day = FIRST_DAY + timedelta(days=number * DAYS // batches)
        request = f"BENCH-{number:04d}"
        records.append(
            BatchRecord(
                batch=f"{request}@{day.isoformat()}",
                request=request,
                as_of=day,
                terms=ReleaseTerms(
                    RECIPIENTS[number % len(RECIPIENTS)], "criminal", "6103(i)(2)", ("address",)
                ),
                items=per_batch,
                provided=released,
                response_sha256=f"{number:064x}",
                decisions_sha256=f"{number + batches:064x}",
                policy_sha256="ab" * 32,
                settings_sha256="cd" * 32,
                orders_in_force=(),
                manifest=Path(f"/bench/{request}/request.toml"),
                world=Path("/bench/world"),
                orders=None,
            )
        )
    if stamp is not None and stamp.is_file() and json.loads(stamp.read_text()) == shape:
        return records
    with Ledger.open(store_url, key_dir) as ledger:
        for record in records:
            table = _batch_table(per_batch, released, taxpayers, rng)
            record_batch(ledger, record, table, {})
    if stamp is not None:
        stamp.write_text(json.dumps(shape))
    return records
