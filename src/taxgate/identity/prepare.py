"""World and request items as Splink input tables, built in DuckDB SQL.

Design choice: **one row per taxpayer**, carrying arrays over the whole address history
(latest first), rather than one row per taxpayer-address. With one row per person every
candidate pair is a distinct person, so "the best rival for the same item" is always another
taxpayer, never the same taxpayer at an older address; and one combined address comparison
asks "does the supplied address agree with *any* address on file" (see ``model.py``).

Items carry the same columns, their single address as one-element arrays, so the two tables
are symmetric and every comparison reads the same from either side.

Tables created on the connection:
  ``tg_world``        Splink input, one row per taxpayer (``uid`` = TIN)
  ``tg_items``        Splink input, one row per item (``uid`` = item_id)
  ``tg_history``      normalised address history, one row per spell (for ``match.address``)
  ``tg_item_address`` normalised supplied address, one row per item
  ``tg_tf_given``, ``tg_tf_surname_key``  term frequencies over the world
"""

from __future__ import annotations

import csv
from importlib import resources

import duckdb
import pyarrow as pa

from taxgate.errors import InputError
from taxgate.identity.normalise import install_macros
from taxgate.model import ITEM_PERSON_COLUMNS

ITEM_INPUT_COLUMNS: tuple[str, ...] = ITEM_PERSON_COLUMNS

# Particles that must not count as "one of two surnames agrees" (DE LA CRUZ vs DE LEON).
SURNAME_PARTICLES = (
    "DE",
    "LA",
    "DEL",
    "LOS",
    "LAS",
    "Y",
    "DA",
    "DAS",
    "DO",
    "DOS",
    "VAN",
    "VON",
    "DER",
    "DEN",
    "DI",
    "LE",
    "ST",
    "AL",
    "EL",
    "BIN",
    "MAC",
)


def nickname_rows() -> list[tuple[str, str]]:
    """(name, formal group) pairs from the identity package's own nickname table."""
    text = resources.files("taxgate.identity").joinpath("nicknames.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return [(row["name"], row["group"]) for row in csv.DictReader(lines)]


def _install_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    rows = nickname_rows()
    con.execute("CREATE OR REPLACE TABLE tg_nickname_pairs (name VARCHAR, grp VARCHAR)")
    con.executemany("INSERT INTO tg_nickname_pairs VALUES (?, ?)", rows)
    con.execute(
        """CREATE OR REPLACE TABLE tg_nickname_groups AS
           SELECT name, list(DISTINCT grp ORDER BY grp) AS groups
           FROM tg_nickname_pairs GROUP BY name"""
    )


def _person_sql(
    source: str, uid: str, given: str, middle: str, surname: str, suffix: str, dob: str, tin: str
) -> str:
    """Name, DOB and TIN columns, shared by world and items."""
    particles = ", ".join(f"'{word}'" for word in SURNAME_PARTICLES)
    return f"""
        WITH raw AS (
            SELECT {uid}::VARCHAR AS uid,
                   tg_name({given}) AS given_all,
                   tg_name({middle}) AS middle_raw,
                   tg_name({surname}) AS surname,
                   coalesce(tg_suffix_word(replace(tg_clean({suffix}), ' ', '')),
                            tg_trailing_suffix({surname}), tg_trailing_suffix({given})) AS suffix,
                   tg_dob({dob}) AS dob,
                   tg_digits({tin}) AS tin
            FROM {source}
        ), split AS (
            SELECT *, string_split(given_all, ' ') AS given_words FROM raw
        )
        SELECT uid,
               given_words[1] AS given,
               coalesce(middle_raw, given_words[2]) AS middle,
               surname,
               replace(surname, ' ', '') AS surname_key,
               list_filter(string_split(surname, ' '),
                           lambda w: len(w) > 1 AND w NOT IN ({particles})) AS surname_tokens,
               suffix, dob, tin
        FROM split
    """


def _address_sql(
    source: str, key: str, street: str, unit: str, city: str, zip_code: str, order: str
) -> str:
    return f"""
        SELECT {key}::VARCHAR AS uid,
               tg_house(tg_street({street})) AS house,
               tg_street({street}) AS street,
               coalesce(tg_unit({unit}), tg_unit(tg_street_unit({street}))) AS unit,
               tg_name({city}) AS city,
               tg_zip({zip_code}) AS zip,
               {order} AS recency
        FROM {source}
        WHERE tg_street({street}) IS NOT NULL OR tg_zip({zip_code}) IS NOT NULL
    """


def splink_input_sql(people: str, addresses: str) -> str:
    """Join people to their address arrays and derive blocking keys."""
    return f"""
        WITH agg AS (
            SELECT uid,
                   list(concat_ws('|', street, coalesce(unit, ''), coalesce(zip, ''))
                        ORDER BY recency DESC) FILTER (WHERE street IS NOT NULL) AS addr_full,
                   list(concat_ws('|', street, coalesce(zip, ''))
                        ORDER BY recency DESC) FILTER (WHERE street IS NOT NULL) AS addr_street,
                   list(concat_ws(' ', coalesce(zip, ''), street)
                        ORDER BY recency DESC) FILTER (WHERE street IS NOT NULL) AS addr_fuzzy,
                   list(DISTINCT zip) FILTER (WHERE zip IS NOT NULL) AS addr_zip,
                   list(DISTINCT house || '|' || zip)
                        FILTER (WHERE house IS NOT NULL AND zip IS NOT NULL) AS addr_hz
            FROM {addresses} GROUP BY uid
        )
        SELECT p.uid, p.given,
               coalesce(g.groups, CASE WHEN p.given IS NULL THEN NULL ELSE [p.given] END)
                   AS given_groups,
               p.middle, p.surname, p.surname_key, p.surname_tokens, p.suffix, p.dob, p.tin,
               a.addr_full, a.addr_street, a.addr_fuzzy, a.addr_zip,
               CASE WHEN p.given IS NOT NULL AND p.surname_key IS NOT NULL
                    THEN least(p.given, p.surname_key) || '|' || greatest(p.given, p.surname_key)
               END AS name_pair,
               list_distinct(list_concat(
                   list_transform(a.addr_hz, lambda k: k || '|' || left(p.surname_key, 1)),
                   list_transform(a.addr_hz, lambda k: k || '|' || left(p.given, 1))
               )) AS addr_block
        FROM {people} p
        LEFT JOIN agg a USING (uid)
        LEFT JOIN tg_nickname_groups g ON g.name = p.given
    """


def prepare_world(con: duckdb.DuckDBPyConnection) -> int:
    """Build ``tg_world``, ``tg_history`` and term-frequency tables from the registered world
    views (``taxgate.world.io.open_world``). Returns the number of taxpayers."""
    install_macros(con)
    _install_nicknames(con)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE tg_world_people AS "
        + _person_sql(
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
    con.execute(
        "CREATE OR REPLACE TABLE tg_history AS "
        + _address_sql(
            "addresses", "tin", "street", "unit", "city", "zip", "try_cast(last_year AS INTEGER)"
        )
    )
    con.execute(
        "CREATE OR REPLACE TABLE tg_world AS " + splink_input_sql("tg_world_people", "tg_history")
    )
    con.execute("DROP TABLE tg_world_people")
    total = int(con.execute("SELECT count(*) FROM tg_world").fetchall()[0][0])
    for column in ("given", "surname_key"):
        con.execute(
            f"""CREATE OR REPLACE TABLE tg_tf_{column} AS
                SELECT {column}, count(*)::DOUBLE / {max(total, 1)} AS tf_{column}
                FROM tg_world WHERE {column} IS NOT NULL GROUP BY {column}"""
        )
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
    _install_nicknames(con)
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
        + _person_sql(
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
        + _address_sql("tg_items_raw", "item_id", "street", "unit", "city", "zip", "0")
    )
    con.execute(
        "CREATE OR REPLACE TABLE tg_items AS "
        + splink_input_sql("tg_item_people", "tg_item_address")
    )
    con.execute("DROP TABLE tg_item_people")
    con.unregister("tg_items_raw")
    return int(con.execute("SELECT count(*) FROM tg_items").fetchall()[0][0])
