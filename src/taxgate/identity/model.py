"""The Fellegi–Sunter model: comparisons, levels and blocking rules (Splink 5 settings).

Columns come from ``prepare.py``; every comparison is written symmetrically so it reads the
same whichever side Splink puts the item on, and through ``engine.Dialect`` so the same
model runs on DuckDB or Spark (``for_engine`` re-spells a saved model for another engine).

Modelling choices:
- Given name has its own nickname level (our table, ``nicknames.csv``): without it EM sends
  the m of the "else" level towards zero and every BOB/ROBERT pair is punished.
- Given name and surname each have a "written in the other field" level: name order differs
  between cultures and forms, and a swap is a clerical error, not a different person.
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

import copy
from dataclasses import dataclass
from typing import Any

from splink import SettingsCreator, block_on

from taxgate.errors import ConfigError
from taxgate.identity.engine import DUCKDB_DIALECT, Dialect, Engine, dialect

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


# Years apart that a typo can explain (a transposition of the last two digits: 1978/1987).
YEAR_TYPO_SPAN = 10

# Levels that identify a person beyond name and address (``resolve.py`` requires one):
# a name and an address are shared by a father and his son of the same name.
IDENTIFYING_LEVELS: dict[str, tuple[str, ...]] = {
    "dob": ("exact", "same year, month or day typed wrong or swapped", "year typed wrong"),
    "tin": ("exact", "one edit or transposition"),
}
# Date-of-birth levels that contradict: the item names someone else (a parent or child
# named after them), unless the TIN agrees.
CONTRADICTING_DOB: tuple[str, ...] = ("same day and month, another generation", "all other")


def _year(column: str) -> str:
    return f"cast(left({column}, 4) AS INT)"


def comparisons(d: Dialect = DUCKDB_DIALECT) -> list[dict[str, Any]]:
    jw, length = d.jaro_winkler, d.length

    def part(var: str, n: int) -> str:
        return d.split_part.format(s=var, sep="|", n=n)

    def crossed(a: str, b: str) -> str:
        # Both names agree, or nearly, with the *other* field of the other record: a swap.
        # One crossing alone is not a swap (WILLIAM MAHMOUD vs MAHMOUD MAHMOUD).
        return f"{jw}({a}_l, {b}_r) >= 0.92 AND {jw}({b}_l, {a}_r) >= 0.92"

    same_street_zip = f"{part('x', 1)} = {part('y', 1)} AND {part('x', 3)} = {part('y', 3)}"
    # Both unit levels need some street and ZIP on file to agree, which is exactly an
    # overlap of the addr_street arrays. Testing that first lets the engine skip the nested
    # loops for the pairs that share no street (most of them): a third of the address
    # comparison's cost on a 10 million world, same levels.
    shares_street = d.any_overlap.format(a="addr_street_l", b="addr_street_r")
    return [
        {
            "output_column_name": "given",
            "comparison_levels": [
                _null("given"),
                _level("given_l = given_r", "exact", **_tf("given")),
                _level(d.any_overlap.format(a="given_groups_l", b="given_groups_r"), "nickname"),
                # One letter dropped, swapped or wrong; a looser similarity makes MICHELLE
                # and MICHAEL, or RICARDO and RICHARD, one person: twins have such names.
                _level(f"{d.damerau}(given_l, given_r) <= 1", "typo"),
                _level(
                    f"({length}(given_l) = 1 OR {length}(given_r) = 1)"
                    " AND left(given_l, 1) = left(given_r, 1)",
                    "initial",
                ),
                _level(crossed("given", "surname_key"), "written as the surname"),
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
                _level(
                    d.any_overlap.format(a="surname_tokens_l", b="surname_tokens_r"), "one of two"
                ),
                _level(f"{jw}(surname_key_l, surname_key_r) >= 0.92", "typo"),
                # Only the first part given, down to a particle (DE for DE LEON, AL for
                # AL-HASSAN): weak, but not a disagreement.
                _level(
                    f"{length}(surname_key_l) >= 2 AND {length}(surname_key_r) >= 2 AND ("
                    "starts_with(surname_key_l, surname_key_r)"
                    " OR starts_with(surname_key_r, surname_key_l))",
                    "the start of the other",
                ),
                _level(crossed("surname_key", "given"), "written as the given name"),
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
                _level(
                    f"left(dob_l, 4) = left(dob_r, 4) AND ({d.damerau}(dob_l, dob_r) <= 1 OR ("
                    "substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
                    " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)))",
                    "same year, month or day typed wrong or swapped",
                ),
                # A year typed wrong (1978/1979, 1978/1987). A year 15-60 years off with the
                # same month and day is a parent or child named after them: another level.
                _level(
                    f"substr(dob_l, 5) = substr(dob_r, 5) AND {d.damerau}(dob_l, dob_r) <= 1"
                    f" AND abs({_year('dob_l')} - {_year('dob_r')}) <= {YEAR_TYPO_SPAN}",
                    "year typed wrong",
                ),
                # Fixed m: EM sees no such pairs among matches, and it must never count for one.
                _level(
                    "substr(dob_l, 5) = substr(dob_r, 5)",
                    "same day and month, another generation",
                    m_probability=0.002,
                    fix_m_probability=True,
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
                _level(f"{d.damerau}(tin_l, tin_r) <= 1", "one edit or transposition"),
                _else(),
            ],
        },
        {
            "output_column_name": "address",
            "comparison_levels": [
                _null("addr_street"),
                _level(
                    d.any_overlap.format(a="addr_full_l", b="addr_full_r"),
                    "same address and unit on file",
                ),
                _level(
                    f"{shares_street} AND "
                    + _any_pair(
                        d,
                        "addr_full_l",
                        "addr_full_r",
                        f"{same_street_zip} AND ({part('x', 2)} = '' OR {part('y', 2)} = '')",
                    ),
                    "same street address on file, unit not given",
                ),
                # A long unit or second address line with a typo ("VILLA 5" / "VILA 5"); short
                # unit numbers one digit apart (12 / 13) are neighbours and fall through.
                _level(
                    f"{shares_street} AND "
                    + _any_pair(
                        d,
                        "addr_full_l",
                        "addr_full_r",
                        f"{same_street_zip}"
                        f" AND least({length}({part('x', 2)}), {length}({part('y', 2)})) >= 5"
                        f" AND {jw}({part('x', 2)}, {part('y', 2)}) >= 0.9",
                    ),
                    "same street address on file, unit spelled differently",
                ),
                # Same building, another flat: a neighbour as often as the same person.
                # Fixed at m = u: no evidence either way, whatever random pairs suggest.
                _level(
                    d.any_overlap.format(a="addr_street_l", b="addr_street_r"),
                    "same building, other unit",
                    m_probability=0.01,
                    u_probability=0.01,
                    fix_m_probability=True,
                    fix_u_probability=True,
                ),
                _level(
                    _any_pair(d, "addr_fuzzy_l", "addr_fuzzy_r", f"{d.levenshtein}(x, y) <= 3"),
                    "near-identical address on file",
                ),
                _level(d.any_overlap.format(a="addr_zip_l", b="addr_zip_r"), "same ZIP on file"),
                _else(),
            ],
        },
    ]


@dataclass(frozen=True)
class BlockingKey:
    """One blocking rule: equal ``columns``; ``exploded`` is the one array column (if any)
    whose elements are compared one by one (any address on file)."""

    columns: tuple[str, ...]
    exploded: str | None = None


# Candidate pairs: each rule is an equi-join, so pairs grow with the request, not the world;
# together they tolerate an error in any one of name, DOB or address. Declared once: Splink
# blocks on them, and ``prepare.py`` builds world rows only for taxpayers they can reach.
BLOCKING_KEYS: tuple[BlockingKey, ...] = (
    BlockingKey(("surname_key", "dob")),
    # The given name and DOB with a surname misspelt after its first letter. Without the
    # initial, everyone born that day with that name anywhere (2.7 million pairs for the
    # 1.28 million mixed items on a 10 million world); a new surname is reached by DOB and a
    # ZIP on file below, or by the building key.
    BlockingKey(("given", "dob", "surname_initial")),
    # Both names, in either order (name_pair is the sorted pair), and a ZIP on file: the name
    # pair alone pairs an item with every namesake in the country (160 million pairs for
    # 1.28 million items on a 10 million world), growing with the world.
    BlockingKey(("name_pair", "addr_zip"), exploded="addr_zip"),
    BlockingKey(("tin",)),
    # House number, ZIP and the street's first letter, for any address on file, with both
    # initials, the whole given name or the whole surname (``prepare.py``).
    BlockingKey(("addr_block",), exploded="addr_block"),
    # Date of birth and a ZIP on file: both names misspelt or swapped.
    BlockingKey(("dob", "addr_zip"), exploded="addr_zip"),
)


def blocking_rules() -> list[Any]:
    return [
        block_on(*key.columns, arrays_to_explode=[key.exploded] if key.exploded else None)
        for key in BLOCKING_KEYS
    ]


def settings(prior: float, engine: Engine = "duckdb") -> SettingsCreator:
    """Untrained settings; ``prior`` is the probability that two random records match."""
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name=UNIQUE_ID,
        probability_two_random_records_match=prior,
        comparisons=list[Any](comparisons(dialect(engine))),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


def for_engine(model: dict[str, Any], engine: Engine) -> dict[str, Any]:
    """A saved model re-spelt for ``engine``: same levels and trained m/u, the SQL of each
    level written in that engine's dialect (levels are matched by position and label), and
    today's blocking rules: they are not trained, and the world is prepared for them."""
    adapted = copy.deepcopy(model)
    sql_dialect = "spark" if engine == "spark" else "duckdb"
    adapted["blocking_rules_to_generate_predictions"] = [
        rule.get_blocking_rule(sql_dialect).as_dict() for rule in blocking_rules()
    ]
    target = {c["output_column_name"]: c for c in comparisons(dialect(engine))}
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
