"""The generator and intake, written independently, agree item by item.

The request generator records which statutory element each item lacks (``expected_intake``);
intake finds it from the item alone, by rule. Any disagreement is a bug in one of them, so
every item of every request kind is compared; batch-level screens are compared separately.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from taxgate import reasons
from taxgate.intake import load_request
from taxgate.world.generate import generate_world
from taxgate.world.request import KINDS, generate_request

SCREENS = {reasons.NOT_SPECIFIC, reasons.OFFICERS}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("world")
    generate_world(path, taxpayers=20_000, seed=3)
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_intake_finds_exactly_what_the_generator_put_there(
    world: Path, tmp_path: Path, kind: str
) -> None:
    generate_request(world, tmp_path, kind=kind, size=1_500, seed=3)
    batch = load_request(tmp_path / "request.toml")
    with (tmp_path / "truth.csv").open(newline="", encoding="utf-8") as handle:
        expected = {
            row["item_id"]: sorted(filter(None, row["expected_intake"].split(";")))
            for row in csv.DictReader(handle)
        }
    found = {
        item_id: sorted(code for code in codes if code not in SCREENS)
        for item_id, codes in zip(
            batch.items["item_id"].to_pylist(), batch.items["reasons"].to_pylist(), strict=True
        )
    }
    disagreements = {
        key: (found[key], expected[key]) for key in expected if found[key] != expected[key]
    }
    assert not disagreements, list(disagreements.items())[:10]

    screened = {code for codes in batch.items["reasons"].to_pylist() for code in codes} & SCREENS
    if kind == "ice-2025":
        # One reason text and one investigation id on every item (D. Mass., 5 Feb 2026).
        assert reasons.NOT_SPECIFIC in screened
        assert {finding.field for finding in batch.screens} >= {"reason", "investigation_id"}
    else:
        assert not screened, "individualised requests must never be flagged"
