"""The address rule (``identity/address.py``) as the officer sees it: a supplied address one
keystroke off the address on file is that address; a different house, street, ZIP area or
flat is not. Evaluated exactly as ``match.address`` evaluates it, on normalised rows."""

from __future__ import annotations

import duckdb
import pytest

from taxgate.identity.normalise import address_sql, install_macros
from taxgate.identity.resolve import address_agrees_sql
from taxgate.settings import load_settings

ON_FILE = ("3 Cox Street", "", "04818")


def _agrees(supplied: tuple[str, str, str], on_file: tuple[str, str, str] = ON_FILE) -> bool:
    con = duckdb.connect()
    install_macros(con)
    for table, (street, unit, zip_code) in (("supplied", supplied), ("file", on_file)):
        con.execute(
            f"CREATE TABLE {table} AS SELECT '1' AS k, ? AS street, ? AS unit, ? AS zip",
            [street, unit, zip_code],
        )
    for alias, table in (("a", "supplied"), ("h", "file")):
        con.execute(
            f"CREATE TABLE {alias}_rows AS "
            + address_sql(table, "k", "street", "unit", "NULL", "zip", "0")
        )
    rule = address_agrees_sql(load_settings().identity)
    found = con.execute(f"SELECT bool_or({rule}) FROM a_rows a, h_rows h").fetchall()[0][0]
    con.close()
    return bool(found)


@pytest.mark.parametrize(
    "supplied",
    [
        ("3 Cox Street", "", "04818"),  # as on file
        ("3 Cox St", "", "04818"),  # street type abbreviated
        ("3 coxstreet", "", "04818"),  # words run together
        ("3 Co x Street", "", "04818"),  # a word split
        ("3 Cox Stret", "", "04818"),  # street type misspelt
        ("3 Cox Street", "", "04881"),  # ZIP digits transposed
        ("3 Cox Street", "", "04819"),  # ZIP one digit off
        ("3 Cox Street", "Apt 4", "04818"),  # a unit the file does not record
    ],
)
def test_an_address_one_keystroke_off_is_the_address_on_file(
    supplied: tuple[str, str, str],
) -> None:
    assert _agrees(supplied)


@pytest.mark.parametrize(
    ("supplied", "on_file"),
    [
        (("72 Peat Place", "", "04818"), ("27 Peat Place", "", "04818")),  # transposed
        (("01 Peat Place", "", "04818"), ("10 Peat Place", "", "04818")),
        (("101 Peat Plcae", "", "04818"), ("11 Peat Place", "", "04818")),  # two small slips
        (("5 Boswell C Rescent", "", "04818"), ("5 Boswell Crescent", "", "04818")),
        (
            ("8 Paul Coe Cres", "Rosettz Village", "04818"),
            ("8 Paul Coe Cres", "Rosetta Village", "04818"),
        ),  # a long second line misspelt
    ],
)
def test_house_numbers_and_long_units_tolerate_one_keystroke(
    supplied: tuple[str, str, str], on_file: tuple[str, str, str]
) -> None:
    assert _agrees(supplied, on_file)


@pytest.mark.parametrize(
    ("supplied", "on_file"),
    [
        (("12 Cox Street", "", "04818"), ("431 Cox Street", "", "04818")),  # another house
        (("3 Cox Street", "", "90210"), ON_FILE),  # another ZIP area
        (("3 Fox Avenue", "", "04818"), ON_FILE),  # another street
        (("4 Cox Street", "", "04818"), ON_FILE),  # a one-digit number one edit away
        (("72 Peat Place", "", "04881"), ("27 Peat Place", "", "04818")),  # house AND ZIP off
        (("27 Peat Place", "Apt 13", "04818"), ("27 Peat Place", "Apt 12", "04818")),  # flat
        (("27 Oak St", "", "04818"), ("27 Oak Ave", "", "04818")),  # another street type
        (("28 Peat Place", "", "04819"), ("27 Peat Place", "", "04818")),  # both one off
    ],
)
def test_a_different_house_street_zip_area_or_flat_is_not_on_file(
    supplied: tuple[str, str, str], on_file: tuple[str, str, str]
) -> None:
    assert not _agrees(supplied, on_file)
