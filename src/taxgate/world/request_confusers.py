"""Household confusers: items naming someone whose father, son, twin or same-surname
neighbour files, at that filer's address (D. Mass., 2026-02-05: misidentification where people
share surnames and homes).

Where the world already holds such pairs (both file) the item names one of them and the other
is the confuser. The rest are made up: a person who is not in the world, built from a filer
(the anchor) so that the filer is the one a careless match would find.
"""

from __future__ import annotations

from datetime import date

import duckdb

from taxgate.world.request_data import OFFICER_GIVEN
from taxgate.world.request_params import CONFUSERS
from taxgate.world.request_people import (
    WorldSize,
    count_rows,
    pick_filers,
    received_sql,
    sql_list,
)

# Parent and child are 15 to 60 years apart; Sr./Jr. settle it when a date of birth is missing.
_RELATION_SQL = """CASE
    WHEN lower(ga) = lower(gb) AND unit_a = unit_b AND (
        (da IS NOT NULL AND db IS NOT NULL AND abs(year(da) - year(db)) BETWEEN 15 AND 60)
        OR ((da IS NULL OR db IS NULL) AND xa <> xb AND (xa IN ('SR', 'JR') OR xb IN ('SR', 'JR')))
    ) THEN 'parent'
    WHEN da = db AND lower(ga) <> lower(gb) AND unit_a = unit_b THEN 'twin'
    WHEN lower(ga) <> lower(gb) AND unit_a <> unit_b THEN 'neighbour'
END"""


def find_pairs(con: duckdb.DuckDBPyConnection, need: int, size: WorldSize) -> None:
    """``pairs``: two filers with one surname who share a street address, classified as
    parent/child, twins or neighbours (different units). A large world is read a sample of
    buildings at a time; the sample widens once if too few pairs turn up, and what is still
    missing is made up by ``synthetic_confusers``.

    Each step is its own table so that the planner cannot join the taxpayers with themselves
    on surname (a join of billions of rows) before the address join has cut them down."""
    frac = min(1.0, 200.0 * need / max(size.address_rows, 1))
    if size.address_rows <= 2_000_000 or frac >= 0.1:
        frac = 1.0  # a sample would save little
    for attempt in range(2):
        scaled = int(frac * 1_000_000)
        # Integer keys: grouping and joining 15M addresses on hashes is several times
        # faster than on strings; the pair join below re-checks the street itself.
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE spell AS
            SELECT tin, hash(lower(street), zip) AS skey, street, unit, city, state, zip
            FROM ad
            WHERE residential(street) AND zip <> ''
              AND rint(hash(lower(street), zip), 'bldg') % 1000000 < {scaled}""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE spell AS
            SELECT * FROM spell WHERE skey IN (
                SELECT skey FROM spell GROUP BY skey HAVING count(*) > 1)""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE spell_people AS
            SELECT t.* FROM tp t SEMI JOIN spell s ON s.tin = t.tin""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE spell AS
            SELECT s.*, hash(s.skey, lower(t.surname)) AS hkey, t.given_name, t.dob, t.suffix
            FROM spell s JOIN spell_people t ON t.tin = s.tin WHERE t.surname <> ''""")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE pairs AS
            SELECT *, {_RELATION_SQL} AS relation,
                CASE WHEN da IS NOT NULL AND db IS NOT NULL THEN da < db
                     ELSE xa = 'SR' OR xb = 'JR' END AS a_older
            FROM (
                SELECT a.tin AS tin_a, b.tin AS tin_b,
                    a.street AS street_a, a.unit AS unit_a, a.city AS city_a, a.state AS state_a,
                    b.street AS street_b, b.unit AS unit_b, b.city AS city_b, b.state AS state_b,
                    a.zip AS zip, a.given_name AS ga, b.given_name AS gb,
                    a.dob AS da, b.dob AS db, a.suffix AS xa, b.suffix AS xb
                FROM spell a JOIN spell b ON a.hkey = b.hkey AND a.tin < b.tin
                    AND lower(a.street) = lower(b.street) AND a.zip = b.zip
                QUALIFY row_number() OVER (
                    PARTITION BY a.tin, b.tin ORDER BY a.street, a.unit, b.unit, a.zip) = 1
            ) AS p
            WHERE relation IS NOT NULL""")
        found = int(con.execute("SELECT count(*) FROM pairs").fetchall()[0][0])
        if frac >= 1.0 or found >= need or attempt == 1:
            return
        frac = 1.0


def real_confusers(con: duckdb.DuckDBPyConnection, counts: dict[str, int]) -> dict[str, int]:
    """``seg_real``: items naming a filer whose relative or neighbour also files. Returns how
    many of each class the world could supply (at most ``counts``)."""
    side = """CASE WHEN named = tin_a THEN street_a ELSE street_b END AS street,
        CASE WHEN named = tin_a THEN unit_a ELSE unit_b END AS unit,
        CASE WHEN named = tin_a THEN city_a ELSE city_b END AS city,
        CASE WHEN named = tin_a THEN state_a ELSE state_b END AS state, zip"""
    pick_a = "rnd(tin_a || tin_b, 'side') < 0.5"
    limits = " ".join(f"WHEN '{name}' THEN {int(counts.get(name, 0))}" for name in CONFUSERS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE real_conf AS
        WITH cand AS (
            SELECT identity, named, other, {side}, rnd(named || other, 'real') AS r FROM (
                SELECT 'confuser-father' AS identity, *,
                    CASE WHEN a_older THEN tin_b ELSE tin_a END AS named,
                    CASE WHEN a_older THEN tin_a ELSE tin_b END AS other
                FROM pairs WHERE relation = 'parent'
                UNION ALL BY NAME
                SELECT 'confuser-son' AS identity, *,
                    CASE WHEN a_older THEN tin_a ELSE tin_b END AS named,
                    CASE WHEN a_older THEN tin_b ELSE tin_a END AS other
                FROM pairs WHERE relation = 'parent'
                UNION ALL BY NAME
                SELECT 'confuser-' || relation AS identity, *,
                    CASE WHEN {pick_a} THEN tin_a ELSE tin_b END AS named,
                    CASE WHEN {pick_a} THEN tin_b ELSE tin_a END AS other
                FROM pairs WHERE relation IN ('twin', 'neighbour')
            )
        ),
        one_each AS (
            SELECT * FROM cand
            QUALIFY row_number() OVER (PARTITION BY named ORDER BY r, identity, other) = 1
        )
        SELECT * FROM one_each
        QUALIFY row_number() OVER (PARTITION BY identity ORDER BY r, named)
            <= CASE identity {limits} ELSE 0 END""")
    con.execute("INSERT INTO used SELECT named FROM real_conf UNION SELECT other FROM real_conf")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE seg_real AS
        SELECT 'real' AS seg, row_number() OVER (ORDER BY c.identity, c.r, c.named) AS k,
            t.given_name AS given, t.middle_name AS middle, t.surname, t.dob,
            c.named AS tin_on_file, c.street, c.unit, c.city, c.state, c.zip,
            c.named AS true_tin, c.other AS confuser_tin, c.identity,
            false AS name_free, false AS addr_free
        FROM real_conf c JOIN tp t ON t.tin = c.named""")
    got = dict(con.execute("SELECT identity, count(*) FROM real_conf GROUP BY 1").fetchall())
    return {name: int(got.get(name, 0)) for name in CONFUSERS}


def find_namesakes(con: duckdb.DuckDBPyConnection) -> None:
    """``namesakes``: filers who share a street address with another filer of the same given
    name and surname (accents and case aside)."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE namesakes AS
        WITH homes AS (
            SELECT a.tin, lower(a.street) AS street, a.zip,
                   lower(strip_accents(t.given_name)) AS given, lower(t.surname) AS surname
            FROM ad a JOIN tp t USING (tin)
            WHERE a.street <> ''
        ), shared AS (
            SELECT street, zip, given, surname FROM homes
            GROUP BY ALL HAVING count(DISTINCT tin) > 1
        )
        SELECT DISTINCT h.tin FROM homes h SEMI JOIN shared s USING (street, zip, given, surname)
    """)


def synthetic_confusers(
    con: duckdb.DuckDBPyConnection, counts: dict[str, int], size: WorldSize, received: date
) -> dict[str, int]:
    """``seg_syn``: items naming a person who is not in the world but lives with (or beside)
    a filer, the anchor, whose address and surname the item carries."""
    today = received_sql(received)
    adult = f"{today} - INTERVAL 18 YEAR"
    alone = "true"
    if counts.get("confuser-father", 0) or counts.get("confuser-son", 0):
        find_namesakes(con)
        alone = "t.tin NOT IN (SELECT tin FROM namesakes)"
    # The anchor's date of birth must leave room for the made-up relative's. A made-up
    # father or son must not duplicate one who files: an anchor who already shares a home
    # with a namesake (a Jr. and his father both on file) is left out, or the item would
    # name a filer while the truth file says nobody.
    anchors = {
        "confuser-father": f"(t.dob IS NULL OR t.dob <= {today} - INTERVAL 38 YEAR) AND {alone}",
        "confuser-son": f"(t.dob IS NULL OR t.dob >= DATE '1940-01-01') AND {alone}",
        "confuser-neighbour": "true",
        "confuser-twin": "t.dob IS NOT NULL",
    }
    gap = "INTERVAL (20 + CAST(rint(a.tin, 'gap') % 16 AS INTEGER)) YEAR"
    dob = {
        "confuser-father": f"least(a.dob + {gap}, {adult})",
        "confuser-son": f"a.dob - {gap}",
        "confuser-neighbour": ("DATE '1950-01-01' + CAST(rint(a.tin, 'ndob') % 20454 AS INTEGER)"),
        "confuser-twin": "a.dob",
    }
    nnames = max(1, count_rows(con, "namepool"))
    backup = f"{sql_list(OFFICER_GIVEN)}[1 + rint(a.tin, 'og3') % {len(OFFICER_GIVEN)}]"

    # Another first name, not the anchor's with other accents or a second name added
    # ("Maria"/"María", "Juan"/"Juan Carlos" name one person as far as anyone can tell).
    def first(name: str) -> str:
        return f"lower(strip_accents(split_part(trim({name}), ' ', 1)))"

    anchor = first("a.given_name")
    other_given = f"""CASE
        WHEN {first("g1.given_name")} <> {anchor} THEN g1.given_name
        WHEN {first("g2.given_name")} <> {anchor} THEN g2.given_name
        WHEN {first(backup)} <> {anchor} THEN {backup} ELSE 'Noel' END"""
    new_unit = "'Apt ' || CAST(1 + rint(a.tin, 'unit') % 40 AS VARCHAR)"
    got: dict[str, int] = {}
    parts: list[str] = []
    for name in CONFUSERS:
        table = "anchor_" + name.removeprefix("confuser-")
        got[name] = pick_filers(con, table, counts.get(name, 0), anchors[name], size)
        same_name = name in ("confuser-father", "confuser-son")
        given = "a.given_name" if same_name else other_given
        unit = (
            f"CASE WHEN {new_unit} <> a.unit THEN {new_unit} ELSE {new_unit} || 'B' END"
            if name == "confuser-neighbour"
            else "a.unit"
        )
        parts.append(f"""
            SELECT '{name}' AS identity, a.r, a.tin, {given} AS given, '' AS middle,
                a.surname, {dob[name]} AS dob, a.street, {unit} AS unit, a.city, a.state, a.zip
            FROM {table} a
            JOIN namepool g1 ON g1.pos = rint(a.tin, 'og1') % {nnames}
            JOIN namepool g2 ON g2.pos = rint(a.tin, 'og2') % {nnames}""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE seg_syn AS
        SELECT 'syn' AS seg, row_number() OVER (ORDER BY identity, r, tin) AS k,
            given, middle, surname, dob, NULL::VARCHAR AS tin_on_file,
            street, unit, city, state, zip, NULL::VARCHAR AS true_tin, tin AS confuser_tin,
            identity, false AS name_free, false AS addr_free
        FROM ({" UNION ALL ".join(parts)}) AS s""")
    return got


def confuser_segments(
    con: duckdb.DuckDBPyConnection,
    wanted: dict[str, int],
    real_share: float,
    size: WorldSize,
    received: date,
) -> tuple[dict[str, int], dict[str, int]]:
    """Real and made-up confusers, ``wanted`` per class; returns (real, synthetic) counts."""
    real_wanted = {name: round(n * real_share) for name, n in wanted.items()}
    if sum(real_wanted.values()) > 0:
        find_pairs(con, sum(real_wanted.values()), size)
        real = real_confusers(con, real_wanted)
    else:
        real = dict.fromkeys(CONFUSERS, 0)
    # Whatever the world could not supply as real pairs is made up.
    syn_wanted = {name: wanted[name] - real[name] for name in CONFUSERS}
    synthetic = synthetic_confusers(con, syn_wanted, size, received)
    return real, synthetic
