"""Which typo a comparison level accepted, in words, for ``identity explain`` and ``review
show``: an officer should see "two letters transposed: JAEMS / JAMES", not only a level's
name and a weight.

Pure Python over the two values the level compared (a few rows per explanation).
"""

from __future__ import annotations

from typing import Any

from rapidfuzz.distance import DamerauLevenshtein

from taxgate.identity.address import PART_NAMES


def _edit(a: str, b: str) -> str:
    """One or two keystrokes between two spellings, named."""
    if a == b:
        return ""
    distance = DamerauLevenshtein.distance(a, b)
    if distance == 1 and len(a) == len(b):
        swapped = [i for i in range(len(a)) if a[i] != b[i]]
        if len(swapped) == 2 and swapped[1] == swapped[0] + 1:
            return f"two adjacent characters transposed: {a} / {b}"
        return f"one character wrong: {a} / {b}"
    if distance == 1:
        return f"one character dropped or added: {a} / {b}"
    if a.replace(" ", "") == b.replace(" ", ""):
        return f"words run together or split: {a} / {b}"
    return f"{distance} keystrokes: {a} / {b}"


def _dob(level: str, a: str, b: str) -> str:
    if level == "day and month swapped":
        return f"day and month swapped: {a} / {b}"
    if level == "day or month one digit off":
        return f"one digit of the day or month off: {a} / {b}"
    if level == "year typed wrong":
        return f"year typed wrong, same day and month: {a} / {b}"
    if level.startswith("year's last digits transposed"):
        return f"year's last digits transposed a generation apart (a person decides): {a} / {b}"
    return ""


def _parts(element: Any) -> dict[str, str]:
    """An ``addr_parts`` element (a struct of the parts) as a dict of strings."""
    if isinstance(element, dict):
        return {name: str(element.get(name) or "") for name in PART_NAMES}
    values = str(element).split("|")
    return dict(zip(PART_NAMES, values + [""] * (len(PART_NAMES) - len(values)), strict=True))


def _address(item: list[Any], on_file: list[Any]) -> str:
    """The differences between the item's address and the address on file it agrees with
    most closely (fewest differing parts)."""
    if not item or not on_file:
        return ""
    mine = _parts(item[0])
    best: list[str] | None = None
    for element in on_file:
        theirs = _parts(element)
        found = []
        for part, label in (("house", "house number"), ("zip", "ZIP")):
            if mine[part] != theirs[part]:
                found.append(f"{label} {_edit(mine[part], theirs[part])}")
        if mine["street"] != theirs["street"]:
            if mine["key"] == theirs["key"]:
                found.append(
                    f"street words run together, split or abbreviated: "
                    f"{mine['street']} / {theirs['street']}"
                )
            else:
                found.append(f"street {_edit(mine['key'], theirs['key'])}")
        if mine["unit"] and theirs["unit"] and mine["unit"] != theirs["unit"]:
            found.append(f"unit {_edit(mine['unit'], theirs['unit'])}")
        elif mine["unit"] != theirs["unit"]:
            found.append("unit given on one side only")
        if best is None or len(found) < len(best):
            best = found
    return "; ".join(best or [])


# Levels whose name says all there is to say.
_PLAIN = {
    "nickname": "a nickname of the name on file",
    "initial": "an initial for the name on file",
    "written as the surname": "given name and surname swapped",
    "written as the given name": "given name and surname swapped",
    "the other's middle name": "known by the middle name",
    "one of two": "one of two surnames",
    "the start of the other": "only the start of the surname",
    "another name, same initial": "another name with the same initial (no agreement)",
    "written as two words": "the name written as two words",
}


def accepted(comparison: str, level: str, item: Any, taxpayer: Any) -> str:
    """The typo a level accepted between the item's value and the taxpayer's, in words, or
    '' where the values agree exactly or the level accepts no typo."""
    if level in ("exact", "missing", "all other", "same") or item is None or taxpayer is None:
        return ""
    if comparison == "address":
        listed = list(item) if isinstance(item, list) else [item]
        files = list(taxpayer) if isinstance(taxpayer, list) else [taxpayer]
        return _address(listed, files) if level.startswith("same address on file") else ""
    if comparison == "dob":
        return _dob(level, str(item), str(taxpayer))
    if level in _PLAIN:
        return _PLAIN[level]
    if level == "sounds alike":
        return f"spelt differently, sounds the same: {item} / {taxpayer}"
    return _edit(str(item), str(taxpayer))
