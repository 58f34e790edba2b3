"""The service reads settled entries once, yet sees what other writers record meanwhile:
a batch the CLI decides appears, and an item an officer decides leaves the queue."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from service_kit import Served

from taxgate.ledger import Ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.review import VerdictRequest, give_verdict


def test_what_another_writer_records_is_seen_at_once(served: Served, tmp_path: Path) -> None:
    officer = served.auth("pete")
    before = {b["batch"] for b in served.client.get("/api/batches", headers=officer).json()}
    queue = served.client.get("/api/review", headers=officer).json()
    assert queue

    # The CLI's decide, in its own connection to the same store.
    result = decide(
        served.world.manifest,
        DecideOptions(
            world=served.world.world,
            as_of=date(2025, 10, 1),
            out=tmp_path / "out",
            store_url=served.config.store_url,
            key_dir=served.config.key_dir,
            actor="olga",
        ),
    )
    after = {b["batch"] for b in served.client.get("/api/batches", headers=officer).json()}
    assert after == before | {result.batch_id}
    # The request was decided again: its items now wait in the new batch, not the old one.
    waiting = served.client.get("/api/review", headers=officer).json()
    assert {w["batch"] for w in waiting} == {result.batch_id}
    expected = sum(1 for o in result.decisions["outcome"].to_pylist() if o == "review")
    assert len(waiting) == expected

    item = waiting[0]["item"]
    verdict = VerdictRequest("withhold", "kim", "cannot tell", date.today())
    with Ledger.open(served.config.store_url, served.config.key_dir, create=False) as ledger:
        give_verdict(ledger, result.batch_id, item, verdict, tmp_path / "amendments")
    left = served.client.get("/api/review", headers=officer).json()
    assert item not in {w["item"] for w in left}
    assert len(left) == expected - 1
