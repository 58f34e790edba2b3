"""What the world says about the taxpayer an officer chose: address agreement and protection.

When an officer resolves an ambiguous match, the identity findings are those the identity
stage would have reported had it matched that taxpayer itself: ``match.address`` when the
supplied address agrees with no address on file, by the same normalisation and the same
agreement rule as ``identity.resolve`` (tolerant of typos, never of a different house number,
ZIP or unit); and ``taxpayer.protected`` from the world's ``protected`` column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from taxgate import reasons
from taxgate.duck import connect
from taxgate.identity.prepare import prepare_items, prepare_world_for_items
from taxgate.identity.resolve import address_agrees_sql
from taxgate.release import last_known_addresses
from taxgate.settings import IdentitySettings
from taxgate.world.io import open_world, protected_sql


@dataclass(frozen=True)
class Taxpayer:
    """A candidate as the officer sees them: who, born when, where last known."""

    tin: str
    name: str
    date_of_birth: str
    last_address: str
    addresses_on_file: int
    protected: bool


def _only(con: duckdb.DuckDBPyConnection, tins: list[str]) -> None:
    """Narrow the world views to ``tins``: the questions here are about those taxpayers only."""
    con.register("review_tins", pa.table({"tin": pa.array(tins, pa.string())}))
    for name in ("taxpayers", "addresses"):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE review_{name} AS SELECT * FROM {name} "
            "WHERE CAST(tin AS VARCHAR) IN (SELECT tin FROM review_tins)"
        )
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM review_{name}")


def taxpayers(world: Path, tins: list[str]) -> dict[str, Taxpayer]:
    """The candidates ``tins`` as they stand in ``world``, by TIN."""
    con = connect()
    try:
        open_world(con, world)
        _only(con, tins)
        rows = con.execute(
            f"""SELECT CAST(t.tin AS VARCHAR),
                   concat_ws(' ', nullif(t.given_name, ''), nullif(t.middle_name, ''),
                             nullif(t.surname, ''), nullif(t.suffix, '')),
                   coalesce(CAST(t.date_of_birth AS VARCHAR), ''),
                   {protected_sql(con, "t")},
                   (SELECT count(*) FROM addresses a WHERE a.tin = t.tin)
                FROM taxpayers t"""
        ).fetchall()
        last = last_known_addresses(con, pa.array(tins, pa.string())).to_pylist()
    finally:
        con.close()
    where = {
        row["tin"]: ", ".join(
            part
            for part in (row["street"], row["unit"], row["city"], row["state"], row["zip"])
            if part
        )
        for row in last
    }
    return {
        tin: Taxpayer(tin, name, dob, where.get(tin, ""), int(count), bool(protected))
        for tin, name, dob, protected, count in rows
    }


def identity_findings(
    world: Path, item: pa.Table, tin: str, identity: IdentitySettings
) -> tuple[list[str], bool]:
    """(identity reason codes, protected) had ``item`` (one row, raw item columns) been
    matched to ``tin``."""
    con = connect()
    try:
        open_world(con, world)
        _only(con, [tin])
        flag = protected_sql(con, "taxpayers")
        protected = bool(con.execute(f"SELECT bool_or({flag}) FROM taxpayers").fetchall()[0][0])
        prepare_items(con, item, source="request items")
        prepare_world_for_items(con)
        # identity.resolve's match.address rule, for this one taxpayer.
        on_file = con.execute(
            f"""SELECT coalesce(bool_or({address_agrees_sql(identity)}),
                                false)
               FROM tg_item_address a JOIN tg_history h ON h.uid = ?""",
            [tin],
        ).fetchall()[0][0]
    finally:
        con.close()
    return ([] if on_file else [reasons.MATCH_ADDRESS]), protected
