"""When a supplied address is an address on file, up to typos: the one rule, in SQL.

Two places ask it: the model's address comparison (an item against every address in a
taxpayer's history, ``model.py``) and the ``match.address`` decision for the matched taxpayer
(``resolve.py``). Both build the same SQL here from different column expressions, so the two
cannot drift apart.

An address agrees up to typos when the unit agrees (equal, not given on one side, or a long
unit name spelled differently) and either
- house number and ZIP are equal and the street is the same up to spelling: its street key
  (``normalise.tg_street_key``: long word forms, spaces removed, so "COXSTREET", "COX ST" and
  "COX STREET" are one) is equal, one edit away or similar, or the normalised lines are
  (the rule before issue 17); or
- the house number OR the ZIP is one keystroke off (one edit or transposition: 72/27, 04881/
  04818) and the street key is the same up to one edit or similar: the rest must agree.
A different house (12 vs 431), a different street, another ZIP area, or both house number and
ZIP off are not typos: ``match.address``.
"""

from __future__ import annotations

from dataclasses import dataclass

from taxgate.identity.engine import Dialect


@dataclass(frozen=True)
class AddressRules:
    """The thresholds of the rule (``settings.toml`` [identity] gives each its reason)."""

    street_similarity: float  # address_similarity
    house_typo_min_digits: int
    unit_typo_min_length: int


@dataclass(frozen=True)
class AddressParts:
    """SQL expressions for one address's parts; a missing part is ''."""

    house: str
    key: str  # the street key
    unit: str
    zip: str
    street: str  # the normalised line, house number included


# The parts of one element of the ``addr_parts`` arrays (``prepare.py``), in order: each
# element is a struct of them, so a comparison reads a part as a field. Read out of a
# "|"-joined string, the parts took a third of the whole scoring time on a 10 million world.
PART_NAMES: tuple[str, ...] = ("house", "key", "unit", "zip", "street")


def element_parts(var: str) -> AddressParts:
    """The parts of ``var``, one element of an ``addr_parts`` array (the same field syntax
    on DuckDB and Spark)."""
    return AddressParts(*(f"{var}.{name}" for name in PART_NAMES))


def element_sql(house: str, key: str, unit: str, zip_code: str, street: str) -> str:
    """One ``addr_parts`` element from column expressions (NULL-safe), in DuckDB SQL."""
    values = (house, key, unit, zip_code, street)
    fields = ", ".join(
        f"'{name}': coalesce({value}, '')" for name, value in zip(PART_NAMES, values, strict=True)
    )
    return "{" + fields + "}"


def _only_if(guard: str, rule: str) -> str:
    """``rule``, with the string distances in it computed only where ``guard`` (a condition
    of cheap equalities that ``rule`` implies) holds: DuckDB evaluates every operand of an
    AND inside a lambda, but only the selected rows of a CASE branch. Never changes the
    result: where the guard fails, the rule would be false too."""
    return f"(CASE WHEN {guard} THEN {rule} ELSE false END)"


def _one_edit(d: Dialect, a: str, b: str) -> str:
    return f"{d.damerau}({a}, {b}) = 1"


def unit_agrees(d: Dialect, a: AddressParts, b: AddressParts, rules: AddressRules) -> str:
    """Equal, not given on one side, or a long unit or second line spelled differently
    ("ROSETTA VILLAGE" / "ROSETTZ VILLAGE"); short unit numbers one apart (12 / 13) are
    neighbours' flats and do not agree."""
    minimum = int(rules.unit_typo_min_length)
    long_units = f"least({d.length}({a.unit}), {d.length}({b.unit})) >= {minimum}"
    similar = (
        f"({d.damerau}({a.unit}, {b.unit}) <= 2"
        f" OR {d.jaro_winkler}({a.unit}, {b.unit}) >= {float(rules.street_similarity)})"
    )
    return (
        f"({a.unit} = '' OR {b.unit} = '' OR {a.unit} = {b.unit}"
        f" OR {_only_if(long_units, similar)})"
    )


def street_key_agrees(d: Dialect, a: AddressParts, b: AddressParts, rules: AddressRules) -> str:
    """The street the same up to one typo, words run together or split, or a street type
    written another way."""
    return (
        f"({a.key} <> '' AND ({a.key} = {b.key} OR {d.damerau}({a.key}, {b.key}) <= 1"
        f" OR {d.jaro_winkler}({a.key}, {b.key}) >= {float(rules.street_similarity)}))"
    )


def spelled_differently(d: Dialect, a: AddressParts, b: AddressParts, rules: AddressRules) -> str:
    """Same house number and ZIP, the street the same up to spelling, units agreeing."""
    line = (
        f"({d.jaro_winkler}({a.street}, {b.street}) >= {float(rules.street_similarity)}"
        f" OR {d.levenshtein}({a.street}, {b.street}) <= 2)"
    )
    same_place = (
        f"{a.house} <> '' AND {a.zip} <> '' AND {a.house} = {b.house} AND {a.zip} = {b.zip}"
    )
    return _only_if(
        same_place,
        f"(({street_key_agrees(d, a, b, rules)} OR {line}) AND {unit_agrees(d, a, b, rules)})",
    )


def house_off_by_one(d: Dialect, a: AddressParts, b: AddressParts, rules: AddressRules) -> str:
    """A house number one keystroke off: at least ``house_typo_min_digits`` long (a one-digit
    number one edit away is simply another house)."""
    longest = f"greatest({d.length}({a.house}), {d.length}({b.house}))"
    return (
        f"({a.house} <> '' AND {b.house} <> '' AND {_one_edit(d, a.house, b.house)}"
        f" AND {longest} >= {int(rules.house_typo_min_digits)})"
    )


def zip_off_by_one(d: Dialect, a: AddressParts, b: AddressParts) -> str:
    """A ZIP one keystroke off, same length (a dropped digit is no ZIP at all)."""
    return (
        f"({a.zip} <> '' AND {d.length}({a.zip}) = {d.length}({b.zip})"
        f" AND {_one_edit(d, a.zip, b.zip)})"
    )


# Letters of the street key that must agree when the house number or ZIP is off: the rest
# of the address must agree, and a typo in a street's first letters beside a mistyped
# number is two slips. It also lets the model test a cheap key first (``near_keys_sql``).
STREET_KEY_PREFIX = 3


def keystroke_off(d: Dialect, a: AddressParts, b: AddressParts, rules: AddressRules) -> str:
    """House number OR ZIP one keystroke off, everything else agreeing."""
    house_off = f"({house_off_by_one(d, a, b, rules)} AND {a.zip} <> '' AND {a.zip} = {b.zip})"
    zip_off = f"({a.house} <> '' AND {a.house} = {b.house} AND {zip_off_by_one(d, a, b)})"
    prefix = f"left({a.key}, {STREET_KEY_PREFIX}) = left({b.key}, {STREET_KEY_PREFIX})"
    # What the edit distances below can only confirm: one of house number and ZIP equal and
    # given, the other given on both sides and different, and the street's first letters.
    candidates = (
        f"{prefix} AND (({a.zip} <> '' AND {a.zip} = {b.zip}"
        f" AND {a.house} <> '' AND {b.house} <> '' AND {a.house} <> {b.house})"
        f" OR ({a.house} <> '' AND {a.house} = {b.house}"
        f" AND {a.zip} <> '' AND {d.length}({a.zip}) = {d.length}({b.zip}) AND {a.zip} <> {b.zip}))"
    )
    return _only_if(
        candidates,
        f"(({house_off} OR {zip_off}) AND {prefix} AND {street_key_agrees(d, a, b, rules)}"
        f" AND {unit_agrees(d, a, b, rules)})",
    )


def near_keys_sql(house: str, key: str, zip_code: str) -> list[str]:
    """Keys two addresses share whenever one rule of this module can hold between them:
    house number and ZIP (``spelled_differently``), or the street key's first letters with
    the ZIP or the house number (``keystroke_off``). The model tests these array overlaps
    first and runs the rule's nested loops only for the few pairs that share one."""
    start = f"left({key}, {STREET_KEY_PREFIX})"
    return [
        f"'hz:' || {house} || '|' || {zip_code}",
        f"'zk:' || {zip_code} || '|' || {start}",
        f"'hk:' || {house} || '|' || {start}",
    ]


def agrees_up_to_typos(d: Dialect, a: AddressParts, b: AddressParts, rules: AddressRules) -> str:
    """The whole rule: equal, spelled differently, or one keystroke off."""
    return f"({spelled_differently(d, a, b, rules)} OR {keystroke_off(d, a, b, rules)})"
