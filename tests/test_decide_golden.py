"""``taxgate decide`` gives the same bytes for the same inputs: a pin on a small world.

Refactoring must not change a decision. The pinned files in ``tests/golden/decide/`` are what
``decide`` wrote for a generated world and two requests (one ICE-2025-like, one mixed):
``decisions.csv`` and ``response.csv`` byte for byte, the counts of ``summary.json``, and each
ledger entry without the time it was recorded. A change to identity or the law that is meant
to change decisions regenerates them (``TAXGATE_UPDATE_GOLDEN=1``), and the diff of the
pinned files in review shows exactly which items changed and why.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from taxgate.ledger import Ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request

GOLDEN = Path(__file__).parent / "golden" / "decide"
UPDATE = os.environ.get("TAXGATE_UPDATE_GOLDEN") == "1"
# What depends on the machine or the clock, not on the decision.
VOLATILE_SUMMARY = ("tree_head", "seconds")
VOLATILE_ENTRY = ("recorded",)
# A subject is a hash keyed by the ledger's own (random) key: pinned is only that it is there.
KEYED = ("subject",)
VOLATILE_DETAILS = ("manifest", "world", "orders")


def _stable_entry(body: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(body)
    for key in VOLATILE_ENTRY:
        doc.pop(key, None)
    for key in KEYED:
        if key in doc:
            doc[key] = "<keyed>"
    details = doc.get("details")
    if isinstance(details, dict):
        for key in VOLATILE_DETAILS:
            details.pop(key, None)
    return doc


def _compare(name: str, produced: bytes) -> None:
    pinned = GOLDEN / name
    if UPDATE:
        pinned.parent.mkdir(parents=True, exist_ok=True)
        pinned.write_bytes(produced)
        return
    assert pinned.exists(), f"{pinned} missing: run with TAXGATE_UPDATE_GOLDEN=1 once"
    assert produced == pinned.read_bytes(), f"{name} differs from the pinned output"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ice-2025", "mixed"])
def test_decide_output_is_pinned(tmp_path: Path, kind: str) -> None:
    world = tmp_path / "world"
    generate_world(world, taxpayers=3_000, seed=23)
    request = tmp_path / "request"
    generate_request(world, request, kind=kind, size=200, seed=23)
    store = f"sqlite:///{tmp_path / 'store.db'}"
    options = DecideOptions(
        world=world,
        as_of=date(2025, 8, 7),
        out=tmp_path / "out",
        store_url=store,
        key_dir=tmp_path / "keys",
    )
    decide(request / "request.toml", options)

    out = tmp_path / "out"
    _compare(f"{kind}/decisions.csv", (out / "decisions.csv").read_bytes())
    _compare(f"{kind}/response.csv", (out / "response.csv").read_bytes())
    summary = json.loads((out / "summary.json").read_text())
    for key in VOLATILE_SUMMARY:
        summary.pop(key)
    _compare(
        f"{kind}/summary.json", (json.dumps(summary, indent=1, sort_keys=True) + "\n").encode()
    )
    with Ledger.open(store, tmp_path / "keys", create=False) as ledger:
        lines = [
            json.dumps(_stable_entry(body), sort_keys=True) for _, body in ledger.iter_entries()
        ]
    _compare(f"{kind}/entries.jsonl", ("\n".join(lines) + "\n").encode())
