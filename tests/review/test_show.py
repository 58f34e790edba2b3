"""``taxgate review show``: the item beside its candidates and their match weights."""

from __future__ import annotations

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


def test_show_prints_item_candidates_and_weights(decided: Decided, store: Store) -> None:
    item, tin = decided.releasable[0]
    shown = runner.invoke(
        app,
        ["show", decided.batch, item, "--store", store.url, "--keys", str(store.keys)],
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
        [
            "show",
            decided.batch,
            decided.decided_other,
            "--store",
            store.url,
            "--keys",
            str(store.keys),
        ],
    )
    assert shown.exit_code != 0
    assert "is not in review" in str(shown.exception)


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
