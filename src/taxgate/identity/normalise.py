"""Matching-oriented normalisation, as DuckDB SQL macros.

The identity stage does its own normalisation rather than reuse intake's: what makes two
spellings *the same person* (nicknames aside) is a matching question, and keeping it here
means a change to intake's display forms cannot silently move match weights.

All macros are pure SQL so world and items go through the same code path, vectorised.
"""

from __future__ import annotations

import duckdb

# Street-type and directional words as the USPS abbreviates them (Publication 28, C1/C2).
STREET_WORDS: dict[str, str] = {
    "STREET": "ST",
    "STR": "ST",
    "AVENUE": "AVE",
    "AV": "AVE",
    "AVN": "AVE",
    "ROAD": "RD",
    "DRIVE": "DR",
    "DRV": "DR",
    "BOULEVARD": "BLVD",
    "BOUL": "BLVD",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "CIRCLE": "CIR",
    "CIRCUIT": "CIR",
    "TERRACE": "TER",
    "PARKWAY": "PKWY",
    "HIGHWAY": "HWY",
    "CRESCENT": "CRES",
    "SQUARE": "SQ",
    "TRAIL": "TRL",
    "WAY": "WAY",
    "EXPRESSWAY": "EXPY",
    "FREEWAY": "FWY",
    "PLAZA": "PLZ",
    "POINT": "PT",
    "MOUNT": "MT",
    "SAINT": "ST",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
    "FIRST": "1ST",
    "SECOND": "2ND",
    "THIRD": "3RD",
    "FOURTH": "4TH",
    "FIFTH": "5TH",
}

# Words that introduce a unit ("APT 4B", "# 4B", "UNIT 4B" are one unit, "4B").
UNIT_WORDS = ("APARTMENT", "APT", "UNIT", "STE", "SUITE", "NO", "NUM", "RM", "ROOM", "FL", "BLDG")

SUFFIXES: dict[str, str] = {
    "JR": "JR",
    "JUNIOR": "JR",
    "SR": "SR",
    "SENIOR": "SR",
    "II": "II",
    "2ND": "II",
    "III": "III",
    "3RD": "III",
    "IV": "IV",
    "4TH": "IV",
}


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in mapping.items())
    return f"CASE {column} {whens} ELSE {column} END"


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``tg_*`` normalisation macros on ``con`` (idempotent)."""
    unit_words = "|".join(UNIT_WORDS)
    suffix_words = "|".join(SUFFIXES)
    statements = [
        # Upper-case ASCII letters, digits and single spaces. Apostrophes and dots join
        # (O'BRIEN -> OBRIEN, J.R. -> JR); every other mark separates (GARCIA-LOPEZ).
        """CREATE OR REPLACE MACRO tg_clean(s) AS nullif(trim(regexp_replace(
            regexp_replace(upper(strip_accents(replace(coalesce(s::VARCHAR, ''), '#', ' # '))),
                           '[''.`]', '', 'g'),
            '[^A-Z0-9#]+', ' ', 'g')), '')""",
        f"CREATE OR REPLACE MACRO tg_suffix_word(t) AS {_case('t', SUFFIXES)}",
        # The ``*_of_clean`` forms take a value already through tg_clean: macros are
        # expanded inline, so a query that cleans once and derives several columns from the
        # clean value runs several times faster on a large master file.
        # A generational suffix written as the last word of a name field.
        f"""CREATE OR REPLACE MACRO tg_trailing_suffix_of_clean(c) AS
            tg_suffix_word(nullif(regexp_extract(c, ' ({suffix_words})$', 1), ''))""",
        "CREATE OR REPLACE MACRO tg_trailing_suffix(s) AS tg_trailing_suffix_of_clean(tg_clean(s))",
        f"""CREATE OR REPLACE MACRO tg_name_of_clean(c) AS nullif(replace(
            trim(regexp_replace(c, ' ({suffix_words})$', '')), '#', ''), '')""",
        "CREATE OR REPLACE MACRO tg_name(s) AS tg_name_of_clean(tg_clean(s))",
        f"CREATE OR REPLACE MACRO tg_street_word(t) AS {_case('t', STREET_WORDS)}",
        # Street line without any unit designator that was typed into it.
        f"""CREATE OR REPLACE MACRO tg_street_of_clean(c) AS nullif(array_to_string(
            list_transform(string_split(trim(regexp_replace(c, ' (#|{unit_words})( |$).*$', '')),
                                        ' '),
                           lambda w: tg_street_word(w)), ' '), '')""",
        "CREATE OR REPLACE MACRO tg_street(s) AS tg_street_of_clean(tg_clean(s))",
        f"""CREATE OR REPLACE MACRO tg_street_unit_of_clean(c) AS
            nullif(regexp_extract(c, ' (#|{unit_words}) (.*)$', 2), '')""",
        "CREATE OR REPLACE MACRO tg_street_unit(s) AS tg_street_unit_of_clean(tg_clean(s))",
        # Unit "APT 4-B", "#4B", "Unit 4 B" -> "4B".
        f"""CREATE OR REPLACE MACRO tg_unit(s) AS nullif(replace(regexp_replace(
            tg_clean(s), '^((#|{unit_words}) ?)+', ''), ' ', ''), '')""",
        "CREATE OR REPLACE MACRO tg_zip(s) AS nullif(left(regexp_replace(coalesce(s::VARCHAR, ''),"
        " '[^0-9]', '', 'g'), 5), '')",
        "CREATE OR REPLACE MACRO tg_digits(s) AS nullif(regexp_replace(coalesce(s::VARCHAR, ''),"
        " '[^0-9]', '', 'g'), '')",
        "CREATE OR REPLACE MACRO tg_dob(s) AS"
        " strftime(try_cast(trim(s::VARCHAR) AS DATE), '%Y-%m-%d')",
        # The house number: a leading token with a digit ("12", "12A", "12-14").
        """CREATE OR REPLACE MACRO tg_house(street) AS
            nullif(regexp_extract(street, '^([0-9][0-9A-Z]*)( |$)', 1), '')""",
    ]
    for statement in statements:
        con.execute(statement)
