"""World and request items as Splink input tables, built in DuckDB SQL.

Design choice: **one row per taxpayer**, carrying arrays over the whole address history
(in no particular order: every comparison asks about *any* element), rather than one row per
taxpayer-address. With one row per person every
candidate pair is a distinct person, so "the best rival for the same item" is always another
taxpayer, never the same taxpayer at an older address; and one combined address comparison
asks "does the supplied address agree with *any* address on file" (see ``model.py``).

Items carry the same columns, their single address as one-element arrays, so the two tables
are symmetric and every comparison reads the same from either side.

Tables created on the connection:
  ``tg_people``       normalised names, DOB and TIN, one row per taxpayer
  ``tg_world``        Splink input, one row per taxpayer (``uid`` = TIN): all of them, a
                      training sample, or only those a request's items can be compared with
  ``tg_items``        Splink input, one row per item (``uid`` = item_id)
  ``tg_history``      normalised address history, one row per spell (for ``match.address``)
  ``tg_item_address`` normalised supplied address, one row per item
  ``tg_tf_given``, ``tg_tf_surname_key``  term frequencies over the world
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import duckdb
import pyarrow as pa

from taxgate.errors import ConfigError, InputError
from taxgate.identity.blocking import BLOCKING_KEYS
from taxgate.identity.columns import (
    BUILDING_GIVEN,
    BUILDING_INITIALS,
    BUILDING_KEY,
    BUILDING_SURNAME,
    install_nicknames,
    name_pair_sql,
    splink_input_sql,
)
from taxgate.identity.normalise import address_sql, install_macros, person_sql
from taxgate.model import ITEM_PERSON_COLUMNS

ITEM_INPUT_COLUMNS: tuple[str, ...] = ITEM_PERSON_COLUMNS


def index_world(con: duckdb.DuckDBPyConnection) -> int:
    """Normalise the whole registered world (``taxgate.world.io.open_world``) once:
    ``tg_people`` (one row per taxpayer), ``tg_history`` and the term-frequency tables.
    Returns the number of taxpayers. Address arrays are not built here: on a master file of
    millions they are the costly part, and a request needs them only for its candidates."""
    total = _index_people(con)
    _index_history(con, None)
    return total


def _index_people(con: duckdb.DuckDBPyConnection) -> int:
    install_macros(con)
    install_nicknames(con)
    con.execute(
        "CREATE OR REPLACE TABLE tg_people AS "
        + person_sql(
            "taxpayers",
            "tin",
            "given_name",
            "middle_name",
            "surname",
            "suffix",
            "date_of_birth",
            "tin",
        )
    )
    total = int(con.execute("SELECT count(*) FROM tg_people").fetchall()[0][0])
    for column in ("given", "surname_key"):
        con.execute(
            f"""CREATE OR REPLACE TABLE tg_tf_{column} AS
                SELECT {column}, count(*)::DOUBLE / {max(total, 1)} AS tf_{column}
                FROM tg_people WHERE {column} IS NOT NULL GROUP BY {column}"""
        )
    return total


def _index_history(con: duckdb.DuckDBPyConnection, uids: str | None) -> None:
    """``tg_history`` for the taxpayers in the one-column table ``uids`` (all when None)."""
    source = "addresses"
    if uids is not None:
        source = f"(SELECT * FROM addresses WHERE tin::VARCHAR IN (SELECT uid FROM {uids}))"
    con.execute(
        "CREATE OR REPLACE TABLE tg_history AS "
        + address_sql(
            source, "tin", "street", "unit", "city", "zip", "try_cast(last_year AS INTEGER)"
        )
    )


# Taxpayers aggregated per statement at first. DuckDB cannot spill a list aggregation, so
# when one statement's address histories do not fit its memory limit, the statement fails
# and the taxpayers are split in twice as many chunks (``_aggregate_in_chunks``). Fewer
# chunks are faster: 3.85 million taxpayers took 25 s in one statement, 36 s in three,
# within a 4 GB limit.
TAXPAYERS_PER_CHUNK = 6_000_000
MAX_CHUNKS = 256


def _aggregate_in_chunks(
    con: duckdb.DuckDBPyConnection, count: int, build: Callable[[int, int], str]
) -> int:
    """Create ``tg_world`` from ``build(chunk, chunks)`` statements (the first creates the
    table, the rest insert), retrying with twice the chunks while DuckDB runs out of
    memory. Returns the number of chunks used."""
    chunks = max(1, -(-count // TAXPAYERS_PER_CHUNK))
    while True:
        con.execute("DROP TABLE IF EXISTS tg_world")
        try:
            for chunk in range(chunks):
                con.execute(build(chunk, chunks))
            return chunks
        except duckdb.OutOfMemoryException as error:
            if chunks >= MAX_CHUNKS:
                raise ConfigError(
                    f"out of memory building the world's address arrays, even in {chunks}"
                    " chunks: raise memory_limit under [duckdb] in the settings"
                ) from error
            chunks *= 2


def _build_world_rows(con: duckdb.DuckDBPyConnection, uids: str | None) -> None:
    """``tg_world`` for the taxpayers whose uid is in the one-column table ``uids`` (all
    when None), aggregated in as few chunks as memory allows."""
    people, history = "tg_people", "tg_history"
    if uids is not None:
        # Select the taxpayers once: each chunk then scans only them, not the whole world.
        for name, table in (("people", "tg_people"), ("history", "tg_history")):
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE tg_chosen_{name} AS
                    SELECT * FROM {table} SEMI JOIN {uids} USING (uid)"""
            )
        people, history = "tg_chosen_people", "tg_chosen_history"
    count = int(con.execute(f"SELECT count(*) FROM {people}").fetchall()[0][0])

    def build(chunk: int, chunks: int) -> str:
        where = f"WHERE hash(uid) % {chunks} = {chunk}" if chunks > 1 else ""
        verb = "CREATE TABLE tg_world AS " if chunk == 0 else "INSERT INTO tg_world "
        return verb + splink_input_sql(
            f"(SELECT * FROM {people} {where})", f"(SELECT * FROM {history} {where})"
        )

    _aggregate_in_chunks(con, count, build)
    if uids is not None:
        con.execute("DROP TABLE tg_chosen_people")
        con.execute("DROP TABLE tg_chosen_history")


def prepare_world(con: duckdb.DuckDBPyConnection) -> int:
    """``tg_world`` for every taxpayer, with ``index_world``'s tables. Returns the number of
    taxpayers. For a request, ``prepare_world_for_items`` builds only what can be compared;
    this whole-world form is the reference it is tested against (``test_prepare.py``)."""
    total = index_world(con)
    _build_world_rows(con, None)
    return total


def prepare_world_sample(con: duckdb.DuckDBPyConnection, size: int, seed: int) -> int:
    """``tg_world`` and ``tg_history`` for a deterministic sample of ``size`` taxpayers
    (training), with names and term frequencies over the whole world. Returns the number of
    taxpayers."""
    total = _index_people(con)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE tg_sample_uids AS
            SELECT uid FROM tg_people ORDER BY hash(uid || '{int(seed)}') LIMIT {int(size)}"""
    )
    _index_history(con, "tg_sample_uids")
    _build_world_rows(con, "tg_sample_uids")
    return total


def prepare_world_of(con: duckdb.DuckDBPyConnection, uids: str) -> int:
    """``tg_world`` and ``tg_history`` for the taxpayers in the one-column table ``uids``
    only (such as the true taxpayers of a benchmark's items), with names and term
    frequencies over the whole world. Returns the number of taxpayers."""
    total = _index_people(con)
    _index_history(con, uids)
    _build_world_rows(con, uids)
    return total


def blocking_agreement_sql(left: str, right: str) -> str:
    """SQL that is true when some blocking rule (``blocking.BLOCKING_KEYS``) pairs the Splink
    input rows ``left`` and ``right``: the pair is among the candidates Splink scores. An
    array column agrees when the two arrays share an element, as Splink's exploding does."""
    rules = []
    for key in BLOCKING_KEYS:
        parts = [
            f"list_has_any({left}.{c}, {right}.{c})"
            if c == key.exploded
            else f"{left}.{c} = {right}.{c}"
            for c in key.columns
        ]
        rules.append("(" + " AND ".join(parts) + ")")
    return "coalesce(" + " OR ".join(rules) + ", false)"


# How each blocking column reads on the world side without building a taxpayer's arrays:
# alternatives (any may match) over ``tg_people`` joined, for the array columns, with one
# row per address on file (``located``).
_WORLD_BLOCKING_VALUES: dict[str, tuple[str, ...]] = {
    "surname_key": ("l.surname_key",),
    "given": ("l.given",),
    "dob": ("l.dob",),
    "tin": ("l.tin",),
    "name_pair": (name_pair_sql("l.given", "l.surname_key"),),
    "surname_initial": ("left(l.surname_key, 1)",),
    "addr_zip": ("l.zip",),
    "addr_house": ("l.house",),
    "addr_block": (
        "l.building || " + BUILDING_INITIALS.format(p="l"),
        "l.building || " + BUILDING_GIVEN.format(p="l"),
        "l.building || " + BUILDING_SURNAME.format(p="l"),
    ),
}
_ADDRESS_BLOCKING_COLUMNS = frozenset({"addr_zip", "addr_house", "addr_block"})


def _candidate_uids_sql() -> str:
    """Taxpayers sharing at least one blocking key (``blocking.BLOCKING_KEYS``) with some item
    in ``tg_items``: exactly the world rows any blocking rule can pair with an item, so
    restricting the world to them changes no candidate pair."""
    parts = []
    for key in BLOCKING_KEYS:
        unknown = [c for c in key.columns if c not in _WORLD_BLOCKING_VALUES]
        if unknown:
            raise ConfigError(f"blocking column {unknown[0]!r} has no world-side value")
        wanted = ", ".join(f"unnest({c}) AS {c}" if c == key.exploded else c for c in key.columns)
        present = " AND ".join(f"{c} IS NOT NULL" for c in key.columns if c != key.exploded)
        items = f"SELECT DISTINCT {wanted} FROM tg_items" + (f" WHERE {present}" if present else "")
        source = "located" if _ADDRESS_BLOCKING_COLUMNS.intersection(key.columns) else "tg_people"
        for values in itertools.product(*(_WORLD_BLOCKING_VALUES[c] for c in key.columns)):
            on = " AND ".join(
                f"{value} = k.{column}" for value, column in zip(values, key.columns, strict=True)
            )
            parts.append(f"SELECT l.uid FROM {source} l SEMI JOIN ({items}) k ON {on}")
    # One join of the history with the people, materialised: several parts read it, and
    # the building key is computed once, not once per part.
    located = f"""located AS MATERIALIZED (
        SELECT h.uid, h.zip, h.house, {BUILDING_KEY.format(a="h")} AS building,
               p.dob, p.given, p.surname_key, p.tin
        FROM tg_history h JOIN tg_people p USING (uid))"""
    return f"WITH {located} " + " UNION ".join(f"({part})" for part in parts)


def prepare_world_for_items(con: duckdb.DuckDBPyConnection) -> int:
    """``tg_world`` for the taxpayers some item in ``tg_items`` (``prepare_items``) can be
    compared with, with ``index_world``'s tables. Returns the number of taxpayers in the
    world (not in ``tg_world``)."""
    total = index_world(con)
    con.execute("CREATE OR REPLACE TEMP TABLE tg_candidate_uids AS " + _candidate_uids_sql())
    _build_world_rows(con, "tg_candidate_uids")
    return total


def prepare_items(con: duckdb.DuckDBPyConnection, items: pa.Table, *, source: str = "items") -> int:
    """Build ``tg_items`` and ``tg_item_address`` from an Arrow table of raw item columns."""
    missing = [name for name in ITEM_INPUT_COLUMNS if name not in items.column_names]
    if missing:
        raise InputError(
            source,
            f"missing column {missing[0]!r}",
            field=missing[0],
            hint="request items need the columns of contracts.md §2",
        )
    install_macros(con)
    install_nicknames(con)
    con.register("tg_items_raw", items.select(list(ITEM_INPUT_COLUMNS)))
    duplicates = con.execute(
        "SELECT item_id FROM tg_items_raw GROUP BY item_id HAVING count(*) > 1 LIMIT 1"
    ).fetchall()
    if duplicates:
        raise InputError(
            source,
            f"item_id {duplicates[0][0]!r} appears more than once",
            field="item_id",
            hint="item ids must be unique in a request",
        )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE tg_item_people AS "
        + person_sql(
            "tg_items_raw",
            "item_id",
            "given_name",
            "middle_name",
            "surname",
            "NULL",
            "date_of_birth",
            "tin",
        )
    )
    con.execute(
        "CREATE OR REPLACE TABLE tg_item_address AS "
        + address_sql("tg_items_raw", "item_id", "street", "unit", "city", "zip", "0")
    )
    con.execute(
        "CREATE OR REPLACE TABLE tg_items AS "
        + splink_input_sql("tg_item_people", "tg_item_address")
    )
    con.execute("DROP TABLE tg_item_people")
    con.unregister("tg_items_raw")
    return int(con.execute("SELECT count(*) FROM tg_items").fetchall()[0][0])
