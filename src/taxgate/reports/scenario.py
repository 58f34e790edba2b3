"""Score a system's releases against a request's truth file and the law in force on a date.

A release is **unlawful** when any of these holds, each judged from the truth the generator
recorded, not from what either system believed:
- the item lacked an element the statute requires (its ``expected_intake`` is not empty:
  no usable address, no period, no removal order of the required age, ...);
- it was about the wrong person (the released TIN is not the item's true TIN, or the named
  person is not in the master file at all);
- the supplied address is not one on file for the taxpayer (defect or variant
  ``moved-unknown-address``): the statute asks for the taxpayer's address, and a TIN does not
  replace it (D.D.C., 26 Feb 2026);
- a court order in force on the date barred any disclosure of this kind to this recipient.
The batch-level screens (boilerplate reasons, one officer everywhere) are deliberately left out
of "unlawful", so the count is a lower bound that does not rest on taxgate's own thresholds.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from taxgate.model import RELEASE, REVIEW

UNKNOWN_ADDRESS = "moved-unknown-address"


@dataclass(frozen=True)
class Truth:
    true_tin: str
    defect: str
    variants: frozenset[str]
    expected_intake: frozenset[str]

    @property
    def address_on_file(self) -> bool:
        return UNKNOWN_ADDRESS not in self.variants and self.defect != UNKNOWN_ADDRESS


def read_truth(path: Path) -> dict[str, Truth]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["item_id"]: Truth(
                true_tin=row["true_tin"],
                defect=row["defect"],
                variants=frozenset(filter(None, row["variants"].split(";"))),
                expected_intake=frozenset(filter(None, row["expected_intake"].split(";"))),
            )
            for row in csv.DictReader(handle)
        }


@dataclass(frozen=True)
class Score:
    """One system's outcome on one date, as the demo's table shows it."""

    system: str
    as_of: str
    items: int
    released: int
    unlawful: int
    wrong_person: int
    review: int
    seconds: float
    withheld_by_reason: dict[str, int] = field(default_factory=dict)


def score(
    system: str,
    as_of: str,
    outcomes: pa.Table,
    truth: dict[str, Truth],
    *,
    orders_bar: bool,
    seconds: float,
) -> Score:
    """``outcomes``: item_id, outcome, tin, and optionally reasons (list<string>)."""
    columns = outcomes.to_pydict()
    reasons = columns.get("reasons") or [[] for _ in columns["item_id"]]
    released = unlawful = wrong = review = 0
    withheld: Counter[str] = Counter()
    for item_id, outcome, tin, found in zip(
        columns["item_id"], columns["outcome"], columns["tin"], reasons, strict=True
    ):
        if outcome == REVIEW:
            review += 1
        if outcome != RELEASE:
            withheld.update(found or [])
            continue
        released += 1
        fact = truth[item_id]
        wrong_person = (tin or "") != fact.true_tin or not fact.true_tin
        wrong += wrong_person
        unlawful += bool(
            fact.expected_intake or wrong_person or not fact.address_on_file or orders_bar
        )
    return Score(
        system=system,
        as_of=as_of,
        items=len(columns["item_id"]),
        released=released,
        unlawful=unlawful,
        wrong_person=wrong,
        review=review,
        seconds=round(seconds, 1),
        withheld_by_reason=dict(sorted(withheld.items())),
    )
