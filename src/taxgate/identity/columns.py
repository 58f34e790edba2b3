"""The Splink input columns of one person, built in DuckDB SQL from normalised people and
addresses (``normalise.py``): names and their sounds, address arrays over the whole history,
and the derived blocking keys. World rows and item rows go through the same SQL, so every
comparison reads the same from either side.
"""

from __future__ import annotations

import csv
from importlib import resources

import duckdb

from taxgate.identity.address import element_sql, near_keys_sql


def nickname_rows() -> list[tuple[str, str]]:
    """(name, formal group) pairs from the identity package's own nickname table."""
    text = resources.files("taxgate.identity").joinpath("nicknames.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return [(row["name"], row["group"]) for row in csv.DictReader(lines)]


def install_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    rows = nickname_rows()
    con.execute("CREATE OR REPLACE TABLE tg_nickname_pairs (name VARCHAR, grp VARCHAR)")
    con.executemany("INSERT INTO tg_nickname_pairs VALUES (?, ?)", rows)
    con.execute(
        """CREATE OR REPLACE TABLE tg_nickname_groups AS
           SELECT name, list(DISTINCT grp ORDER BY grp) AS groups
           FROM tg_nickname_pairs GROUP BY name"""
    )


# The address part of the ``addr_block`` blocking key: house number, ZIP and the first
# letter of the street name. House and ZIP alone pair an item with everyone at that number
# anywhere in the ZIP (13 million pairs for 1.28 million items on a 10 million world); the
# street's letter cuts that tenfold and still tolerates a typo after the first letter.
BUILDING_KEY = "{a}.house || '|' || {a}.zip || '|' || left(split_part({a}.street, ' ', 2), 1)"
# What ``addr_block`` adds to the building: both initials, in either order (names misspelt
# after their first letter, or swapped), the whole given name (a new surname) or the whole
# surname (a nickname: BOB and ROBERT share no initial). One
# initial alone paired each item with a tenth of a large building: 4.4 million pairs for
# the 1.28 million mixed items on a 10 million world, a third of all pairs scored.
BUILDING_INITIALS = (
    "'|i:' || least(left({p}.surname_key, 1), left({p}.given, 1))"
    " || greatest(left({p}.surname_key, 1), left({p}.given, 1))"
)
BUILDING_GIVEN = "'|g:' || {p}.given"
BUILDING_SURNAME = "'|s:' || {p}.surname_key"


def name_pair_sql(given: str, surname: str) -> str:
    """Both names in sorted order: the ``name_pair`` blocking column, either name order.
    (``least`` skips NULLs, so a missing name must be tested first.)"""
    return (
        f"CASE WHEN {given} IS NOT NULL AND {surname} IS NOT NULL"
        f" THEN least({given}, {surname}) || '|' || greatest({given}, {surname}) END"
    )


def _nonempty(expression: str) -> str:
    """An array, or NULL when it is empty (Splink's null level tests IS NULL)."""
    return f"CASE WHEN len({expression}) > 0 THEN {expression} END"


def splink_input_sql(people: str, addresses: str) -> str:
    """Join people to their address arrays and derive blocking keys. ``addresses`` are rows
    of ``normalise.address_sql``, street key included.

    One aggregation per taxpayer (a list of spells) and every array derived from it: five
    separate list aggregations cost several times more on a large world. The spells are not
    ordered: the comparisons ask whether *any* address agrees, and sorting each taxpayer's
    spells doubled the aggregation's cost on a 10 million world."""

    def spells(condition: str, value: str, *, distinct: bool = False) -> str:
        listed = f"list_transform(list_filter(a.spells, lambda s: {condition}), lambda s: {value})"
        return _nonempty(f"list_distinct({listed})" if distinct else listed)

    street = "s.street IS NOT NULL"
    addr_full = spells(
        street, "concat_ws('|', s.street, coalesce(s.unit, ''), coalesce(s.zip, ''))"
    )
    addr_street = spells(street, "concat_ws('|', s.street, coalesce(s.zip, ''))")
    addr_fuzzy = spells(street, "concat_ws(' ', coalesce(s.zip, ''), s.street)")
    addr_zip = spells("s.zip IS NOT NULL", "s.zip", distinct=True)
    addr_hz = spells(
        "s.house IS NOT NULL AND s.zip IS NOT NULL", BUILDING_KEY.format(a="s"), distinct=True
    )
    # Every part of each address, for the typo levels (``address.py``).
    addr_parts = spells(street, element_sql("s.house", "s.key", "s.unit", "s.zip", "s.street"))
    addr_house = spells("s.house IS NOT NULL", "s.house", distinct=True)
    near = near_keys_sql("s.house", "coalesce(s.key, '')", "s.zip")
    addr_near = _nonempty(
        "list_distinct(list_concat("
        + ", ".join(
            "list_transform(list_filter(a.spells, lambda s: s.house IS NOT NULL"
            f" AND s.zip IS NOT NULL), lambda s: {key})"
            for key in near
        )
        + "))"
    )
    return f"""
        WITH agg AS (
            SELECT uid,
                   list({{'street': street, 'unit': unit, 'zip': zip, 'house': house,
                          'key': key}}) AS spells
            FROM {addresses} GROUP BY uid
        ), arrays AS (
            SELECT uid, {addr_full} AS addr_full, {addr_street} AS addr_street,
                   {addr_fuzzy} AS addr_fuzzy, {addr_zip} AS addr_zip, {addr_hz} AS addr_hz,
                   {addr_parts} AS addr_parts, {addr_house} AS addr_house,
                   {addr_near} AS addr_near
            FROM agg a
        )
        SELECT p.uid, p.given,
               coalesce(g.groups, CASE WHEN p.given IS NULL THEN NULL ELSE [p.given] END)
                   AS given_groups,
               p.given_sound, p.given_whole, p.middle, p.surname, p.surname_key, p.surname_tokens,
               p.surname_sound, p.suffix, p.dob, p.tin,
               a.addr_full, a.addr_street, a.addr_fuzzy, a.addr_zip, a.addr_parts, a.addr_house,
               a.addr_near,
               {name_pair_sql("p.given", "p.surname_key")} AS name_pair,
               left(p.surname_key, 1) AS surname_initial,
               list_distinct(list_concat(
                   list_transform(a.addr_hz, lambda k: k || {BUILDING_INITIALS.format(p="p")}),
                   list_transform(a.addr_hz, lambda k: k || {BUILDING_GIVEN.format(p="p")}),
                   list_transform(a.addr_hz, lambda k: k || {BUILDING_SURNAME.format(p="p")})
               )) AS addr_block
        FROM {people} p
        LEFT JOIN arrays a USING (uid)
        LEFT JOIN tg_nickname_groups g ON g.name = p.given
    """
