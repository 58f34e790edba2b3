"""Tamper evidence on a real store: editing, deleting, reordering or inserting rows behind the
ledger's back makes ``verify`` fail and name the first bad entry (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from taxgate.ledger import Entry, Ledger, merkle
from taxgate.ledger.entries import encode

from .conftest import decisions


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    ledger.append_batch(decisions("ICE-1", range(60), subject=ledger.subject("000123456")))
    ledger.append_batch(decisions("ICE-2", range(40)))
    assert ledger.verify().ok
    return ledger


@pytest.fixture
def db(store_url: str) -> Iterator[Engine]:
    """A connection that goes around the ledger, as an insider with database access would."""
    engine = create_engine(store_url, poolclass=NullPool)
    yield engine
    engine.dispose()


def sql(db: Engine, statement: str, **params: object) -> None:
    with db.begin() as conn:
        conn.execute(text(statement), params)


def body_of(db: Engine, index: int) -> str:
    with db.connect() as conn:
        return str(
            conn.execute(
                text("SELECT body FROM ledger_entries WHERE idx = :i"), {"i": index}
            ).scalar()
        )


def failure(ledger: Ledger) -> tuple[int | None, str]:
    result = ledger.verify()
    assert not result.ok
    return result.first_bad_index, result.reason


def test_editing_an_entry_names_it(filled: Ledger, db: Engine) -> None:
    sql(db, "UPDATE ledger_entries SET body = REPLACE(body, 'withhold', 'release') WHERE idx = 58")
    index, reason = failure(filled)
    assert index == 58 and "does not match its recorded hash" in reason


def test_editing_an_entry_and_its_hash_is_caught_by_the_tree(filled: Ledger, db: Engine) -> None:
    forged = body_of(db, 58).replace("withhold", "release")
    assert forged != body_of(db, 58)
    leaf = merkle.leaf_hash(forged.encode())
    sql(db, "UPDATE ledger_entries SET body = :b, leaf_hash = :h WHERE idx = 58", b=forged, h=leaf)
    result = filled.verify()
    # A hash over both entries cannot tell which one changed: the message names the pair.
    assert str(result).startswith("FAILED: entries 58..59: the tree node stored over them")
    assert (result.first_bad_index, result.last_bad_index) == (58, 59)


def test_a_rehashed_edit_of_a_right_child_names_the_pair_not_only_its_neighbour(
    filled: Ledger, db: Engine
) -> None:
    forged = body_of(db, 5).replace("withhold", "release")
    assert forged != body_of(db, 5)
    leaf = merkle.leaf_hash(forged.encode())
    sql(db, "UPDATE ledger_entries SET body = :b, leaf_hash = :h WHERE idx = 5", b=forged, h=leaf)
    assert str(filled.verify()).startswith("FAILED: entries 4..5: ")


def test_hiding_a_disclosure_from_the_accounting_is_caught(filled: Ledger, db: Engine) -> None:
    sql(db, "UPDATE ledger_entries SET subject = NULL WHERE idx = 3")
    assert filled.verify().first_bad_index == 3


def test_deleting_an_entry_names_it(filled: Ledger, db: Engine) -> None:
    sql(db, "DELETE FROM ledger_entries WHERE idx = 57")
    assert failure(filled) == (57, "entry 57 is missing (deleted)")


def test_deleting_the_last_entry_names_it(filled: Ledger, db: Engine) -> None:
    sql(db, "DELETE FROM ledger_entries WHERE idx = 99")
    assert failure(filled)[0] == 99


def test_reordering_two_entries_names_the_first(filled: Ledger, db: Engine) -> None:
    sql(db, "UPDATE ledger_entries SET idx = -1 WHERE idx = 41")
    sql(db, "UPDATE ledger_entries SET idx = 41 WHERE idx = 40")
    sql(db, "UPDATE ledger_entries SET idx = 40 WHERE idx = -1")
    assert failure(filled)[0] == 40


def forged_row(db: Engine, index: int) -> None:
    body = encode(Entry("decision", "FORGED", "x", outcome="withhold"), "2025-08-06T00:00:00Z")
    sql(
        db,
        "INSERT INTO ledger_entries (idx, kind, batch, item, subject, body, leaf_hash) "
        "VALUES (:i, 'decision', 'FORGED', 'x', NULL, :b, :h)",
        i=index,
        b=body.decode(),
        h=merkle.leaf_hash(body),
    )


def test_inserting_an_entry_at_the_end_names_it(filled: Ledger, db: Engine) -> None:
    forged_row(db, 100)
    index, reason = failure(filled)
    assert index == 100 and "not covered by any signed tree head" in reason


def test_inserting_an_entry_in_the_middle_names_it(filled: Ledger, db: Engine) -> None:
    sql(db, "UPDATE ledger_entries SET idx = -idx - 1 WHERE idx >= 30")
    sql(db, "UPDATE ledger_entries SET idx = -idx WHERE idx < 0")
    forged_row(db, 30)
    assert failure(filled)[0] == 30


def test_altering_a_signed_tree_head_is_caught(filled: Ledger, db: Engine) -> None:
    sql(db, "UPDATE ledger_tree_heads SET root = :r WHERE size = 60", r="00" * 32)
    index, reason = failure(filled)
    assert index is None and "tree head #1" in reason and "signature" in reason


def test_rewriting_history_consistently_is_caught_by_the_signed_head(
    filled: Ledger, db: Engine
) -> None:
    """An insider who recomputes every hash and node still cannot re-sign the head."""
    with db.connect() as conn:
        bodies = [
            str(b) for (b,) in conn.execute(text("SELECT body FROM ledger_entries ORDER BY idx"))
        ]
    bodies[10] = bodies[10].replace("withhold", "release")
    assert "release" in bodies[10]
    leaves = [merkle.leaf_hash(b.encode()) for b in bodies]
    sql(
        db,
        "UPDATE ledger_entries SET body = :b, leaf_hash = :h WHERE idx = 10",
        b=bodies[10],
        h=leaves[10],
    )
    sql(db, "DELETE FROM ledger_nodes")
    with db.begin() as conn:
        for key, value in merkle.CompactRange().extend(leaves):
            conn.execute(
                text("INSERT INTO ledger_nodes (pos, hash) VALUES (:p, :h)"), {"p": key, "h": value}
            )
    result = filled.verify()
    assert str(result).startswith("FAILED: entries 0..59: ")
    assert "do not produce the root signed for size 60" in result.reason


def test_a_forged_disclosure_below_entry_0_is_caught(filled: Ledger, db: Engine) -> None:
    """Outside the tree yet found by the accounting, so verify must not ignore it."""
    forged_row(db, -1)
    assert failure(filled) == (-1, "it lies outside the log, below entry 0 (inserted)")


def test_a_stray_tree_node_is_caught(filled: Ledger, db: Engine) -> None:
    sql(db, "INSERT INTO ledger_nodes (pos, hash) VALUES (5, :h)", h=b"\0" * 32)
    assert "ledger_nodes holds 1 row(s) that are not tree nodes" in failure(filled)[1]


def test_a_dropped_table_is_named_not_a_traceback(filled: Ledger, db: Engine) -> None:
    sql(db, "DROP TABLE ledger_tree_heads")
    assert failure(filled) == (None, "table ledger_tree_heads is missing (dropped or renamed)")
