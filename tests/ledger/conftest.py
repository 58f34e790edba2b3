"""Ledger fixtures: every test gets a fresh SQLite file or a fresh PostgreSQL schema.

PostgreSQL is real, never mocked: ``TAXGATE_TEST_PG_URL`` names a server, else
``scripts/ensure-postgres.sh`` installs/starts a local one. If that fails, the PostgreSQL tests
FAIL with the script's message; they are never skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import pytest

from taxgate.ledger import Entry, Ledger


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def ledger(store_url: str, key_dir: Path) -> Iterator[Ledger]:
    with Ledger.open(store_url, key_dir) as opened:
        yield opened


def decisions(batch: str, items: Iterable[int], subject: str = "") -> list[Entry]:
    """Item decisions as the decide stage records them; every third one a release."""
    out = []
    for i in items:
        released = i % 3 == 0
        out.append(
            Entry(
                kind="decision",
                batch=batch,
                item=f"item-{i}",
                outcome="release" if released else "withhold",
                reasons=() if released else ("match.none",),
                rules=("permit-6103-i-2",) if released else ("deny-no-match",),
                policy_hash="ab" * 32,
                as_of=date(2025, 8, 6),
                actor="taxgate decide",
                subject=subject if released else "",
                match_bp=9950 if released else 120,
                recipient="ICE" if released else "",
                purpose="criminal" if released else "",
                basis="6103(i)(2)" if released else "",
                fields=("street", "unit", "city", "state", "zip") if released else (),
                digest="cd" * 32 if released else "",
            )
        )
    return out
