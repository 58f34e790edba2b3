"""``taxgate review show``: the item beside its candidates and their match weights."""

from __future__ import annotations

import json

import pyarrow as pa
from typer.testing import CliRunner

from taxgate.cli.review import app
from taxgate.duck import connect
from taxgate.model import ITEM_PERSON_COLUMNS
from taxgate.review.findings import identity_findings
from taxgate.settings import load_settings
from taxgate.world.io import open_world

from .conftest import Decided, Store

runner = CliRunner()


def _show(batch: str, item: str, store: Store) -> list[str]:
    return ["show", batch, item, "--store", store.url, "--keys", str(store.keys)]


def test_show_prints_item_candidates_and_weights(decided: Decided, store: Store) -> None:
    item, tin = decided.releasable[0]
    shown = runner.invoke(
        app,
        [*_show(decided.batch, item, store), "--officer", "A. Officer"],
        env={"COLUMNS": "160"},
    )
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert f"item {item} as requested" in text
    assert "candidate taxpayers" in text and tin in text
    assert "match weights, candidate 1" in text
    for comparison in ("prior", "given", "surname", "dob", "address", "total"):
        assert comparison in text
    assert "match.ambiguous" in text  # the decision's reason


def test_show_of_an_item_not_in_review_is_refused(decided: Decided, store: Store) -> None:
    shown = runner.invoke(
        app,
        [*_show(decided.batch, decided.decided_other, store), "--officer", "A. Officer"],
    )
    assert shown.exit_code != 0
    assert "is not in review" in str(shown.exception)


def test_every_showing_is_recorded_with_the_officer_and_the_taxpayers_shown(
    decided: Decided, store: Store
) -> None:
    """IRS Pub. 1075: an audit record of each access to FTI, who and what, so that browsing
    (§7213A) can be told from work. Looking twice is two records; looking is no disclosure."""
    item, tin = decided.releasable[0]
    with store.open() as ledger:
        disclosed = ledger.accounting(tin)
    for officer in ("A. Officer", "B. Officer"):
        shown = runner.invoke(app, [*_show(decided.batch, item, store), "--officer", officer])
        assert shown.exit_code == 0, shown.output
    with store.open() as ledger:
        looks = [doc for _, doc in ledger.entries_of("inspection", batch=decided.batch)]
        assert [doc["actor"] for doc in looks] == ["A. Officer", "B. Officer"]
        assert all(doc["details"]["item"] == item for doc in looks)
        assert all(ledger.subject(tin) in doc["details"]["shown"] for doc in looks)
        assert all(tin not in json.dumps(doc) for doc in looks)  # subject keys, never the TIN
        assert ledger.verify().ok
        assert ledger.accounting(tin) == disclosed


def test_showing_without_an_officer_is_refused_and_records_nothing(
    decided: Decided, store: Store
) -> None:
    item, _ = decided.releasable[0]
    with store.open() as ledger:
        before = ledger.size()
    shown = runner.invoke(app, _show(decided.batch, item, store))
    assert shown.exit_code != 0
    assert "--officer" in str(shown.exception)
    with store.open() as ledger:
        assert ledger.size() == before


def _item(world_row: dict[str, str], item_id: str) -> pa.Table:
    columns = ITEM_PERSON_COLUMNS[1:]  # all but item_id
    row = {"item_id": item_id, **{name: world_row.get(name, "") for name in columns}}
    return pa.Table.from_pylist([row], schema=pa.schema([(name, pa.string()) for name in row]))


def test_address_agreement_is_against_the_chosen_taxpayer(decided: Decided) -> None:
    con = connect()
    open_world(con, decided.world)
    tin, given, surname, street, unit, city, state, zip_code = con.execute(
        """SELECT t.tin, t.given_name, t.surname, a.street, coalesce(a.unit, ''), a.city,
                  a.state, a.zip
           FROM taxpayers t JOIN addresses a USING (tin) ORDER BY t.tin LIMIT 1"""
    ).fetchall()[0]
    protected = con.execute(
        "SELECT tin FROM taxpayers WHERE protected ORDER BY tin LIMIT 1"
    ).fetchall()[0][0]
    other = con.execute(
        "SELECT street, zip FROM addresses WHERE zip <> ? ORDER BY tin LIMIT 1", [zip_code]
    ).fetchall()[0]
    con.close()
    person = {"given_name": given, "surname": surname, "unit": unit, "city": city, "state": state}
    identity = load_settings().identity
    at_home = _item({**person, "street": street.upper(), "zip": zip_code}, "A")
    elsewhere = _item({**person, "street": other[0], "zip": other[1]}, "B")
    assert identity_findings(decided.world, at_home, tin, identity) == ([], False)
    assert identity_findings(decided.world, elsewhere, tin, identity) == (["match.address"], False)
    found, is_protected = identity_findings(decided.world, at_home, protected, identity)
    assert is_protected and found == ["match.address"]  # not at home: a different person


def test_explain_is_for_sufficient_items_only_and_every_look_is_recorded(
    decided: Decided, store: Store
) -> None:
    """identity explain shows the same candidates as review show: the same rules apply (an
    officer, an inspection entry), and no one is looked up for an item intake refused."""
    from taxgate.cli.identity import app as identity_app
    from taxgate.intake import load_request

    item, tin = decided.releasable[0]
    common = ["--world", str(decided.world), "--manifest", str(decided.manifest)]
    ledger_args = ["--store", store.url, "--keys", str(store.keys)]
    with store.open() as ledger:
        size = ledger.size()

    refused = runner.invoke(identity_app, ["explain", item, *common, *ledger_args])
    assert "--officer" in str(refused.exception)
    items = load_request(decided.manifest).items.to_pylist()
    insufficient = next(row["item_id"] for row in items if row["reasons"])
    refused = runner.invoke(
        identity_app, ["explain", insufficient, *common, "--officer", "A. Officer", *ledger_args]
    )
    assert "not sufficient" in str(refused.exception)
    with store.open() as ledger:
        assert ledger.size() == size

    shown = runner.invoke(
        identity_app, ["explain", item, *common, "--officer", "A. Officer", *ledger_args]
    )
    assert shown.exit_code == 0, shown.output
    assert tin in shown.output
    with store.open() as ledger:
        (look,) = [doc for index, doc in ledger.entries_of("inspection") if index >= size]
        assert look["actor"] == "A. Officer" and look["details"]["by"] == "identity explain"
        assert ledger.subject(tin) in look["details"]["shown"]
        assert ledger.verify().ok
