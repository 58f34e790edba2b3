"""The Fellegi–Sunter model: comparisons, levels and blocking rules (Splink 5 settings).

Columns come from ``prepare.py``; every comparison is written symmetrically so it reads the
same whichever side Splink puts the item on, and through ``engine.Dialect`` so the same
model runs on DuckDB or Spark (``for_engine`` re-spells a saved model for another engine).

Modelling choices:
- Given name has its own nickname level (our table, ``nicknames.csv``): without it EM sends
  the m of the "else" level towards zero and every BOB/ROBERT pair is punished.
- Typos are not strangers (issue 17): both names have levels for one edit or transposition,
  two edits in a long name, and the same sound (``normalise.tg_sound``); the given name also
  for a name split in two words and for the other's middle name. Which of them identify
  next to a date of birth, and which contradict, is ``resolve.py``'s gate.
- Given name and surname each have a "written in the other field" level: name order differs
  between cultures and forms, and a swap is a clerical error, not a different person.
- Surname: exact (term-frequency adjusted), then "one of two surnames" (GARCIA vs GARCIA
  LOPEZ), then the typo levels.
- Suffix: only a disagreement (JR vs SR) carries weight; a missing suffix is no evidence.
- DOB: exact, day and month swapped, one digit of the day or month off, a year typed wrong
  within ``dob_year_typo_years``; a year a generation off with the same birthday is a parent
  or child (or, transposed, a typo: a person decides); a missing DOB is null.
- TIN: supportive evidence only; ``resolve.py`` refuses to release on the TIN alone.
- Address: ONE comparison against *any* address in the taxpayer's history. Separate street,
  city and ZIP comparisons are perfectly correlated, and EM drove movers' weights to absurd
  values on that design. Its agreeing levels are ``address.py``'s rule, which
  ``match.address`` uses too.
"""

from __future__ import annotations

import copy
from typing import Any

from splink import SettingsCreator

from taxgate.errors import ConfigError
from taxgate.identity.address import (
    AddressRules,
    element_parts,
    keystroke_off,
    spelled_differently,
)
from taxgate.identity.blocking import blocking_rules
from taxgate.identity.engine import DUCKDB_DIALECT, Dialect, Engine, dialect
from taxgate.settings import IdentitySettings, load_settings

UNIQUE_ID = "uid"

_NULL = "is_null_level"


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(*columns: str) -> dict[str, Any]:
    sql = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)
    return _level(sql, "missing", **{_NULL: True})


def _else() -> dict[str, Any]:
    return _level("ELSE", "all other")


def _tf(column: str) -> dict[str, Any]:
    return {"tf_adjustment_column": column, "tf_adjustment_weight": 1.0}


def _any_pair(d: Dialect, left: str, right: str, predicate: str) -> str:
    """True when some element x of ``left`` and y of ``right`` satisfy ``predicate``."""
    inner = d.exists.format(array=right, var="y", predicate=predicate)
    return d.exists.format(array=left, var="x", predicate=inner)


def within_edits(d: Dialect, x: str, y: str, edits: int) -> str:
    """``levenshtein(x, y) <= edits``, with the distance computed only where two cheap tests
    that it implies hold: lengths at most ``edits`` apart, and some piece of ``x`` cut in
    ``edits + 1`` found whole in ``y`` (each edit touches one piece at most). Most address
    pairs fail them, and the distance was the costliest test of a whole scoring run."""
    piece = d.int_div.format(a=f"{d.length}({x})", b=edits + 1)
    pieces = [f"substr({x}, 1, {piece})"]
    pieces += [f"substr({x}, {k} * {piece} + 1, {piece})" for k in range(1, edits)]
    pieces.append(f"substr({x}, {edits} * {piece} + 1)")
    found = " OR ".join(f"instr({y}, {p}) > 0" for p in pieces)
    return (
        f"(CASE WHEN abs({d.length}({x}) - {d.length}({y})) <= {int(edits)} AND ({found})"
        f" THEN {d.levenshtein}({x}, {y}) <= {int(edits)} ELSE false END)"
    )


def _damerau_within(d: Dialect, x: str, y: str, edits: int) -> str:
    """``damerau_levenshtein(x, y) <= edits``, computed only for lengths at most ``edits``
    apart (each edit changes the length by one at most): most name pairs that reach a typo
    level differ in length."""
    return (
        f"(CASE WHEN abs({d.length}({x}) - {d.length}({y})) <= {int(edits)}"
        f" THEN {d.damerau}({x}, {y}) <= {int(edits)} ELSE false END)"
    )


def _crossed(d: Dialect) -> str:
    """Both names agree, or nearly, with the *other* field of the other record: a swap. One
    crossing alone is not a swap (WILLIAM MAHMOUD vs MAHMOUD MAHMOUD). The whole given field
    is compared, spaces out: a surname written there may be two words (WILSON-WHEELER)."""

    def close(given: str, surname: str, tokens: str) -> str:
        # The given field may hold only one of two surnames (GARCIA for GARCIA LOPEZ).
        return (
            f"({d.damerau}({given}, {surname}) <= 1 OR {d.jaro_winkler}({given}, {surname}) >= 0.92"
            f" OR {d.contains.format(a=tokens, x=given)})"
        )

    # Both first letters crossing first: almost every pair compared is no swap, and this
    # test spares them four string distances (a swap with its first letters mistyped too is
    # not recognised).
    initials = (
        "left(given_whole_l, 1) = left(surname_key_r, 1)"
        " AND left(surname_key_l, 1) = left(given_whole_r, 1)"
    )
    return (
        f"{initials} AND {close('given_whole_l', 'surname_key_r', 'surname_tokens_r')}"
        f" AND {close('given_whole_r', 'surname_key_l', 'surname_tokens_l')}"
    )


# Name levels that agree only by sound (``normalise.tg_sound``): weaker than a spelling
# typo, so ``resolve.py`` lets them identify only next to an exact date of birth or TIN.
SOUNDS_ALIKE = "sounds alike"
ONE_EDIT = "one edit or transposition"
TWO_EDITS = "two edits in a long name"
WRITTEN_AS_TWO_WORDS = "written as two words"
WRITTEN_AS_SURNAME = "written as the surname"
ANOTHER_NAME_SAME_INITIAL = "another name, same initial"

# Levels that identify a person beyond name and address (``resolve.py`` requires one):
# a name and an address are shared by a father and his son of the same name.
IDENTIFYING_LEVELS: dict[str, tuple[str, ...]] = {
    "dob": ("exact", "day and month swapped", "day or month one digit off", "year typed wrong"),
    "tin": ("exact", ONE_EDIT),
}
# Levels that contradict: the item names someone else, unless the TIN agrees. A date of
# birth a generation off is a parent or child named after them; a given name that agrees in
# no way at all (no typo, nickname, sound, initial, swap or middle name) is a sibling's or
# a twin's, whatever else agrees; one with the filer's initial only when the item's name is
# common (``resolve.py``): an uncommon one may be a nickname our table lacks (KATE for
# KATHLEEN), and goes to a person instead.
CONTRADICTING_LEVELS: dict[str, tuple[str, ...]] = {
    "dob": ("same day and month, another generation", "all other"),
    "given": ("all other",),
    "given_if_common": (ANOTHER_NAME_SAME_INITIAL,),
}
# Address levels that agree up to typos (``address.py``): what ``match.address`` accepts.
ADDRESS_AGREES: tuple[str, ...] = (
    "same address and unit on file",
    "same address on file, spelled differently",
    "same address on file, house number or ZIP one keystroke off",
)


def _year(column: str) -> str:
    return f"cast(left({column}, 4) AS INT)"


def given_comparison(d: Dialect, long_name: int) -> dict[str, Any]:
    return {
        "output_column_name": "given",
        "comparison_levels": [
            _null("given"),
            _level("given_l = given_r", "exact", **_tf("given")),
            _level(d.any_overlap.format(a="given_groups_l", b="given_groups_r"), "nickname"),
            # One letter dropped, swapped or wrong; a looser similarity makes MICHELLE and
            # MICHAEL, or RICARDO and RICHARD, one person: twins have such names.
            _level(_damerau_within(d, "given_l", "given_r", 1), ONE_EDIT),
            # "JA XSON" for JAXSON: the first word alone is no name; the whole field is.
            _level("given_whole_l = given_whole_r", WRITTEN_AS_TWO_WORDS),
            # Two keystrokes after the first letter of a long name (PATRVRCK, SEBAITAN);
            # short names two letters apart are other names (ANNA, ANNIE).
            _level(
                f"left(given_l, 1) = left(given_r, 1)"
                f" AND least({d.length}(given_l), {d.length}(given_r)) >= {int(long_name)}"
                f" AND {_damerau_within(d, 'given_l', 'given_r', 2)}",
                TWO_EDITS,
            ),
            _level("given_sound_l = given_sound_r", SOUNDS_ALIKE),
            _level(
                f"({d.length}(given_l) = 1 OR {d.length}(given_r) = 1)"
                " AND left(given_l, 1) = left(given_r, 1)",
                "initial",
            ),
            _level(_crossed(d), WRITTEN_AS_SURNAME),
            # Known by a middle name ("Lee Smith" for John Lee Smith): not the same spelling,
            # but not another person's name either.
            _level("given_l = middle_r OR middle_l = given_r", "the other's middle name"),
            # Not an agreement: a nickname our table lacks (KATE for KATHLEEN) or another
            # person's name. ``resolve.py`` sends it to a person unless the name is common.
            _level("left(given_l, 1) = left(given_r, 1)", ANOTHER_NAME_SAME_INITIAL),
            _else(),
        ],
    }


def middle_comparison(d: Dialect, long_middle: int) -> dict[str, Any]:
    return {
        "output_column_name": "middle",
        "comparison_levels": [
            _null("middle"),
            _level("middle_l = middle_r", "exact"),
            # SARA-KOUISE for SARA-LOUISE; short second names one letter apart (MIN-JUN,
            # MIN-JI) are twins' names and stay apart.
            _level(
                f"least({d.length}(middle_l), {d.length}(middle_r)) >= {int(long_middle)}"
                f" AND {_damerau_within(d, 'middle_l', 'middle_r', 1)}",
                ONE_EDIT,
            ),
            _level("left(middle_l, 1) = left(middle_r, 1)", "initial"),
            _else(),
        ],
    }


def surname_comparison(d: Dialect, long_name: int) -> dict[str, Any]:
    jw, length = d.jaro_winkler, d.length
    return {
        "output_column_name": "surname",
        "comparison_levels": [
            _null("surname_key"),
            _level("surname_key_l = surname_key_r", "exact", **_tf("surname_key")),
            _level(d.any_overlap.format(a="surname_tokens_l", b="surname_tokens_r"), "one of two"),
            _level(_damerau_within(d, "surname_key_l", "surname_key_r", 1), ONE_EDIT),
            _level(f"{jw}(surname_key_l, surname_key_r) >= 0.92", "typo"),
            _level(
                "left(surname_key_l, 1) = left(surname_key_r, 1)"
                f" AND least({length}(surname_key_l), {length}(surname_key_r)) >= {int(long_name)}"
                f" AND {_damerau_within(d, 'surname_key_l', 'surname_key_r', 2)}",
                TWO_EDITS,
            ),
            _level("surname_sound_l = surname_sound_r", SOUNDS_ALIKE),
            # Only the first part given, down to a particle (DE for DE LEON, AL for
            # AL-HASSAN): weak, but not a disagreement.
            _level(
                f"{length}(surname_key_l) >= 2 AND {length}(surname_key_r) >= 2 AND ("
                "starts_with(surname_key_l, surname_key_r)"
                " OR starts_with(surname_key_r, surname_key_l))",
                "the start of the other",
            ),
            _level(_crossed(d), "written as the given name"),
            _else(),
        ],
    }


def suffix_comparison(d: Dialect) -> dict[str, Any]:
    del d
    return {
        "output_column_name": "suffix",
        "comparison_levels": [
            _null("suffix"),
            _level("suffix_l = suffix_r", "same"),
            _level("ELSE", "different (JR vs SR)"),
        ],
    }


def dob_comparison(d: Dialect, year_typo_years: int) -> dict[str, Any]:
    same_year = "left(dob_l, 4) = left(dob_r, 4)"
    digits_apart = f"{d.damerau}(replace(dob_l, '-', ''), replace(dob_r, '-', ''))"
    return {
        "output_column_name": "dob",
        "comparison_levels": [
            _null("dob"),
            _level("dob_l = dob_r", "exact"),
            _level(
                f"{same_year} AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
                " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                "day and month swapped",
            ),
            # One digit of the day or month wrong, or two adjacent digits transposed, also
            # across the month/day boundary (10-24 / 12-04): compared without the hyphens.
            _level(f"{same_year} AND {digits_apart} <= 1", "day or month one digit off"),
            # A year typed wrong (1978/1979, 1978/1987). The same month and day a generation
            # apart is a parent or child named after them: another level.
            _level(
                f"substr(dob_l, 5) = substr(dob_r, 5) AND {digits_apart} <= 1"
                f" AND abs({_year('dob_l')} - {_year('dob_r')}) <= {int(year_typo_years)}",
                "year typed wrong",
            ),
            # The year's last two digits transposed more than ``year_typo_years`` apart
            # (1952 / 1925): a typo, or a parent or child born the same day. Neither
            # identifies nor contradicts: a person decides.
            _level(
                "substr(dob_l, 5) = substr(dob_r, 5) AND left(dob_l, 2) = left(dob_r, 2)"
                " AND substr(dob_l, 3, 1) = substr(dob_r, 4, 1)"
                " AND substr(dob_l, 4, 1) = substr(dob_r, 3, 1)",
                "year's last digits transposed, a generation apart",
            ),
            # Fixed m: EM sees no such pairs among matches, and it must never count for one.
            _level(
                "substr(dob_l, 5) = substr(dob_r, 5)",
                "same day and month, another generation",
                m_probability=0.002,
                fix_m_probability=True,
            ),
            _level(same_year, "same year"),
            _else(),
        ],
    }


def tin_comparison(d: Dialect) -> dict[str, Any]:
    return {
        "output_column_name": "tin",
        "comparison_levels": [
            _null("tin"),
            _level("tin_l = tin_r", "exact"),
            _level(f"{d.damerau}(tin_l, tin_r) <= 1", ONE_EDIT),
            _else(),
        ],
    }


def address_comparison(d: Dialect, rules: AddressRules) -> dict[str, Any]:
    """ONE comparison against any address in the taxpayer's history; its agreeing levels
    are ``address.py``'s rule, cheapest test first."""
    x, y = element_parts("x"), element_parts("y")

    def any_address(predicate: str) -> str:
        return _any_pair(d, "addr_parts_l", "addr_parts_r", predicate)

    # Every typo level needs a near key in common (``address.near_keys_sql``): testing that
    # first lets the engine skip the nested loops for most pairs (they share none). With a
    # ZIP as the test, scoring took five times longer on a 10 million world.
    near = d.any_overlap.format(a="addr_near_l", b="addr_near_r")
    shares_zip = d.any_overlap.format(a="addr_zip_l", b="addr_zip_r")
    shares_street = d.any_overlap.format(a="addr_street_l", b="addr_street_r")
    return {
        "output_column_name": "address",
        "comparison_levels": [
            _null("addr_street"),
            _level(
                d.any_overlap.format(a="addr_full_l", b="addr_full_r"),
                "same address and unit on file",
            ),
            _level(
                f"{near} AND {any_address(spelled_differently(d, x, y, rules))}",
                "same address on file, spelled differently",
            ),
            _level(
                f"{near} AND {any_address(keystroke_off(d, x, y, rules))}",
                "same address on file, house number or ZIP one keystroke off",
            ),
            # Same building, another flat: a neighbour as often as the same person.
            # Fixed at m = u: no evidence either way, whatever random pairs suggest.
            _level(
                shares_street,
                "same building, other unit",
                m_probability=0.01,
                u_probability=0.01,
                fix_m_probability=True,
                fix_u_probability=True,
            ),
            _level(
                _any_pair(d, "addr_fuzzy_l", "addr_fuzzy_r", within_edits(d, "x", "y", 3)),
                "near-identical address on file",
            ),
            _level(shares_zip, "same ZIP on file"),
            _else(),
        ],
    }


def comparisons(
    d: Dialect = DUCKDB_DIALECT, identity: IdentitySettings | None = None
) -> list[dict[str, Any]]:
    chosen = identity or load_settings().identity
    return [
        given_comparison(d, chosen.name_two_edits_min_letters),
        middle_comparison(d, chosen.middle_typo_min_letters),
        surname_comparison(d, chosen.name_two_edits_min_letters),
        suffix_comparison(d),
        dob_comparison(d, chosen.dob_year_typo_years),
        tin_comparison(d),
        address_comparison(d, address_rules(chosen)),
    ]


def address_rules(identity: IdentitySettings) -> AddressRules:
    return AddressRules(
        street_similarity=identity.address_similarity,
        house_typo_min_digits=identity.house_typo_min_digits,
        unit_typo_min_length=identity.unit_typo_min_length,
    )


def settings(
    prior: float, engine: Engine = "duckdb", identity: IdentitySettings | None = None
) -> SettingsCreator:
    """Untrained settings; ``prior`` is the probability that two random records match."""
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name=UNIQUE_ID,
        probability_two_random_records_match=prior,
        comparisons=list[Any](comparisons(dialect(engine), identity)),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


def for_engine(
    model: dict[str, Any], engine: Engine, identity: IdentitySettings | None = None
) -> dict[str, Any]:
    """A saved model re-spelt for ``engine``: same levels and trained m/u, the SQL of each
    level written in that engine's dialect (levels are matched by position and label), and
    today's blocking rules: they are not trained, and the world is prepared for them."""
    adapted = copy.deepcopy(model)
    sql_dialect = "spark" if engine == "spark" else "duckdb"
    adapted["blocking_rules_to_generate_predictions"] = [
        rule.get_blocking_rule(sql_dialect).as_dict() for rule in blocking_rules()
    ]
    target = {c["output_column_name"]: c for c in comparisons(dialect(engine), identity)}
    for comparison in adapted["comparisons"]:
        fresh = target[comparison["output_column_name"]]["comparison_levels"]
        levels = comparison["comparison_levels"]
        if [lv.get("label_for_charts") for lv in levels] != [
            lv.get("label_for_charts") for lv in fresh
        ]:
            raise ConfigError(f"saved comparison {comparison['output_column_name']!r} differs")
        for level, new in zip(levels, fresh, strict=True):
            level["sql_condition"] = new["sql_condition"]
            level.pop("sql_dialect", None)
    adapted["sql_dialect"] = sql_dialect
    return adapted
