"""Corruption the way real files are corrupted (FEBRL's kinds), applied to request items.

Off unless ``RequestParams.corruption_share`` > 0. A corrupted item gets one to
``corruption_max_per_item`` corruptions, each of a kind drawn by ``corruption_weights``:

- ``keystroke``: a neighbouring key, two adjacent characters swapped, or one dropped, in the
  given name, the surname, the street name, the house number or the ZIP (digits become
  neighbouring digits; a one-digit house number is left alone, since one edit in it is
  another house, and at most one of house number and ZIP is touched);
- ``ocr``: a character read as a look-alike (O/0, I/1, S/5, B/8, RN/M, CL/D) in a name or the
  street name;
- ``phonetic``: a spelling of the same sound (PH/F, C/K, EE/EA, IE/Y, Z/S, TH/T) in a name;
- ``swapped-names``: given name and surname in each other's field;
- ``dob-day-month``: day and month swapped (where the day is 12 or less);
- ``dob-digit``: one digit of the day, the month or the year's last digit off by one key
  (the result may be no date at all: 1980-13-04, as written);
- ``merged-street`` / ``split-street``: the street type run into the name ("12 OakStreet"),
  or a space typed inside the name ("12 Bos well Crescent");
- ``missing-value``: the date of birth, middle name, unit or city left out (never the name,
  street or ZIP: intake would then refuse the item, a different defect).

Every draw is ``rnd``/``rint`` of the item, a salt and the seed, so a seed gives the same
corruption every time. Items whose address is an unusable form keep it untouched (intake
must still see the placeholder). Each corruption that changed something is recorded in
``truth.csv`` as a variant ``corrupt-<kind>``; the item's true taxpayer does not change.
"""

from __future__ import annotations

import duckdb

from taxgate.world.request_params import CORRUPTIONS, UNUSABLE_FORMS, RequestParams
from taxgate.world.request_people import sql_text

# Neighbouring keys on a QWERTY keyboard, and on the digit row.
_KEYS = {
    "A": "QWSZ", "B": "VGHN", "C": "XDFV", "D": "SERFCX", "E": "WSDR", "F": "DRTGVC",
    "G": "FTYHBV", "H": "GYUJNB", "I": "UJKO", "J": "HUIKMN", "K": "JIOLM", "L": "KOP",
    "M": "NJK", "N": "BHJM", "O": "IKLP", "P": "OL", "Q": "WA", "R": "EDFT", "S": "AWEDXZ",
    "T": "RFGY", "U": "YHJI", "V": "CFGB", "W": "QASE", "X": "ZSDC", "Y": "TGHU", "Z": "ASX",
    "0": "9", "1": "2", "2": "13", "3": "24", "4": "35", "5": "46", "6": "57", "7": "68",
    "8": "79", "9": "80",
}  # fmt: skip
_OCR = (
    ("O", "0"), ("0", "O"), ("I", "1"), ("L", "1"), ("S", "5"), ("B", "8"), ("RN", "M"),
    ("M", "RN"), ("CL", "D"), ("G", "6"),
)  # fmt: skip
_SOUNDS = (
    ("PH", "F"), ("F", "PH"), ("C", "K"), ("K", "C"), ("EE", "EA"), ("IE", "Y"), ("Y", "IE"),
    ("Z", "S"), ("S", "Z"), ("TH", "T"), ("AI", "AY"), ("OU", "OW"),
)  # fmt: skip


def _keymap() -> str:
    pairs = ", ".join(f"{sql_text(k)}: {sql_text(v)}" for k, v in _KEYS.items())
    return f"MAP {{{pairs}}}"


def install_corruption_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Macros for one edit at position ``p`` of ``s``; ``r`` picks the kind of keystroke."""
    con.execute(f"""
        CREATE OR REPLACE MACRO tg_key_near(c, r) AS coalesce(
            substr({_keymap()}[upper(c)], 1 + CAST(r % len({_keymap()}[upper(c)]) AS INTEGER),
                   1), c)""")
    con.execute("""
        CREATE OR REPLACE MACRO tg_in_case(new, old) AS
            CASE WHEN old = lower(old) THEN lower(new) ELSE new END""")
    # r % 3: 0 a neighbouring key, 1 two adjacent characters swapped, 2 one dropped.
    con.execute("""
        CREATE OR REPLACE MACRO tg_keystroke(s, p, r) AS CASE
            WHEN s IS NULL OR len(s) < 2 THEN s
            WHEN r % 3 = 0 THEN substr(s, 1, p - 1)
                || tg_in_case(tg_key_near(substr(s, p, 1), r // 3), substr(s, p, 1))
                || substr(s, p + 1)
            WHEN r % 3 = 1 AND p < len(s) THEN substr(s, 1, p - 1) || substr(s, p + 1, 1)
                || substr(s, p, 1) || substr(s, p + 2)
            ELSE substr(s, 1, p - 1) || substr(s, p + 1) END""")
    # Digits: a neighbouring digit or two adjacent digits swapped; never a dropped digit.
    con.execute("""
        CREATE OR REPLACE MACRO tg_digit_slip(s, p, r) AS CASE
            WHEN s IS NULL OR len(s) < 2 OR NOT regexp_full_match(s, '[0-9]+') THEN s
            WHEN r % 2 = 1 AND p < len(s) THEN substr(s, 1, p - 1) || substr(s, p + 1, 1)
                || substr(s, p, 1) || substr(s, p + 2)
            ELSE substr(s, 1, p - 1) || tg_key_near(substr(s, p, 1), r // 2)
                || substr(s, p + 1) END""")


def _replace_one(column: str, pairs: tuple[tuple[str, str], ...], pick: str) -> str:
    """Replace the first (case-insensitive) occurrence of one of ``pairs`` in ``column``:
    ``pick`` chooses among the pairs that occur (none occurring: unchanged)."""
    froms = "[" + ", ".join(sql_text(a) for a, _ in pairs) + "]"
    tos = "[" + ", ".join(sql_text(b) for _, b in pairs) + "]"
    present = (
        f"list_filter(range(1, {len(pairs) + 1}), lambda i: contains(upper({column}), {froms}[i]))"
    )
    chosen = f"{present}[1 + CAST({pick} % greatest(len({present}), 1) AS INTEGER)]"
    return (
        f"CASE WHEN len({present}) = 0 THEN {column} ELSE regexp_replace({column},"
        f" '(?i)' || {froms}[{chosen}], tg_in_case({tos}[{chosen}],"
        f" substr({column}, instr(upper({column}), {froms}[{chosen}]), 1))) END"
    )


# The item columns a corruption may change, and what they are called while a step runs.
_CHANGED = (
    "given_name",
    "surname",
    "street",
    "zip",
    "date_of_birth",
    "middle_name",
    "unit",
    "city",
)


def _kind_sql(j: int, steps: int, weights: tuple[float, ...]) -> str:
    """The kind of draw ``j`` of a corrupted item (NULL past its number of corruptions)."""
    total = sum(weights)
    cuts = [sum(weights[: i + 1]) / total for i in range(len(weights))]
    whens = " ".join(
        f"WHEN rnd(rn, 'ck{j}') < {cut} THEN '{name}'"
        for name, cut in zip(CORRUPTIONS, cuts, strict=True)
    )
    return (
        f"CASE WHEN corrupted AND rint(rn, 'cn') % {steps} >= {j}"
        f" THEN CASE {whens} ELSE '{CORRUPTIONS[-1]}' END END"
    )


def _step_sql(j: int, steps: int, weights: tuple[float, ...]) -> str:
    """Draw ``j``: at most one corruption per item over ``corrupt_{j}``, as a SELECT that
    adds ``kind_{j}`` (the kind, where it changed something)."""
    field, r = f"rint(rn, 'cf{j}')", f"rint(rn, 'cr{j}')"

    def pos(column: str, first: int = 2) -> str:
        # Names and words keep their first letter: slips come later in a word far more
        # often, and otherwise the blocking keys would be tested rather than the rule.
        span = f"greatest(len({column}) - {first - 1}, 1)"
        return f"{first} + CAST(rint(rn, 'cp{j}') % {span} AS INTEGER)"

    # Which field a keystroke hits: names only where the address is an unusable form; the
    # house number or ZIP only while neither has been hit.
    target = (
        f"CASE WHEN NOT address_ok THEN {field} % 2"
        f" WHEN touched_house OR touched_zip THEN {field} % 3 ELSE {field} % 5 END"
    )
    name = "regexp_extract(street, '^[0-9]+[A-Za-z]? +(.*)$', 1)"
    house = "regexp_extract(street, '^([0-9]+)', 1)"
    first_word = f"len(split_part({name}, ' ', 1))"
    cut = f"2 + CAST({r} % greatest({first_word} - 3, 1) AS INTEGER)"
    dob = "date_of_birth"

    def dob_digit(at: int) -> str:
        near = f"tg_key_near(substr({dob}, {at}, 1), {r} // 3)"
        return f"left({dob}, {at - 1}) || {near} || substr({dob}, {at + 1})"

    step = f"""
        SELECT * REPLACE (
            CASE WHEN k = 'keystroke' AND t = 0
                     THEN tg_keystroke(given_name, {pos("given_name")}, {r})
                 WHEN k = 'ocr' AND {field} % 3 = 0 AND given_name IS NOT NULL
                     THEN {_replace_one("given_name", _OCR, r)}
                 WHEN k = 'phonetic' AND {field} % 2 = 0 AND given_name IS NOT NULL
                     THEN {_replace_one("given_name", _SOUNDS, r)}
                 WHEN k = 'swapped-names' THEN surname
                 ELSE given_name END AS given_name,
            CASE WHEN k = 'keystroke' AND t = 1
                     THEN tg_keystroke(surname, {pos("surname")}, {r})
                 WHEN k = 'ocr' AND {field} % 3 = 1 AND surname IS NOT NULL
                     THEN {_replace_one("surname", _OCR, r)}
                 WHEN k = 'phonetic' AND {field} % 2 = 1 AND surname IS NOT NULL
                     THEN {_replace_one("surname", _SOUNDS, r)}
                 WHEN k = 'swapped-names' THEN given_name
                 ELSE surname END AS surname,
            CASE WHEN NOT address_ok OR street IS NULL OR {house} = '' OR {name} = '' THEN street
                 WHEN k = 'keystroke' AND t = 2
                     THEN {house} || ' ' || tg_keystroke({name}, {pos(name)}, {r})
                 WHEN k = 'keystroke' AND t = 3 AND len({house}) >= 2
                     THEN tg_digit_slip({house}, {pos(house, 1)}, {r})
                          || substr(street, len({house}) + 1)
                 WHEN k = 'ocr' AND {field} % 3 = 2
                     THEN {house} || ' ' || {_replace_one(name, _OCR[2:], r)}
                 WHEN k = 'merged-street' AND regexp_matches({name}, ' [A-Za-z]+$')
                     THEN regexp_replace(street, ' ([A-Za-z]+)$', '\\1')
                 WHEN k = 'split-street' AND {first_word} >= 4
                     THEN {house} || ' ' || left({name}, {cut}) || ' '
                          || substr({name}, {cut} + 1)
                 ELSE street END AS street,
            CASE WHEN address_ok AND k = 'keystroke' AND t = 4
                     THEN tg_digit_slip(zip, {pos("zip", 1)}, {r})
                 ELSE zip END AS zip,
            CASE WHEN {dob} IS NULL THEN NULL
                 WHEN k = 'dob-day-month' AND substr({dob}, 9, 2) <= '12'
                     THEN left({dob}, 5) || substr({dob}, 9, 2) || '-' || substr({dob}, 6, 2)
                 WHEN k = 'dob-digit' THEN CASE {r} % 3 WHEN 0 THEN {dob_digit(4)}
                     WHEN 1 THEN {dob_digit(7)} ELSE {dob_digit(10)} END
                 WHEN k = 'missing-value' AND {field} % 4 = 0 THEN NULL
                 ELSE {dob} END AS date_of_birth,
            CASE WHEN k = 'missing-value' AND {field} % 4 = 1 THEN NULL ELSE middle_name END
                AS middle_name,
            CASE WHEN k = 'missing-value' AND {field} % 4 = 2 THEN NULL ELSE unit END AS unit,
            CASE WHEN k = 'missing-value' AND {field} % 4 = 3 THEN NULL ELSE city END AS city)
        FROM (SELECT *, {target} AS t FROM (
            SELECT *, {_kind_sql(j, steps, weights)} AS k,
                   {", ".join(f"{c} AS was_{c}" for c in _CHANGED)}
            FROM corrupt_{j}))"""
    changed = " OR ".join(f"{c} IS DISTINCT FROM was_{c}" for c in _CHANGED)
    was = ", ".join(f"was_{c}" for c in _CHANGED)
    return f"""
        SELECT * EXCLUDE (k, t, {was}) REPLACE (
            touched_house OR (k = 'keystroke' AND t = 3 AND street IS DISTINCT FROM was_street)
                AS touched_house,
            touched_zip OR (k = 'keystroke' AND t = 4 AND zip IS DISTINCT FROM was_zip)
                AS touched_zip),
            CASE WHEN {changed} THEN k END AS kind_{j}
        FROM ({step})"""


def corrupt(con: duckdb.DuckDBPyConnection, p: RequestParams) -> None:
    """Corrupt ``request_items`` in place (see the module's docstring)."""
    if p.corruption_share <= 0:
        return
    install_corruption_macros(con)
    unusable = ", ".join(sql_text(f) for f in (*UNUSABLE_FORMS, "no-street-number"))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE corrupt_0 AS
        SELECT *, rnd(rn, 'corrupt') < {float(p.corruption_share)} AS corrupted,
            NOT list_has_any(string_split(defect || ';' || variants, ';'), [{unusable}])
                AS address_ok,
            false AS touched_house, false AS touched_zip,
            {", ".join(f"{c} AS orig_{c}" for c in _CHANGED)}
        FROM request_items""")
    steps = int(p.corruption_max_per_item)
    for j in range(steps):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE corrupt_{j + 1} AS "
            + _step_sql(j, steps, p.corruption_weights)
        )
    kinds = ", ".join(f"kind_{j}" for j in range(steps))
    originals = ", ".join(f"orig_{c}" for c in _CHANGED)
    # Two corruptions may undo each other (run together, then split at the same place):
    # only an item that ends up different is tagged.
    changed = " OR ".join(f"{c} IS DISTINCT FROM orig_{c}" for c in _CHANGED)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE request_items AS
        SELECT * EXCLUDE (corrupted, address_ok, touched_house, touched_zip, {kinds},
                          {originals})
            REPLACE (CASE WHEN {changed} THEN array_to_string(list_sort(list_distinct(
                list_filter(string_split(variants, ';')
                                || list_transform([{kinds}], lambda x: 'corrupt-' || x),
                            lambda x: x IS NOT NULL AND x <> ''))), ';')
                     ELSE variants END AS variants)
        FROM corrupt_{steps}""")
    for j in range(steps + 1):
        con.execute(f"DROP TABLE corrupt_{j}")
