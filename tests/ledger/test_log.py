"""The ledger over a real store (SQLite and PostgreSQL): append, heads, proofs, accounting,
write-ahead lookups and the standalone verifier."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import text

from taxgate.ledger import Entry, Ledger, LedgerError, ProofError
from taxgate.ledger.verify import ENTRIES_FILE, HEAD_FILE, verify_export

from .conftest import decisions


def test_a_batch_is_one_signed_tree_head(ledger: Ledger) -> None:
    head = ledger.append_batch(decisions("ICE-1", range(50)))
    assert head.size == 50
    assert head.check(ledger.keys.public_key) is None
    assert ledger.head() == head
    second = ledger.append_batch(decisions("ICE-2", range(30)))
    assert second.size == 80
    assert ledger.heads() == [head, second]
    assert ledger.verify().ok


def test_head_json_has_exactly_the_contract_fields(ledger: Ledger) -> None:
    ledger.append_batch(decisions("ICE-1", range(3)))
    doc = json.loads(ledger.head().to_json())
    assert list(doc) == ["size", "root", "time", "key_id", "signature"]
    assert doc["size"] == 3 and len(doc["root"]) == 64 and doc["time"].endswith("Z")


def test_an_empty_ledger_has_a_signed_head_of_size_zero(ledger: Ledger) -> None:
    head = ledger.head()
    assert (head.size, head.root) == (
        0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    )
    assert head.check(ledger.keys.public_key) is None
    assert ledger.verify().ok


def test_every_entry_proves_against_every_head(ledger: Ledger) -> None:
    for batch, size in [("A", 7), ("B", 1), ("C", 24)]:
        ledger.append_batch(decisions(batch, range(size)))
    public = ledger.keys.public_key
    for head in ledger.heads():
        for index in range(head.size):
            ledger.prove(index, head.size).check(public)
        for old in range(head.size + 1):
            ledger.consistency(old, head.size).check(public)
    with pytest.raises(LedgerError, match="not in the signed tree"):
        ledger.prove(32)
    with pytest.raises(LedgerError, match="no signed tree head has size"):
        ledger.prove(0, 5)


def test_a_proof_for_one_entry_does_not_prove_another(ledger: Ledger) -> None:
    ledger.append_batch(decisions("A", range(10)))
    proof = ledger.prove(4)
    forged = type(proof)(4, ledger.entry(5), proof.leaf_hash, proof.proof, proof.tree_head)
    with pytest.raises(ProofError, match="does not hash"):
        forged.check(ledger.keys.public_key)


def test_rerunning_a_batch_records_nothing_twice(ledger: Ledger) -> None:
    first = ledger.append_batch(decisions("ICE-1", range(40)))
    again = ledger.append_batch(decisions("ICE-1", range(60)))
    assert again.size == 60  # only the 20 new items were added
    assert ledger.recorded_items("ICE-1") == {f"item-{i}" for i in range(60)}
    assert ledger.append_batch(decisions("ICE-1", range(60))) == again  # nothing new: no new head
    assert ledger.heads()[0] == first
    assert ledger.committed("ICE-1", "item-59")
    assert not ledger.committed("ICE-1", "item-60")
    assert not ledger.committed("ICE-1", kind="release")
    ledger.append_batch([Entry("release", "ICE-1", digest="ef" * 32, recipient="ICE")])
    assert ledger.recorded("ICE-1", kind="release") is not None
    assert ledger.verify().ok


def test_a_duplicate_inside_one_append_is_refused_and_nothing_is_written(ledger: Ledger) -> None:
    twice = decisions("ICE-1", [1, 2, 1])
    with pytest.raises(LedgerError, match="twice"):
        ledger.append_batch(twice)
    assert ledger.head().size == 0
    assert ledger.recorded_items("ICE-1") == set()


def test_accounting_lists_a_taxpayers_disclosures_without_storing_the_tin(
    ledger: Ledger, store_url: str
) -> None:
    tin = "000123456"
    subject = ledger.subject(tin)
    ledger.append_batch(decisions("ICE-1", range(7), subject=subject))
    ledger.append_batch(decisions("ICE-2", range(4), subject=ledger.subject("000999999")))
    found = ledger.accounting(tin)
    assert [(d.batch, d.item) for d in found] == [
        ("ICE-1", "item-0"),
        ("ICE-1", "item-3"),
        ("ICE-1", "item-6"),
    ]
    first = found[0]
    assert (first.recipient, first.purpose, first.basis) == ("ICE", "criminal", "6103(i)(2)")
    assert first.fields == ("street", "unit", "city", "state", "zip")
    assert ledger.accounting("000555555") == []
    assert all(tin not in body for _, body in ledger.iter_entries())


def test_the_standalone_verifier_needs_only_the_export_and_the_key(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.append_batch(decisions("A", range(33)))
    ledger.append_batch(decisions("B", range(9)))
    out = tmp_path / "export"
    head = ledger.export(out)
    assert head.size == 42
    public = ledger.keys.public_key
    assert verify_export(out, public).ok

    lines = (out / ENTRIES_FILE).read_bytes().splitlines(keepends=True)
    lines[35] = lines[35].replace(b"withhold", b"release!")
    (out / ENTRIES_FILE).write_bytes(b"".join(lines))
    result = verify_export(out, public)
    assert not result.ok and result.first_bad_index == 33  # narrowed to batch B

    (out / ENTRIES_FILE).write_bytes(b"".join(lines[:10]))
    (out / "tree-heads.jsonl").unlink()
    assert not verify_export(out, public).ok

    other = Ledger.open(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other-keys")
    with other:
        assert "not the ledger's key" in verify_export(out, other.keys.public_key).reason
    assert json.loads((out / HEAD_FILE).read_text())["size"] == 42


def _append_batches(store_url: str, key_dir: Path, name: str) -> None:
    with Ledger.open(store_url, key_dir) as ledger:
        for number in range(5):
            ledger.append_batch(decisions(f"{name}-{number}", range(40)))


def test_concurrent_writers_queue_and_a_long_reader_blocks_neither(
    ledger: Ledger, store_url: str, key_dir: Path
) -> None:
    ledger.append_batch(decisions("first", range(10)))
    context = multiprocessing.get_context("fork")
    with ledger.store.engine.connect() as reader:
        reader.execute(text("SELECT COUNT(*) FROM ledger_entries")).all()  # open read transaction
        writers = [
            context.Process(target=_append_batches, args=(store_url, key_dir, name))
            for name in ("left", "right")
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(60)
            assert writer.exitcode == 0
    assert ledger.head().size == 10 + 2 * 5 * 40
    assert len(ledger.heads()) == 11
    assert ledger.verify().ok


def test_appending_with_another_key_folder_is_refused(
    ledger: Ledger, store_url: str, tmp_path: Path
) -> None:
    """A mistyped --keys on a store that already holds a signed log must not start signing
    with a fresh key: no one key would verify the log, and per-taxpayer accounting (keyed
    by the ledger's subject key) would no longer find earlier disclosures."""
    ledger.append_batch(decisions("B1", range(3)))
    size = ledger.head().size
    with Ledger.open(store_url, tmp_path / "other-keys") as stranger:
        with pytest.raises(LedgerError, match="pass the ledger's --keys"):
            stranger.append_batch(decisions("B2", range(2)))
        assert stranger.head().size == size
    assert ledger.verify().ok
