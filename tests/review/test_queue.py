"""The queue: what waits for an officer, read from the ledger."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxgate.cli.review import app
from taxgate.errors import TaxgateError
from taxgate.ledger import Entry, Ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.review import VerdictRequest, decide_case, open_case, pending

from .conftest import AS_OF, Decided, Store

runner = CliRunner()


def test_list_shows_every_review_item_with_probability_and_date(
    decided: Decided, store: Store
) -> None:
    with store.open() as ledger:
        waiting = pending(ledger)
    assert [entry.item for entry in waiting] == list(decided.review)
    assert {entry.batch for entry in waiting} == {decided.batch}
    assert all(entry.as_of == AS_OF for entry in waiting)
    assert all(0 < (entry.match_probability or 0) <= 1 for entry in waiting)

    shown = runner.invoke(app, ["list", "--store", store.url, "--keys", str(store.keys), "--json"])
    assert shown.exit_code == 0, shown.output
    assert [line for line in shown.output.splitlines() if decided.review[0] in line]
    assert decided.decided_other not in shown.output


def test_a_decided_item_leaves_the_queue(decided: Decided, store: Store, tmp_path: Path) -> None:
    item = decided.review[0]
    with store.open() as ledger:
        case = open_case(ledger, decided.batch, item)
        verdict = VerdictRequest("withhold", "Officer A", "cannot tell", AS_OF)
        decide_case(ledger, case, verdict, tmp_path)
        left = [entry.item for entry in pending(ledger, decided.batch)]
    assert item not in left
    assert len(left) == len(decided.review) - 1


def test_unknown_batch_is_one_line_error(store: Store) -> None:
    with store.open() as ledger, pytest.raises(TaxgateError, match="unknown batch 'nope'"):
        pending(ledger, "nope")


def test_a_later_batch_of_the_same_request_replaces_the_queue(
    decided: Decided, store: Store, tmp_path: Path
) -> None:
    """Every item's latest decision is in the newest batch: after the stay, nothing of the
    request is in review any more (the order withholds it all)."""
    later = decide(
        decided.manifest,
        DecideOptions(
            world=decided.world,
            as_of=date(2025, 11, 22),
            out=tmp_path / "later",
            store_url=store.url,
            key_dir=store.keys,
        ),
    )
    with store.open() as ledger:
        assert pending(ledger, decided.batch) == []
        assert pending(ledger) == pending(ledger, later.batch_id) == []
        with pytest.raises(TaxgateError, match="decided again in batch"):
            open_case(ledger, decided.batch, decided.review[0])


def test_entries_of_reads_one_kind_of_one_batch(decided: Decided, store: Store) -> None:
    with store.open() as ledger:
        ledger.append_batch([Entry("verdict", "other@2025-01-01", item="x", outcome="review")])
        decisions = ledger.entries_of("decision", batch=decided.batch)
        reviews = ledger.entries_of("decision", contains='"outcome":"review"')
        verdicts = ledger.entries_of("verdict")
        nothing = ledger.entries_of("decision", batch=decided.batch, contains="100%_no")
    assert len(decisions) > len(reviews) == len(decided.review)
    assert [index for index, _ in decisions] == sorted(index for index, _ in decisions)
    assert {doc["item"] for _, doc in reviews} == set(decided.review)
    assert [(doc["batch"], doc["item"]) for _, doc in verdicts] == [("other@2025-01-01", "x")]
    assert nothing == []


def test_entries_of_on_every_store(store_url: str, tmp_path: Path) -> None:
    """The helper the queue reads through, on SQLite and PostgreSQL alike; a LIKE wildcard in
    ``contains`` is matched literally."""
    entries = [
        Entry("decision", "b@2025-08-07", item="1", outcome="review"),
        Entry("decision", "b@2025-08-07", item="2", outcome="withhold"),
        Entry("decision", "c@2025-08-07", item="1", outcome="review"),
        Entry("release", "b@2025-08-07", outcome="release", details={"note": "100%"}),
    ]
    with Ledger.open(store_url, tmp_path / "keys") as ledger:
        ledger.append_batch(entries)
        review = ledger.entries_of("decision", batch="b@2025-08-07", contains='"outcome":"review"')
        everywhere = ledger.entries_of("decision", contains='"outcome":"review"')
        percent = ledger.entries_of("release", contains="100%")
        wildcard = ledger.entries_of("release", contains="1_0")
    assert [(index, doc["item"]) for index, doc in review] == [(0, "1")]
    assert [doc["batch"] for _, doc in everywhere] == ["b@2025-08-07", "c@2025-08-07"]
    assert len(percent) == 1 and wildcard == []


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["show", "SOME-BATCH@2025-08-07", "ITEM-1", "--officer", "A. Roe"],
        ["decide", "B@2025-08-07", "I-1", "--withhold", "--reason", "no", "--officer", "A. Roe"],
    ],
)
def test_a_mistyped_store_is_an_error_and_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    """An empty queue from a store that does not exist would look like work done."""
    typo = tmp_path / "no" / "such.db"
    done = runner.invoke(
        app, [*command, "--store", f"sqlite:///{typo}", "--keys", str(tmp_path / "keys")]
    )
    assert isinstance(done.exception, TaxgateError)
    assert "no ledger there" in str(done.exception)
    assert not (tmp_path / "no").exists() and not (tmp_path / "keys").exists()
