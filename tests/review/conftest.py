"""One decided batch with items in review, shared by the review tests.

A small generated world and a ``mixed`` ICE request are decided once as of 2025-08-07 into a
SQLite store; each test works on its own copy of that store, so verdicts never leak between
tests.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from taxgate.ledger import Ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.review import open_case
from taxgate.review.findings import identity_findings
from taxgate.settings import load_settings
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

AS_OF = date(2025, 8, 7)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Decided:
    world: Path
    manifest: Path
    store: Path  # the SQLite file, never written by tests (copy it)
    keys: Path
    batch: str
    review: tuple[str, ...]  # items decided review
    releasable: tuple[tuple[str, str], ...]  # (item, true tin): a candidate, address on file
    decided_other: str  # an item decided withhold


@dataclass(frozen=True)
class Store:
    url: str
    keys: Path

    def open(self) -> Ledger:
        return Ledger.open(self.url, self.keys)


@pytest.fixture(scope="session")
def decided(tmp_path_factory: pytest.TempPathFactory) -> Decided:
    root = tmp_path_factory.mktemp("review")
    world, request = root / "world", root / "mixed"
    generate_world(world, taxpayers=3_000, seed=11)
    generate_request(world, request, kind="mixed", size=120, seed=11)
    manifest = request / "request.toml"
    store, keys = root / "ledger.db", root / "keys"
    result = decide(
        manifest,
        DecideOptions(
            world=world,
            as_of=AS_OF,
            out=root / "out",
            store_url=f"sqlite:///{store}",
            key_dir=keys,
        ),
    )
    rows = read_csv(root / "out" / "decisions.csv")
    review = tuple(row["item_id"] for row in rows if row["outcome"] == "review")
    other = next(row["item_id"] for row in rows if row["outcome"] == "withhold")
    truth = {row["item_id"]: row["true_tin"] for row in read_csv(request / "truth.csv")}
    identity = load_settings().identity
    releasable = []
    with Ledger.open(f"sqlite:///{store}", keys) as ledger:
        for item in review:
            tin = truth[item]
            if not tin:
                continue
            case = open_case(ledger, result.batch_id, item)
            shown = {c.taxpayer.tin for c in case.candidates}
            if tin in shown and identity_findings(world, case.item, tin, identity) == ([], False):
                releasable.append((item, tin))
            if len(releasable) == 3:
                break
    if len(releasable) < 3:
        pytest.fail("the seeded request has too few review items naming a shown candidate")
    return Decided(world, manifest, store, keys, result.batch_id, review, tuple(releasable), other)


@pytest.fixture
def store(decided: Decided, tmp_path: Path) -> Store:
    """A private copy of the decided store and its keys."""
    copy = tmp_path / "ledger.db"
    shutil.copyfile(decided.store, copy)
    shutil.copytree(decided.keys, tmp_path / "keys")
    return Store(f"sqlite:///{copy}", tmp_path / "keys")
