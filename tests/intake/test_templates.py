"""request.not-specific by template: one boilerplate dressed per item is still boilerplate.

The exact-text screen sees a reason that carries the subject's name or case number as unique.
These tests dress the 2025 ICE reason the ways a requester could (appended particulars, a name
in the middle, a date, a rotating suffix) and check it is still flagged, and that batches whose
reasons state different facts (or cite each item's own investigation on a few standard forms)
are not.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from taxgate import reasons
from taxgate.intake import load_request
from taxgate.model import IntakeBatch
from taxgate.settings import load_settings

from .conftest import ACTS, PLACES, THINGS, WriteRequest, good_item

BOILERPLATE = (
    "The individual is subject to a final order of removal and has not departed the United "
    "States; the address is relevant to an investigation of a violation of 8 U.S.C. 1253(a)(1)."
)
OFFICERS = [f"Deportation Officer {name} {i}" for i, name in enumerate(["Ames", "Baker"] * 20)]
MONTHS = ["January", "March", "June", "October"]
SUFFIXES = ["Priority A.", "Priority B.", "Urgent.", "Field office referral."]
GIVEN = ["Steven", "Maria", "Gregory", "Paul", "Lucia", "Omar", "Wei", "Fatima"]
SURNAMES = ["Andrews", "Lane", "Nakashimo", "Jones", "de la Cruz", "O'Brien", "Muller", "Kim"]

Dress = Callable[[int, dict[str, str]], str]


def batch(write_request: WriteRequest, dress: Dress, n: int = 200) -> IntakeBatch:
    items = []
    for i in range(n):
        item = good_item(
            i,
            given_name=GIVEN[i % len(GIVEN)],
            surname=SURNAMES[i // len(GIVEN) % len(SURNAMES)] + ("" if i < 64 else f"{i}"),
            investigation_id=f"ICE-ERO-2025-{i:05d}",
            officer=OFFICERS[i % len(OFFICERS)],
            removal_order_case=f"RO-{7526284 + 7919 * i:08d}",
        )
        item["reason"] = dress(i, item)
        items.append(item)
    return load_request(write_request(items))


def flagged(found: IntakeBatch) -> int:
    return sum(reasons.NOT_SPECIFIC in codes for codes in found.items["reasons"].to_pylist())


def name(item: dict[str, str]) -> str:
    return f"{item['given_name']} {item['surname']}"


DRESSINGS: dict[str, Dress] = {
    # The adversarial case found in testing: particulars appended to the one reason.
    "appended": lambda i, it: (
        f"{BOILERPLATE} (case ref {it['removal_order_case']}, subject {name(it)})"
    ),
    "name in the middle": lambda i, it: BOILERPLATE.replace(
        "has not departed", f"{name(it)} has not departed"
    ),
    "date in words": lambda i, it: f"On {MONTHS[i % 4]} {i % 28 + 1}, 2019: {BOILERPLATE}",
    "date in digits and city": lambda i, it: (
        f"{BOILERPLATE} Order dated 2019-{i % 12 + 1:02d}-14 in {it['city']}."
    ),
    "rotating suffix": lambda i, it: f"{BOILERPLATE} {SUFFIXES[i % 4]} Ref {i}.",
    "rare word inserted": lambda i, it: BOILERPLATE.replace(
        "final order", f"final {ACTS[i % 7]}{THINGS[i % 11]} order"
    ),
    "upper case, punctuation": lambda i, it: (
        f"{name(it).upper()} -- {BOILERPLATE.upper().replace(';', ' /')} #{i}"
    ),
}


@pytest.mark.parametrize("dressing", sorted(DRESSINGS))
def test_dressed_boilerplate_is_not_specific(write_request: WriteRequest, dressing: str) -> None:
    found = batch(write_request, DRESSINGS[dressing])
    assert flagged(found) == 200
    (finding,) = [f for f in found.screens if f.code == reasons.NOT_SPECIFIC]
    assert (finding.field, finding.items, finding.threshold) == ("reason_template", 200, 0.05)
    assert "FINAL" in finding.value and "ANDREWS" not in finding.value


def test_the_plain_boilerplate_is_reported_once_by_its_text(write_request: WriteRequest) -> None:
    found = batch(write_request, lambda i, it: BOILERPLATE)
    assert flagged(found) == 200
    assert [f.field for f in found.screens if f.code == reasons.NOT_SPECIFIC] == ["reason"]


def individual(i: int, item: dict[str, str]) -> str:
    """Different facts per item, sharing only a short opening phrase."""
    act, thing = ACTS[i % 7], THINGS[i // 7 % 11]
    place, other = PLACES[i // 77 % 13], PLACES[(i * 5 + 3) % 13]
    return (
        f"Subject of investigation for {thing} fraud: {act} {thing} in {place} on "
        f"2021-0{i % 9 + 1}-11, then moved proceeds through {other} accounts ({name(item)})"
    )


def test_individual_reasons_sharing_a_phrase_are_not_flagged(write_request: WriteRequest) -> None:
    assert flagged(batch(write_request, individual, n=600)) == 0


FORMS = (
    "Subject is the named payee of wire transfers traced in investigation {inv}; the address "
    "is needed to serve a grand jury subpoena.",
    "Subject's name appears on invoices seized in investigation {inv}; the address is needed "
    "to confirm the subject's identity before an interview.",
    "Final removal order {case} is unexecuted; investigation {inv} needs the subject's current "
    "address to present the case for prosecution.",
)


def form(count: int, cite: bool) -> Dress:
    def dress(i: int, item: dict[str, str]) -> str:
        inv = item["investigation_id"] if cite else "of the field office"
        return FORMS[i % count].format(inv=inv, case=item["removal_order_case"])

    return dress


def test_standard_forms_citing_each_items_own_investigation_pass(
    write_request: WriteRequest,
) -> None:
    """Three forms, each on a third of the batch, filled with the item's own investigation:
    tied to specific investigations, as the world generator's "mixed" requests are."""
    assert flagged(batch(write_request, form(3, cite=True), n=300)) == 0


def test_one_form_for_a_majority_is_flagged_even_citing_investigations(
    write_request: WriteRequest,
) -> None:
    found = batch(write_request, form(1, cite=True))
    assert flagged(found) == 200
    (finding,) = found.screens
    assert (finding.field, finding.threshold) == ("reason_template", 0.5)


def test_forms_not_citing_the_items_investigation_are_flagged(write_request: WriteRequest) -> None:
    assert flagged(batch(write_request, form(3, cite=False), n=300)) == 300


def test_small_batches_are_never_flagged(write_request: WriteRequest) -> None:
    """The absolute minimum (min_items) applies to templates as to exact texts."""
    minimum = load_settings().intake.not_specific.min_items
    assert flagged(batch(write_request, DRESSINGS["appended"], n=minimum - 1)) == 0
