"""Every defect family gives its reason code; sufficient items get none."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxgate import reasons
from taxgate.intake import load_request
from taxgate.intake.checks import taxable_periods
from taxgate.model import IntakeBatch

from .conftest import WriteRequest, good_item


def reasons_of(batch: IntakeBatch) -> dict[str, list[str]]:
    return dict(
        zip(
            batch.items.column("item_id").to_pylist(),
            batch.items.column("reasons").to_pylist(),
            strict=True,
        )
    )


def one_item(write_request: WriteRequest, **changes: str) -> list[str]:
    path = write_request([good_item(1, **changes)])
    return reasons_of(load_request(path))["I-00001"]


def test_a_sufficient_item_has_no_reason(write_request: WriteRequest) -> None:
    assert one_item(write_request) == []


PLACEHOLDER_STREETS = [
    "Failed to Provide", "FAILED TO PROVIDE", "failed to provide.", "Unknown Address",
    "Address Unknown", "Unknown", "UNK", "NA NA", "N/A", "n/a", "NA", "NONE", "None",
    "REFUSED", "Declined", "HOMELESS", "Homeless - no fixed abode", "XXXXX", "xxx xxx", "TBD",
    "Same as above", "Don't Care 12345", "DONT CARE", "00000", "99999", "0", "12345",
    "12345-6789", "123456789", "-", "?", "...", "Not provided", "No address", "NULL",
    "General Delivery", "123 Unknown St", "99 NA NA", "1 XXXX Ave", "Main Street", "Oak Ave",
    "PO Box 123", "P.O. Box 99", "POB 7", "Post Office Box 12", "Krome Detention Center",
    "Stewart Detention Center, Lumpkin GA", "Harris County Jail", "In ICE custody",
    "Otero County Processing Center", "Federal Correctional Institution", "FCI Aliceville",
    "", "   ",
]  # fmt: skip


@pytest.mark.parametrize("street", PLACEHOLDER_STREETS)
def test_unusable_streets_are_no_address(write_request: WriteRequest, street: str) -> None:
    assert one_item(write_request, street=street, unit="") == [reasons.NO_ADDRESS]


@pytest.mark.parametrize(
    "changes",
    [
        {"city": "", "state": "", "zip": ""},  # street only
        {"city": "Unknown", "state": "NA", "zip": "00000"},
        {"city": "", "state": "IL", "zip": ""},  # state without city or ZIP
        {"city": "Springfield", "state": "", "zip": "99999"},
    ],
)
def test_a_street_without_a_place_is_no_address(
    write_request: WriteRequest, changes: dict[str, str]
) -> None:
    assert one_item(write_request, **changes) == [reasons.NO_ADDRESS]


VALID_ADDRESSES = [
    {"street": "123 Main St"},
    {"street": "123 Main Street", "unit": "Apt 4B"},
    {"street": "123 Main St Apt 4B"},
    {"street": "123 Main St # 4B"},
    {"street": "123 Main St", "unit": "Unit 4b"},
    {"street": "4567 N. Oak Avenue"},
    {"street": "350 Broadway"},
    {"street": "1251 Avenue of the Americas"},
    {"street": "18201 SW 12th St"},  # a street address, even if a facility is there
    {"street": "RR 2 Box 152"},  # rural route: a rural residence's delivery address
    {"street": "123 Main St", "city": "", "state": ""},  # a valid ZIP is a place
    {"street": "123 Main St", "zip": ""},  # city + state is a place
    {"street": "123 Main St", "zip": "2108"},  # a ZIP that lost its leading zero
    {"street": "12 Elm Street, Springfield, IL 62701", "city": "", "state": "", "zip": ""},
]


@pytest.mark.parametrize("changes", VALID_ADDRESSES)
def test_usable_addresses_pass(write_request: WriteRequest, changes: dict[str, str]) -> None:
    assert one_item(write_request, **changes) == []


@pytest.mark.parametrize(
    "name",
    [
        ("", ""), ("Unknown", "Unknown"), ("NA", "NA"), ("N/A", "Garcia"), ("Maria", ""),
        ("J.", "S."), ("J", "G"), ("FNU", "Garcia"), ("Maria", "LNU"), ("John", "Doe"),
        ("XXX", "XXX"), ("Maria", "Unknown"), ("None", "None"), ("Maria", "?"),
    ],
)  # fmt: skip
def test_unusable_names_are_no_name(write_request: WriteRequest, name: tuple[str, str]) -> None:
    assert one_item(write_request, given_name=name[0], surname=name[1]) == [reasons.NO_NAME]


@pytest.mark.parametrize("name", [("J.", "Garcia"), ("Maria", "de la Cruz"), ("Li", "Wu")])
def test_short_real_names_pass(write_request: WriteRequest, name: tuple[str, str]) -> None:
    assert one_item(write_request, given_name=name[0], surname=name[1]) == []


@pytest.mark.parametrize("periods", ["", "none", "N/A", "TBD", "22", "1850", "2031", ";;"])
def test_no_parseable_period_is_no_period(write_request: WriteRequest, periods: str) -> None:
    assert one_item(write_request, taxable_periods=periods) == [reasons.NO_PERIOD]


@pytest.mark.parametrize("periods", ["2022", "2022;2023", "2021, 2022", " 2024 ", "2022;TBD"])
def test_parseable_periods_pass(write_request: WriteRequest, periods: str) -> None:
    assert one_item(write_request, taxable_periods=periods) == []


@pytest.mark.parametrize(
    "reason",
    ["", "N/A", "see attached", "See Attached.", "TBD", "Investigation", "criminal investigation",
     "Ongoing criminal investigation", "law enforcement purposes", "same as above", "xxx", "-"],
)  # fmt: skip
def test_contentless_reasons_are_no_reason(write_request: WriteRequest, reason: str) -> None:
    assert one_item(write_request, reason=reason) == [reasons.NO_REASON]


def test_missing_authority_marks_every_item(write_request: WriteRequest) -> None:
    path = write_request([good_item(1), good_item(2)], statutory_authority="")
    assert set(map(tuple, reasons_of(load_request(path)).values())) == {(reasons.NO_AUTHORITY,)}


def test_missing_certification_marks_every_item(write_request: WriteRequest) -> None:
    path = write_request([good_item(1)], certification=False)
    assert reasons_of(load_request(path))["I-00001"] == [reasons.CERTIFICATION]
    path = write_request([good_item(1)], drop=("certification",))
    assert reasons_of(load_request(path))["I-00001"] == [reasons.CERTIFICATION]


@pytest.mark.parametrize(
    "authority",
    ["8 U.S.C. 1253(a)(1)", "8 USC 1253(a)(1)", "8 U.S.C. § 1253(a)(1)", "8 USC Sec. 1253(a)(1)",
     "Title 8 United States Code Section 1253(a)(1)", "INA § 243(a)(1)"],
)  # fmt: skip
@pytest.mark.parametrize(
    "changes",
    [
        {"removal_order_date": ""},
        {"removal_order_case": ""},
        {"removal_order_case": "N/A"},
        {"removal_order_date": "2025-07-01"},  # 36 days before receipt
        {"removal_order_date": "2025-05-09"},  # 89 days
        {"removal_order_date": "2026-01-01"},  # after receipt
    ],
)
def test_removal_statute_needs_an_old_enough_order_with_a_case(
    write_request: WriteRequest, authority: str, changes: dict[str, str]
) -> None:
    path = write_request([good_item(1, **changes)], statutory_authority=authority)
    assert reasons_of(load_request(path))["I-00001"] == [reasons.STATUTE]


def test_removal_order_exactly_90_days_old_is_enough(write_request: WriteRequest) -> None:
    assert one_item(write_request, removal_order_date="2025-05-08") == []


def test_other_statutes_do_not_need_a_removal_order(write_request: WriteRequest) -> None:
    item = good_item(1, removal_order_date="", removal_order_case="")
    path = write_request([item], statutory_authority="18 U.S.C. 1546")
    assert reasons_of(load_request(path))["I-00001"] == []


def test_removal_columns_absent_fail_the_removal_statute(write_request: WriteRequest) -> None:
    from .conftest import COLUMNS

    columns = tuple(c for c in COLUMNS if not c.startswith("removal_order"))
    path = write_request([good_item(1)], columns=columns)
    assert reasons_of(load_request(path))["I-00001"] == [reasons.STATUTE]


def test_parquet_and_csv_give_the_same_result(write_request: WriteRequest, tmp_path: Path) -> None:
    rows = [good_item(1), good_item(2, street="NA NA"), good_item(3, given_name="Unknown")]
    from_csv = reasons_of(load_request(write_request(rows)))
    from_parquet = reasons_of(load_request(write_request(rows, fmt="parquet")))
    assert from_csv == from_parquet
    assert from_csv["I-00002"] == [reasons.NO_ADDRESS]


def test_normalised_columns_are_present(write_request: WriteRequest) -> None:
    item = good_item(1, surname="de la Cruz Jr.", street="12 N. Elm Street", unit="Apt 4b")
    row = load_request(write_request([item])).items.to_pylist()[0]
    assert (row["norm_surname"], row["norm_suffix"]) == ("DELACRUZ", "JR")
    assert (row["norm_house_number"], row["norm_street"], row["norm_unit"]) == (
        "12",
        "N ELM ST",
        "4B",
    )
    assert (row["norm_city"], row["norm_state"], row["norm_zip"]) == ("SPRINGFIELD", "IL", "62701")
    assert row["periods"] == [2022, 2023]
    assert row["address_usable"] is True
    assert row["row"] == 1


def _years_plainly(text: str, last: int) -> list[int]:
    """The documented rule, token by token: four digits, 1913 to the as-of year."""
    tokens = [t for t in re.split(r"[;,\s]+", text.strip()) if t]
    return [int(t) for t in tokens if re.fullmatch(r"\d{4}", t) and 1913 <= int(t) <= last]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["2022;2023", "2022; 2023", " 2024 ", "1850,2020", "TBD", "", "2031"])
        | st.from_regex(r"[0-9 ;,A-Z]{0,12}", fullmatch=True),
        min_size=1,
        max_size=30,
    )
)
def test_periods_read_once_per_distinct_text_are_each_items_own(values: list[str]) -> None:
    as_of = date(2025, 8, 7)
    periods, missing = taxable_periods(pa.table({"taxable_periods": values}), as_of)
    expected = [_years_plainly(v, as_of.year) for v in values]
    assert periods.to_pylist() == expected
    assert missing.to_pylist() == [not years for years in expected]
