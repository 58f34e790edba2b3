"""Matching-oriented normalisation, as DuckDB SQL macros.

The identity stage does its own normalisation rather than reuse intake's: what makes two
spellings *the same person* (nicknames aside) is a matching question, and keeping it here
means a change to intake's display forms cannot silently move match weights.

All macros are pure SQL so world and items go through the same code path, vectorised;
``person_sql`` and ``address_sql`` apply them to whole tables, once per distinct value.
"""

from __future__ import annotations

import duckdb

from taxgate.intake.normalize import NAME_SUFFIXES

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

# Generational suffixes: intake's table, so that a suffix intake reads (JNR, SNR) is one
# identity reads too.
SUFFIXES: dict[str, str] = dict(NAME_SUFFIXES)

# The long form of each abbreviation ``STREET_WORDS`` produces (ST -> STREET), for the street
# key: "COX ST", "COX STREET" and "COXSTREET" are one street once words are long and spaces
# gone, and a typo in the street type ("PLCAE") is then one edit from its long form.
LONG_STREET_WORDS: dict[str, str] = {}
for _long, _short in STREET_WORDS.items():
    LONG_STREET_WORDS.setdefault(_short, _long if _long != "SAINT" else "STREET")


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in mapping.items())
    return f"CASE {column} {whens} ELSE {column} END"


# Spellings of one sound, rewritten in this order before vowels and repeats go
# (``tg_sound``).
SOUND_REWRITES: tuple[tuple[str, str], ...] = (
    ("[^A-Z]", ""),
    ("^KN", "N"),
    ("^WR", "R"),
    ("^PS", "S"),
    ("PH", "F"),
    ("GH", "G"),
    ("DG", "J"),
    ("TH", "T"),
    ("SCH", "SK"),
    ("CH", "K"),
    ("CK", "K"),
    ("C([EIY])", "S\\1"),
    ("C", "K"),
    ("Q", "K"),
    ("X", "KS"),
    ("Z", "S"),
    ("V", "F"),
)


def _sound_rewrites(column: str) -> str:
    expression = column
    for pattern, replacement in SOUND_REWRITES:
        expression = f"regexp_replace({expression}, '{pattern}', '{replacement}', 'g')"
    return expression


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
        f"CREATE OR REPLACE MACRO tg_street_long(t) AS {_case('t', LONG_STREET_WORDS)}",
        # The street key: the normalised street line without its house number, each word in
        # its long form, spaces removed ("12 BOSWELL C RESCENT" and "12 BOSWELL CRES" are
        # both BOSWELLCRESCENT).
        """CREATE OR REPLACE MACRO tg_street_key(street, house) AS nullif(array_to_string(
            list_transform(CASE WHEN house IS NOT NULL AND split_part(street, ' ', 1) = house
                                THEN string_split(street, ' ')[2:]
                                ELSE string_split(street, ' ') END,
                           lambda w: tg_street_long(w)), ''), '')""",
        # How a name sounds: the first letter, then consonant sounds with vowels, H, W and Y
        # dropped and repeated sounds once ("JAEMS" and "JAMES" are JMS, "CATHERINE" and
        # "KATHRYN" KTRN). Stricter than Soundex, which makes ROBERT and RUPERT one name.
        # Macros expand inline, so each step takes its argument once or twice, never inside
        # a lambda: the rewrites then run a few times per distinct name, not per letter.
        """CREATE OR REPLACE MACRO tg_once(s) AS array_to_string(list_transform(list_filter(
            list_zip(string_split(s, ''), list_prepend('', string_split(s, ''))),
            lambda p: p[1] <> p[2]), lambda p: p[1]), '')""",
        """CREATE OR REPLACE MACRO tg_sound_of_spelt(s) AS nullif(
            left(s, 1) || tg_once(regexp_replace(substr(s, 2), '[AEIOUYHW]', '', 'g')), '')""",
        f"CREATE OR REPLACE MACRO tg_sound(n) AS tg_sound_of_spelt({_sound_rewrites('n')})",
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
        # A date of birth that is no date (1996-00-94: two digits transposed) is still
        # evidence: the DOB levels compare its digits.
        """CREATE OR REPLACE MACRO tg_dob(s) AS coalesce(
            strftime(try_cast(trim(s::VARCHAR) AS DATE), '%Y-%m-%d'),
            CASE WHEN regexp_full_match(trim(s::VARCHAR), '[12][0-9]{3}-[0-9]{2}-[0-9]{2}')
                 THEN trim(s::VARCHAR) END)""",
        # The house number: a leading token with a digit ("12", "12A", "12-14").
        """CREATE OR REPLACE MACRO tg_house(street) AS
            nullif(regexp_extract(street, '^([0-9][0-9A-Z]*)( |$)', 1), '')""",
    ]
    for statement in statements:
        con.execute(statement)


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


def person_sql(
    source: str, uid: str, given: str, middle: str, surname: str, suffix: str, dob: str, tin: str
) -> str:
    """Name, DOB and TIN columns, shared by world and items.

    Each name field is normalised once per *distinct* value and joined back: a master file
    of 10 million taxpayers has a few thousand given names and about a hundred thousand
    surnames, so the regular expressions run on those, not on every row (twice as fast)."""
    particles = ", ".join(f"'{word}'" for word in SURNAME_PARTICLES)

    def forms(raw: str, columns: str) -> str:
        distinct = f"(SELECT DISTINCT {raw} FROM src)"
        return (
            f"(SELECT {raw}, {columns} FROM (SELECT {raw}, tg_clean({raw}) AS c FROM {distinct}))"
        )

    given_forms = forms(
        "g",
        "tg_name_of_clean(c) AS given_all, tg_trailing_suffix_of_clean(c) AS given_suffix,"
        " tg_sound(split_part(tg_name_of_clean(c), ' ', 1)) AS given_sound",
    )
    middle_forms = forms("m", "tg_name_of_clean(c) AS middle_raw")
    surname_forms = forms(
        "s",
        "tg_name_of_clean(c) AS surname, tg_trailing_suffix_of_clean(c) AS surname_suffix,"
        " tg_sound(replace(tg_name_of_clean(c), ' ', '')) AS surname_sound",
    )
    suffix_forms = forms("x", "tg_suffix_word(replace(c, ' ', '')) AS suffix_word")
    return f"""
        WITH src AS MATERIALIZED (
            SELECT {uid}::VARCHAR AS uid, {given} AS g, {middle} AS m, {surname} AS s,
                   {suffix} AS x, {dob} AS d, {tin} AS t
            FROM {source}
        ), raw AS (
            SELECT src.uid, gf.given_all, gf.given_sound, mf.middle_raw, sf.surname,
                   sf.surname_sound,
                   coalesce(xf.suffix_word, sf.surname_suffix, gf.given_suffix) AS suffix,
                   tg_dob(src.d) AS dob, tg_digits(src.t) AS tin
            FROM src
            LEFT JOIN {given_forms} gf ON src.g IS NOT DISTINCT FROM gf.g
            LEFT JOIN {middle_forms} mf ON src.m IS NOT DISTINCT FROM mf.m
            LEFT JOIN {surname_forms} sf ON src.s IS NOT DISTINCT FROM sf.s
            LEFT JOIN {suffix_forms} xf ON src.x IS NOT DISTINCT FROM xf.x
        ), split AS (
            SELECT *, string_split(given_all, ' ') AS given_words FROM raw
        )
        SELECT uid,
               given_words[1] AS given, given_sound,
               replace(given_all, ' ', '') AS given_whole,
               coalesce(middle_raw, given_words[2]) AS middle,
               surname,
               replace(surname, ' ', '') AS surname_key,
               list_filter(string_split(surname, ' '),
                           lambda w: len(w) > 1 AND w NOT IN ({particles})) AS surname_tokens,
               surname_sound, suffix, dob, tin
        FROM split
    """


def address_sql(
    source: str, key: str, street: str, unit: str, city: str, zip_code: str, order: str
) -> str:
    """One normalised row per address, each field normalised once per distinct value.

    A street line is usually a house number and a street name ("1200 N Oak Street"): the
    name part is normalised once per distinct name and the number put back in front. On a
    10 million master file that is a hundred thousand names instead of eighteen million
    lines. This gives exactly what the macros give the whole line (``test_normalise.py``):
    cleaning never joins a pure number to the word after it, no street word is a number,
    and a unit designator only starts after a space. Lines of any other shape go through
    the macros whole. Unit and city have a few thousand values but are normalised row by
    row: joined as dictionaries, DuckDB built its hash table on the 18 million rows instead
    (7 s each, against 3-4 s for the macros)."""
    unit_words = "|".join(UNIT_WORDS)
    unit_tail = f"' (#|{unit_words})( |$).*$'"
    unit_text = f"' (#|{unit_words}) (.*)$'"

    # The street key (``tg_street_key``) too, once per distinct name: ``rest`` starts with
    # a space, so its first word is the empty one where the house number would be.
    named_streets = f"""(
        SELECT *, nullif(array_to_string(list_transform(string_split(rest, ' ')[2:],
                                                        lambda w: tg_street_long(w)), ''), '')
                      AS key
        FROM (
        SELECT name, c IS NULL AS bare,
               array_to_string(list_transform(
                   string_split(regexp_replace(' ' || coalesce(c, ''), {unit_tail}, ''), ' '),
                   lambda w: tg_street_word(w)), ' ') AS rest,
               tg_unit(nullif(regexp_extract(' ' || coalesce(c, ''), {unit_text}, 2), ''))
                   AS line_unit
        FROM (SELECT name, tg_clean(name) AS c
              FROM (SELECT DISTINCT name FROM src WHERE numbered))))"""
    other_streets = """(
        SELECT *, tg_street_key(street, tg_house(street)) AS key
        FROM (
        SELECT line, tg_street_of_clean(c) AS street,
               tg_unit(tg_street_unit_of_clean(c)) AS line_unit
        FROM (SELECT line, tg_clean(line) AS c
              FROM (SELECT DISTINCT line FROM src WHERE NOT numbered))))"""
    return f"""
        WITH src AS MATERIALIZED (
            SELECT uid, line, u, t, z, recency, coalesce(parts.house, '') <> '' AS numbered,
                   parts.house AS number, parts.name AS name
            FROM (SELECT {key}::VARCHAR AS uid, {street}::VARCHAR AS line, {unit} AS u,
                         {city} AS t, {zip_code} AS z, {order} AS recency,
                         regexp_extract({street}::VARCHAR, '^([0-9]+) +(.*)$',
                                        ['house', 'name']) AS parts
                  FROM {source})
        ), streets AS (
            SELECT src.*,
                   CASE WHEN numbered THEN number
                                           || CASE WHEN n.bare THEN '' ELSE n.rest END
                        ELSE o.street END AS street,
                   CASE WHEN numbered THEN number ELSE tg_house(o.street) END AS house,
                   CASE WHEN numbered THEN n.line_unit ELSE o.line_unit END AS line_unit,
                   CASE WHEN numbered THEN (CASE WHEN n.bare THEN NULL ELSE n.key END)
                        ELSE o.key END AS key
            FROM src
            LEFT JOIN {named_streets} n ON numbered AND src.name = n.name
            LEFT JOIN {other_streets} o ON NOT numbered AND src.line IS NOT DISTINCT FROM o.line
        )
        SELECT s.uid, s.house, s.street,
               -- Two in three addresses give no unit: the macro's regular expressions run
               -- only on those that do (a third of the world's normalisation time).
               coalesce(CASE WHEN s.u IS NOT NULL THEN tg_unit(s.u) END, s.line_unit) AS unit,
               tg_name(s.t) AS city, zips.zip, s.recency, s.key
        FROM streets s
        LEFT JOIN (SELECT z, tg_zip(z) AS zip FROM (SELECT DISTINCT z FROM src)) zips
          ON s.z IS NOT DISTINCT FROM zips.z
        WHERE s.street IS NOT NULL OR zips.zip IS NOT NULL
    """
