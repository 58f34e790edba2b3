"""Finding the people a synthetic request names, by queries on any world (contracts.md §1).

Everything random here is a hash of a key, a salt and the seed (the ``rnd``/``rint`` macros),
so the same world and seed give the same people whatever the thread count or file format.
Each step writes one segment table with the columns in ``SEGMENT_COLUMNS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from taxgate.world.io import open_world
from taxgate.world.request_data import ABSENT_SURNAMES

# The common shape of every segment: the named person, their base/older/new address, and
# the truth about them.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "seg",
    "k",
    "given",
    "middle",
    "surname",
    "dob",
    "tin_on_file",
    *(f"{p}{c}" for p in ("", "old_", "new_") for c in ("street", "unit", "city", "state", "zip")),
    "true_tin",
    "confuser_tin",
    "identity",
    "name_free",
    "addr_free",
)

# Strip a leading house number ("12B Elm St" -> "Elm St").
HOUSE_NUMBER = r"'^\s*\d+[A-Za-z]?\s+'"


@dataclass(frozen=True)
class WorldSize:
    taxpayers: int
    address_rows: int


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(sql_text(v) for v in values) + "]"


def prepare(con: duckdb.DuckDBPyConnection, world: Path, seed: int) -> WorldSize:
    """Register the world and the normalised views ``tp`` and ``ad`` every query reads."""
    open_world(con, world)
    seed_sql = f"{int(seed)}::BIGINT"
    con.execute(
        f"CREATE OR REPLACE MACRO rint(k, salt) AS CAST(hash(k, salt, {seed_sql}) >> 1 AS BIGINT)"
    )
    con.execute(
        f"CREATE OR REPLACE MACRO rnd(k, salt) AS "
        f"(hash(k, salt, {seed_sql}) % 1000000007)::DOUBLE / 1000000007.0"
    )
    # A residence: a house number then a street, and no mailbox. Only residences are named
    # as the address on file, so every unusable address in a request is one we made.
    con.execute(
        "CREATE OR REPLACE MACRO residential(s) AS "
        r"regexp_matches(s, '^\s*\d+[A-Za-z]?\s+\S') AND NOT regexp_matches(s, '(?i)\bbox\b')"
    )
    text = {**_text_columns(con, "taxpayers"), **_text_columns(con, "addresses")}
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW tp AS SELECT
            {text["tin"]} AS tin, {text["given_name"]} AS given_name,
            {text["middle_name"]} AS middle_name, {text["surname"]} AS surname,
            upper(replace({text["suffix"]}, '.', '')) AS suffix,
            TRY_CAST(NULLIF({text["date_of_birth"]}, '') AS DATE) AS dob
        FROM taxpayers""")
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW ad AS SELECT
            {text["a.tin"]} AS tin, {text["street"]} AS street, {text["unit"]} AS unit,
            {text["city"]} AS city, {text["state"]} AS state, {text["zip"]} AS zip,
            TRY_CAST(first_year AS INTEGER) AS first_year,
            TRY_CAST(last_year AS INTEGER) AS last_year
        FROM addresses""")
    con.execute("CREATE OR REPLACE TEMP TABLE used (tin VARCHAR)")
    taxpayers = int(con.execute("SELECT count(*) FROM taxpayers").fetchall()[0][0])
    address_rows = int(con.execute("SELECT count(*) FROM addresses").fetchall()[0][0])
    return WorldSize(taxpayers, address_rows)


def _text_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """SQL giving each column of ``table`` as text ('' for missing). Text columns are used as
    they are, which keeps scans of a large world cheap; a ZIP stored as a number gets its
    leading zeros back."""
    described = con.execute(f"DESCRIBE {table}").fetchall()
    prefix = "a." if table == "addresses" else ""
    columns: dict[str, str] = {}
    for name, kind, *_ in described:
        quoted = '"' + str(name).replace('"', '""') + '"'
        if kind == "VARCHAR":
            sql = f"coalesce({quoted}, '')"
        elif name == "zip":
            sql = f"coalesce(lpad(CAST({quoted} AS VARCHAR), 5, '0'), '')"
        else:
            sql = f"coalesce(CAST({quoted} AS VARCHAR), '')"
        key = f"{prefix}{name}" if name == "tin" else str(name)
        columns[key] = sql
    return columns


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def sample_into(
    con: duckdb.DuckDBPyConnection, table: str, select: str, total: int, want: int
) -> int:
    """Create ``table`` from ``select`` (which has ``{frac}`` and ``{limit}`` slots), widening
    the hash filter until enough rows come back or the whole world is read."""
    limit = max(1, want)
    frac = min(1.0, (1.5 * limit + 500) / max(total, 1))
    while True:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS " + select.format(frac=frac, limit=limit)
        )
        got = count_rows(con, table)
        if got >= limit or frac >= 1.0:
            return got
        frac = min(1.0, frac * 8)


def build_pools(con: duckdb.DuckDBPyConnection, size: WorldSize, want: int) -> None:
    """``namepool`` (names of random filers) and ``addrpool`` (random addresses on file), each
    numbered from 0, from which absent people and new addresses are drawn."""
    sample_into(
        con,
        "namepool",
        """SELECT row_number() OVER (ORDER BY r, tin) - 1 AS pos, given_name, middle_name,
                surname FROM (
            SELECT tin, given_name, middle_name, surname, rnd(tin, 'namepool') AS r FROM tp
            WHERE rnd(tin, 'namepool') < {frac} AND given_name <> '' AND surname <> ''
            ORDER BY r, tin LIMIT {limit})""",
        size.taxpayers,
        min(size.taxpayers, want),
    )
    sample_into(
        con,
        "addrpool",
        """SELECT row_number() OVER (ORDER BY r, key) - 1 AS pos, street, unit, city, state,
                zip FROM (
            SELECT tin || '|' || street || '|' || zip AS key, street, unit, city, state, zip,
                rnd(tin || '|' || street || '|' || zip, 'addrpool') AS r FROM ad
            WHERE rnd(tin || '|' || street || '|' || zip, 'addrpool') < {frac}
              AND residential(street) AND zip <> ''
            ORDER BY r, key LIMIT {limit})""",
        size.address_rows,
        min(size.address_rows, want),
    )


def _new_address_sql(key: str) -> str:
    """A plausible address from ``addrpool`` with a fresh house number, as new_* columns."""
    return f"""
        CAST(2 + rint({key}, 'house') % 9998 AS VARCHAR) || ' '
            || regexp_replace(np.street, {HOUSE_NUMBER}, '') AS new_street,
        '' AS new_unit, np.city AS new_city, np.state AS new_state, np.zip AS new_zip"""


def pick_filers(
    con: duckdb.DuckDBPyConnection, table: str, k: int, where: str, size: WorldSize
) -> int:
    """Pick ``k`` filers satisfying ``where`` (on ``t``, a ``tp`` row) and not yet used, with
    their last known address, one older address if any, and a new address not on file.
    Writes ``table`` (tin, names, dob, address columns, r) and adds the tins to ``used``."""
    want = k + k // 8 + 20  # spare for filers without a residence on file
    sample_into(
        con,
        "cand",
        f"""SELECT t.*, rnd(t.tin, '{table}') AS r FROM tp t
            WHERE rnd(t.tin, '{table}') < {{frac}} AND ({where})
              AND t.tin NOT IN (SELECT tin FROM used WHERE tin IS NOT NULL)
            ORDER BY r, t.tin LIMIT {{limit}}""",
        size.taxpayers,
        want,
    )
    con.execute("""
        CREATE OR REPLACE TEMP TABLE hist AS
        SELECT a.*, row_number() OVER (
            PARTITION BY a.tin
            ORDER BY a.last_year DESC NULLS LAST, a.first_year DESC NULLS LAST,
                     a.street, a.unit, a.zip) AS recency
        FROM ad a SEMI JOIN cand c ON a.tin = c.tin""")
    npool = max(1, count_rows(con, "addrpool"))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        WITH last AS (SELECT * FROM hist WHERE recency = 1),
        old AS (
            SELECT h.* FROM hist h JOIN last l ON h.tin = l.tin
            WHERE h.recency > 1 AND residential(h.street)
              AND NOT (lower(h.street) = lower(l.street) AND h.zip = l.zip)
            QUALIFY row_number() OVER (
                PARTITION BY h.tin ORDER BY rnd(h.tin || h.street || h.zip, 'old'), h.recency
            ) = 1
        ),
        picked AS (
            SELECT c.*, l.street, l.unit, l.city, l.state, l.zip,
                o.street AS old_street, o.unit AS old_unit, o.city AS old_city,
                o.state AS old_state, o.zip AS old_zip
            FROM cand c JOIN last l ON l.tin = c.tin LEFT JOIN old o ON o.tin = c.tin
            WHERE residential(l.street)
            ORDER BY c.r, c.tin LIMIT {k}
        ),
        moved AS (
            SELECT p.*, {_new_address_sql("p.tin")}
            FROM picked p JOIN addrpool np ON np.pos = rint(p.tin, 'newaddr') % {npool}
        )
        SELECT m.* REPLACE (
            CASE WHEN on_file THEN NULL ELSE new_street END AS new_street,
            CASE WHEN on_file THEN NULL ELSE new_zip END AS new_zip)
        FROM (
            SELECT m.*, EXISTS (
                SELECT 1 FROM hist h WHERE h.tin = m.tin
                AND lower(h.street) = lower(m.new_street) AND h.zip = m.new_zip) AS on_file
            FROM moved m
        ) AS m
        ORDER BY r, tin""")
    con.execute(f"INSERT INTO used SELECT tin FROM {table}")
    return count_rows(con, table)


def in_world_segment(con: duckdb.DuckDBPyConnection, k: int, size: WorldSize) -> int:
    """``seg_in``: filers named as they filed (perturbations come later)."""
    got = pick_filers(con, "picked_in", k, "true", size)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE seg_in AS SELECT
            'in' AS seg, row_number() OVER (ORDER BY r, tin) AS k,
            given_name AS given, middle_name AS middle, surname, dob, tin AS tin_on_file,
            street, unit, city, state, zip,
            old_street, old_unit, old_city, old_state, old_zip,
            new_street, new_unit, new_city, new_state, new_zip,
            tin AS true_tin, NULL::VARCHAR AS confuser_tin, NULL::VARCHAR AS identity,
            true AS name_free, true AS addr_free
        FROM picked_in""")
    return got


def absent_segment(con: duckdb.DuckDBPyConnection, k: int, params_share: float) -> None:
    """``seg_absent``: people who are not in the world, with plausible names (most surnames
    borrowed from filers, so namesakes exist) and an address not on file for anyone named."""
    nnames = max(1, count_rows(con, "namepool"))
    npool = max(1, count_rows(con, "addrpool"))
    extra = sql_list(ABSENT_SURNAMES)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE seg_absent AS
        SELECT 'absent' AS seg, g.range AS k,
            gn.given_name AS given,
            CASE WHEN rnd(g.range, 'amid') < 0.3 THEN mn.given_name ELSE '' END AS middle,
            CASE WHEN rnd(g.range, 'asrc') < {params_share} THEN sn.surname
                 ELSE {extra}[1 + rint(g.range, 'aext') % {len(ABSENT_SURNAMES)}] END AS surname,
            DATE '1950-01-01' + CAST(rint(g.range, 'adob') % 20454 AS INTEGER) AS dob,
            NULL::VARCHAR AS tin_on_file,
            CAST(2 + rint(g.range, 'house') % 9998 AS VARCHAR) || ' '
                || regexp_replace(ap.street, {HOUSE_NUMBER}, '') AS street,
            ap.unit, ap.city, ap.state, ap.zip,
            NULL::VARCHAR AS true_tin, NULL::VARCHAR AS confuser_tin,
            'not-in-world' AS identity, false AS name_free, true AS addr_free
        FROM range({int(k)}) g
        JOIN namepool gn ON gn.pos = rint(g.range, 'agiven') % {nnames}
        JOIN namepool mn ON mn.pos = rint(g.range, 'amiddle') % {nnames}
        JOIN namepool sn ON sn.pos = rint(g.range, 'asur') % {nnames}
        JOIN addrpool ap ON ap.pos = rint(g.range, 'aaddr') % {npool}""")


def received_sql(received: date) -> str:
    return f"DATE '{received.isoformat()}'"
