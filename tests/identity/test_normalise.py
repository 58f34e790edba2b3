"""Normalisation: what makes two spellings the same, and the bulk form that must not change it.

``person_sql`` and ``address_sql`` normalise each distinct value once, and split a street
line into its house number and street name (many lines, few names). The reference here is
deliberately simple: the ``tg_*`` macros applied to every row, whole. Any string, however
odd, must come out the same both ways."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from taxgate.identity.normalise import SURNAME_PARTICLES, address_sql, install_macros, person_sql

# Letters, marks and words that the macros treat specially, so that random strings hit them.
_PIECES = st.sampled_from(
    [
        "a", "Z", "é", "Ñ", "ß", "'", ".", "-", "#", " ", "  ", "\t", "0", "7", "12", "3B",
        "Jr", "SR", "iii", "APT", "Unit", "ste", "No", "north", "Street", "AVE", "Saint",
        "O'", "De La", "van", "Mc", "4th",
    ]
)  # fmt: skip
PARTICLES = ", ".join(f"'{word}'" for word in SURNAME_PARTICLES)
_TEXT = st.one_of(st.none(), st.lists(_PIECES, max_size=7).map("".join), st.text(max_size=12))
# Street lines shaped like real ones (number, street name, maybe a unit typed into the line,
# maybe nothing after the number but a unit) as well as any text.
_NUMBER = st.from_regex(r"[0-9]{1,5}", fullmatch=True)
_UNIT = st.sampled_from(["", " APT 4", " # 4B", " Unit", " ste 2 rear", " No. 7", "#3"])
_STREET = st.one_of(
    _TEXT,
    st.tuples(_NUMBER, st.sampled_from([" ", "  "]), _TEXT).map(
        lambda t: t[0] + t[1] + (t[2] or "")
    ),
    st.tuples(
        _NUMBER, st.sampled_from(["", " North Oak Street", " 5th Ave", " St. Mary's"]), _UNIT
    ).map("".join),
)


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    names = list(rows[0])
    return pa.Table.from_pylist(rows, schema=pa.schema([(n, pa.string()) for n in names]))


_CON = duckdb.connect()
install_macros(_CON)


def _connection(rows: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """One connection for every example (installing the macros is the slow part)."""
    _CON.register("source", _table(rows))
    return _CON


def _sorted(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"g": _TEXT, "m": _TEXT, "s": _TEXT, "x": _TEXT, "d": st.none() | st.just("1980-02-29")}
        ),
        min_size=1,
        max_size=12,
    )
)
def test_names_normalised_per_distinct_value_equal_the_macros_row_by_row(
    rows: list[dict[str, Any]],
) -> None:
    keyed = [
        {"id": str(i), **row, "t": "000-12-3456" if i % 2 else None} for i, row in enumerate(rows)
    ]
    con = _connection(keyed)
    bulk = _sorted(con, person_sql("source", "id", "g", "m", "s", "x", "d", "t"))
    reference = _sorted(
        con,
        f"""
        WITH r AS (
            SELECT id AS uid, tg_name(g) AS given_all, tg_name(m) AS middle_raw,
                   tg_name(s) AS surname,
                   coalesce(tg_suffix_word(replace(tg_clean(x), ' ', '')), tg_trailing_suffix(s),
                            tg_trailing_suffix(g)) AS suffix,
                   tg_dob(d) AS dob, tg_digits(t) AS tin
            FROM source)
        SELECT uid, string_split(given_all, ' ')[1],
               tg_sound(string_split(given_all, ' ')[1]), replace(given_all, ' ', ''),
               coalesce(middle_raw, string_split(given_all, ' ')[2]), surname,
               replace(surname, ' ', ''),
               list_filter(string_split(surname, ' '),
                           lambda w: len(w) > 1 AND w NOT IN ({PARTICLES})),
               tg_sound(replace(surname, ' ', '')), suffix, dob, tin
        FROM r""",
    )
    assert bulk == reference


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({"street": _STREET, "unit": _TEXT, "city": _TEXT, "zip": _TEXT}),
        min_size=1,
        max_size=12,
    )
)
def test_addresses_normalised_by_number_and_street_name_equal_the_macros_row_by_row(
    rows: list[dict[str, Any]],
) -> None:
    keyed = [{"id": str(i), **row} for i, row in enumerate(rows)]
    con = _connection(keyed)
    bulk = _sorted(con, address_sql("source", "id", "street", "unit", "city", "zip", "1"))
    reference = _sorted(
        con,
        """
        WITH r AS (
            SELECT id AS uid, tg_street(street) AS street,
                   coalesce(tg_unit(unit), tg_unit(tg_street_unit(street))) AS unit,
                   tg_name(city) AS city, tg_zip(zip) AS zip, 1 AS recency
            FROM source)
        SELECT uid, tg_house(street), street, unit, city, zip, recency,
               tg_street_key(street, tg_house(street)) FROM r
        WHERE street IS NOT NULL OR zip IS NOT NULL""",
    )
    assert bulk == reference


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


def test_street_lines_written_differently_normalise_alike() -> None:
    con = _connection([{"id": "1"}])
    forms = {
        _one(con, f"SELECT tg_street('{line}')")
        for line in (
            "1200 North Oak Street",
            "1200 N. Oak St",
            "1200  n oak street apt 4",
            "1200 N Oak St #4",
        )
    }
    assert forms == {"1200 N OAK ST"}
    assert _one(con, "SELECT tg_unit(tg_street_unit('12 Elm St Apt 4-B'))") == "4B"
    assert _one(con, "SELECT tg_unit('Unit 4 B')") == "4B"


def test_names_keep_their_particles_and_lose_their_marks() -> None:
    con = _connection([{"id": "1"}])
    assert _one(con, "SELECT tg_name('O''Brien-Núñez')") == "OBRIEN NUNEZ"
    assert _one(con, "SELECT tg_name('Glenn Keller Jr.')") == "GLENN KELLER"
    assert _one(con, "SELECT tg_trailing_suffix('Glenn Keller Jr.')") == "JR"
    assert _one(con, "SELECT tg_name('Failed to Provide')") == "FAILED TO PROVIDE"
