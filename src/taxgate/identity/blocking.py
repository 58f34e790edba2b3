"""Which pairs Splink scores: blocking rules, each an equi-join, declared once. Splink blocks
on them (``model.py``), and ``prepare.py`` builds world rows only for the taxpayers they can
reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from splink import block_on


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
    # Date of birth and a house number on file: the ZIP mistyped as well as a name.
    BlockingKey(("dob", "addr_house"), exploded="addr_house"),
    # Both names and a house number on file: the ZIP mistyped and no date of birth given.
    BlockingKey(("name_pair", "addr_house"), exploded="addr_house"),
)


def blocking_rules() -> list[Any]:
    return [
        block_on(*key.columns, arrays_to_explode=[key.exploded] if key.exploded else None)
        for key in BLOCKING_KEYS
    ]
