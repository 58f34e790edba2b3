"""The Fellegi–Sunter model: comparisons, levels and blocking rules (Splink 5 settings).

Columns come from ``prepare.py``; every comparison is written symmetrically so it reads the
same whichever side Splink puts the item on.

Modelling choices:
- Given name has its own nickname level (our table, ``nicknames.csv``): without it EM sends
  the m of the "else" level towards zero and every BOB/ROBERT pair is punished.
- Surname: exact (term-frequency adjusted), then "one of two surnames" (GARCIA vs GARCIA
  LOPEZ), then typo.
- Suffix: only a disagreement (JR vs SR) carries weight; a missing suffix is no evidence.
- DOB: exact, one edit (a typo or an adjacent transposition), day and month swapped, same
  year; a missing DOB is null (no evidence either way).
- TIN: supportive evidence only; ``resolve.py`` refuses to release on the TIN alone.
- Address: ONE comparison against *any* address in the taxpayer's history. Separate street,
  city and ZIP comparisons are perfectly correlated, and EM drove movers' weights to absurd
  values on that design.
"""

from __future__ import annotations

from typing import Any

from splink import SettingsCreator, block_on

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


def _any_pair(left: str, right: str, predicate: str) -> str:
    """True when some element x of ``left`` and y of ``right`` satisfy ``predicate``."""
    return (
        f"len(list_filter({left}, lambda x: "
        f"len(list_filter({right}, lambda y: {predicate})) > 0)) > 0"
    )


def comparisons() -> list[dict[str, Any]]:
    return [
        {
            "output_column_name": "given",
            "comparison_levels": [
                _null("given"),
                _level("given_l = given_r", "exact", **_tf("given")),
                _level("list_has_any(given_groups_l, given_groups_r)", "nickname"),
                _level("jaro_winkler_similarity(given_l, given_r) >= 0.92", "typo"),
                _level(
                    "(len(given_l) = 1 OR len(given_r) = 1)"
                    " AND left(given_l, 1) = left(given_r, 1)",
                    "initial",
                ),
                _else(),
            ],
        },
        {
            "output_column_name": "middle",
            "comparison_levels": [
                _null("middle"),
                _level("middle_l = middle_r", "exact"),
                _level("left(middle_l, 1) = left(middle_r, 1)", "initial"),
                _else(),
            ],
        },
        {
            "output_column_name": "surname",
            "comparison_levels": [
                _null("surname_key"),
                _level("surname_key_l = surname_key_r", "exact", **_tf("surname_key")),
                _level("list_has_any(surname_tokens_l, surname_tokens_r)", "one of two"),
                _level("jaro_winkler_similarity(surname_key_l, surname_key_r) >= 0.92", "typo"),
                _else(),
            ],
        },
        {
            "output_column_name": "suffix",
            "comparison_levels": [
                _null("suffix"),
                _level("suffix_l = suffix_r", "same"),
                _level("ELSE", "different (JR vs SR)"),
            ],
        },
        {
            "output_column_name": "dob",
            "comparison_levels": [
                _null("dob"),
                _level("dob_l = dob_r", "exact"),
                _level("damerau_levenshtein(dob_l, dob_r) <= 1", "one edit or transposition"),
                _level(
                    "left(dob_l, 4) = left(dob_r, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
                    " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                    "day and month swapped",
                ),
                _level("left(dob_l, 4) = left(dob_r, 4)", "same year"),
                _else(),
            ],
        },
        {
            "output_column_name": "tin",
            "comparison_levels": [
                _null("tin"),
                _level("tin_l = tin_r", "exact"),
                _level("damerau_levenshtein(tin_l, tin_r) <= 1", "one edit or transposition"),
                _else(),
            ],
        },
        {
            "output_column_name": "address",
            "comparison_levels": [
                _null("addr_street"),
                _level("list_has_any(addr_full_l, addr_full_r)", "same address and unit on file"),
                _level(
                    _any_pair(
                        "addr_full_l",
                        "addr_full_r",
                        "split_part(x, '|', 1) = split_part(y, '|', 1)"
                        " AND split_part(x, '|', 3) = split_part(y, '|', 3)"
                        " AND (split_part(x, '|', 2) = '' OR split_part(y, '|', 2) = '')",
                    ),
                    "same street address on file, unit not given",
                ),
                # Same building, another flat: a neighbour as often as the same person.
                # Fixed at m = u: no evidence either way, whatever random pairs suggest.
                _level(
                    "list_has_any(addr_street_l, addr_street_r)",
                    "same building, other unit",
                    m_probability=0.01,
                    u_probability=0.01,
                    fix_m_probability=True,
                    fix_u_probability=True,
                ),
                _level(
                    _any_pair("addr_fuzzy_l", "addr_fuzzy_r", "levenshtein(x, y) <= 3"),
                    "near-identical address on file",
                ),
                _level("list_has_any(addr_zip_l, addr_zip_r)", "same ZIP on file"),
                _else(),
            ],
        },
    ]


def blocking_rules() -> list[Any]:
    """Candidate pairs: each rule is an equi-join, so pairs grow with the request, not the
    world; together they tolerate an error in any one of name, DOB or address."""
    return [
        block_on("surname_key", "dob"),
        block_on("given", "dob"),
        block_on("given", "surname_key"),
        block_on("tin"),
        block_on("addr_block", arrays_to_explode=["addr_block"]),
    ]


def settings(prior: float) -> SettingsCreator:
    """Untrained settings; ``prior`` is the probability that two random records match."""
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name=UNIQUE_ID,
        probability_two_random_records_match=prior,
        comparisons=list[Any](comparisons()),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )
