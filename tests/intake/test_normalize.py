"""Normalisation: the documented normalised form, and idempotence."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from taxgate.intake import addresses as ad
from taxgate.intake import normalize as nz
from taxgate.intake import text as tx
from taxgate.intake.columns import (
    STREET_FIELDS,
    clean_text_column,
    normalize_names,
    normalize_officer,
    officer_column,
    parse_street_column,
)
from taxgate.intake.normalize import normalize_name


@pytest.mark.parametrize(
    ("given_name", "middle", "surname", "expected"),
    [
        ("José", "", "Núñez", nz.Name("JOSE", "", "NUNEZ", "")),
        ("María José", "", "de la Cruz", nz.Name("MARIA JOSE", "", "DELACRUZ", "")),
        ("Maria", "", "De La Cruz", nz.Name("MARIA", "", "DELACRUZ", "")),
        ("Maria", "", "DelaCruz", nz.Name("MARIA", "", "DELACRUZ", "")),
        ("Pieter", "", "van der Berg", nz.Name("PIETER", "", "VANDERBERG", "")),
        ("Ahmed", "", "al-Hassan", nz.Name("AHMED", "", "ALHASSAN", "")),
        ("Otto", "", "von Bismarck", nz.Name("OTTO", "", "VONBISMARCK", "")),
        ("Sean", "", "O'Brien", nz.Name("SEAN", "", "OBRIEN", "")),
        ("John", "", "Smith Jr.", nz.Name("JOHN", "", "SMITH", "JR")),
        ("John", "", "Smith, III", nz.Name("JOHN", "", "SMITH", "III")),
        ("John Sr", "", "Smith", nz.Name("JOHN", "", "SMITH", "SR")),
        ("John", "IV", "Smith", nz.Name("JOHN", "", "SMITH", "IV")),
        ("Zoë", "Ann-Marie", "Müller", nz.Name("ZOE", "ANN MARIE", "MULLER", "")),
        ("Unknown", "", "Smith", nz.Name("", "", "SMITH", "")),
        ("FNU", "", "Garcia", nz.Name("", "", "GARCIA", "")),
        ("John", "", "Doe", nz.Name("", "", "", "")),
        ("N/A", "", "N/A", nz.Name("", "", "", "")),
        ("Van", "", "Nguyen", nz.Name("VAN", "", "NGUYEN", "")),
    ],
)
def test_names_normalise_to_the_documented_form(
    given_name: str, middle: str, surname: str, expected: nz.Name
) -> None:
    assert nz.normalize_name(given_name, middle, surname) == expected


@pytest.mark.parametrize(
    ("street", "number", "line", "unit"),
    [
        ("123 Main Street", "123", "MAIN ST", ""),
        ("123 Main St.", "123", "MAIN ST", ""),
        ("4567 North Oak Avenue", "4567", "N OAK AVE", ""),
        ("4567 N. Oak Ave", "4567", "N OAK AVE", ""),
        ("89 Park Blvd Southwest", "89", "PARK BLVD SW", ""),
        ("12 Elm Boulevard Apt 4B", "12", "ELM BLVD", "4B"),
        ("12 Elm Blvd # 4B", "12", "ELM BLVD", "4B"),
        ("12 Elm Blvd, Unit 4b", "12", "ELM BLVD", "4B"),
        ("12 Elm Blvd #4b", "12", "ELM BLVD", "4B"),
        ("18201 SW 12th Street", "18201", "SW 12TH ST", ""),
        ("1251 Avenue of the Americas", "1251", "AVE OF THE AMERICAS", ""),
        ("350 Broadway", "350", "BROADWAY", ""),
        ("123 1/2 Main St", "123 1/2", "MAIN ST", ""),
        ("1 Calle Ñandú", "1", "CALLE NANDU", ""),
        ("77 Martin Luther King Jr Drive", "77", "MARTIN LUTHER KING JR DR", ""),
    ],
)
def test_streets_are_standardised(street: str, number: str, line: str, unit: str) -> None:
    parsed = ad.parse_street(street)
    assert (parsed.kind, parsed.house_number, parsed.street, parsed.unit) == (
        "street",
        number,
        line,
        unit,
    )


def test_a_whole_address_in_the_street_field_fills_city_state_and_zip() -> None:
    address = ad.normalize_address("12 Elm Street, Springfield, IL 62701-1234")
    assert (address.city, address.state, address.zip, address.usable) == (
        "SPRINGFIELD",
        "IL",
        "62701",
        True,
    )


@pytest.mark.parametrize(
    ("raw", "unit"),
    [("Apt 4B", "4B"), ("# 4B", "4B"), ("Unit 4b", "4B"), ("APT. 4-B", "4B"), ("Bsmt", "BSMT")],
)
def test_units_keep_the_identifier(raw: str, unit: str) -> None:
    assert ad.normalize_unit(raw) == unit


@pytest.mark.parametrize(
    ("raw", "zip5"),
    [
        ("62701", "62701"),
        ("62701-1234", "62701"),
        ("627011234", "62701"),
        ("2108", "02108"),  # a spreadsheet dropped the leading zero
        ("00000", ""),
        ("99999", ""),
        ("00012", ""),
        ("6270", "06270"),
        ("ABCDE", ""),
        ("", ""),
    ],
)
def test_zip_codes_become_five_digits_or_nothing(raw: str, zip5: str) -> None:
    assert ad.normalize_zip(raw) == zip5


def test_states_accept_names_and_codes() -> None:
    assert [ad.normalize_state(s) for s in ("Illinois", "il", "I.L.", "XX", "")] == [
        "IL",
        "IL",
        "IL",
        "",
        "",
    ]


text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.from_regex(
    r"[0-9]{1,5}( [NSEW])? [A-Za-z' .-]{1,12} (St|Ave|Road|Blvd)( Apt [0-9A-Za-z]{1,3})?",
    fullmatch=True,
)


@settings(max_examples=300, deadline=None)
@given(text)
def test_normalisers_are_idempotent(value: str) -> None:
    for function in (tx.clean_text, ad.normalize_unit, ad.normalize_zip, ad.normalize_city):
        once = function(value)
        assert function(once) == once
    surname, _ = nz.normalize_surname(value)
    assert nz.normalize_surname(surname)[0] == surname
    name = nz.normalize_name(value, "", value)
    assert nz.normalize_name(name.given, name.middle, name.surname).surname == name.surname


@settings(max_examples=300, deadline=None)
@given(text)
@example("001:0:AA:AA")  # a bare number after the house number is noise, not a street
@example("01:0A:AA:AA")  # a "street" the statistical parser finds in noise
@example("1:0:ST:APT:FL")
def test_a_standardised_street_line_parses_back_to_itself(value: str) -> None:
    # Commas guide the CRF parser (street vs city), so the property holds for single lines.
    address = ad.normalize_address(value.replace(",", " "))
    if address.kind != "street":
        return
    again = ad.normalize_address(ad.street_line(address))
    assert (again.house_number, again.street, again.unit) == (
        address.house_number,
        address.street,
        address.unit,
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(text, min_size=1, max_size=20))
def test_vectorised_cleaning_agrees_with_the_scalar_one(values: list[str]) -> None:
    column = pa.chunked_array([pa.array(values, pa.string())])
    assert clean_text_column(column).to_pylist() == [tx.clean_text(v) for v in values]


officer_like = st.from_regex(
    r"((SA|Special Agent|Deportation Officer|Dr\.?|Acting) )?[A-Za-z'ëé-]{1,8}(,? [A-Za-z]{1,6})?"
    r"( #?[0-9]{1,6})?",
    fullmatch=True,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(officer_like | text, min_size=1, max_size=20))
def test_vectorised_officer_keys_agree_with_the_scalar_one(values: list[str]) -> None:
    column = pa.chunked_array([pa.array(values, pa.string())])
    assert officer_column(column).to_pylist() == [normalize_officer(v) for v in values]


street_like = st.from_regex(
    r"[0-9]{1,5}[A-C]?( (N|S|East|NW))? [A-Za-z0-9'.]{1,8}( [A-Za-z]{1,6})?"
    r" (St|St\.|Street|Ave|AVENUE|Rd|Blvd|Way|Ct|Unknown)( (W|South))?"
    r"(,? (Apt|Unit|#|Ste|Rear|APT #)( ?[0-9A-Za-z]{1,3})?)?",
    fullmatch=True,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(street_like | text, min_size=1, max_size=25))
def test_vectorised_street_parsing_agrees_with_the_scalar_one(values: list[str]) -> None:
    columns = parse_street_column(pa.array(values, pa.string()))
    for i, value in enumerate(values):
        got = tuple(columns[name][i].as_py() for name in STREET_FIELDS)
        assert got == tuple(ad.parse_street(value)), value


def test_street_lines_sharing_what_follows_the_number_parse_as_the_scalar_parser_does() -> None:
    # The column parser matches the rest after the house number once per distinct rest.
    rests = ["N Main St", "n main st apt 4", "Main St #", "Oak Avenue Rear", "Unknown St"]
    numbers = ["12", "12-14", "0", "00", "7B", "B7", "", "12,"]
    values = [f"{n} {r}" for n in numbers for r in rests] + ["12", "12 ", " 12 Main St", "12-"]
    columns = parse_street_column(pa.array(values, pa.string()))
    for i, value in enumerate(values):
        got = tuple(columns[name][i].as_py() for name in STREET_FIELDS)
        assert got == tuple(ad.parse_street(value)), value


@pytest.mark.parametrize(
    ("given", "surname", "expected"),
    [
        ("Anh", "Do", ("ANH", "DO")),  # Đỗ: a real surname, not the filler word "do"
        ("Hye-jin", "Na", ("HYE JIN", "NA")),
        ("Minh", "To", ("MINH", "TO")),
        ("Junior", "Garcia", ("JUNIOR", "GARCIA")),  # a given name, not a suffix
        ("NA", "NA", ("", "")),
        ("Unknown", "Unknown", ("", "")),
    ],
)
def test_short_real_names_survive_and_filler_pairs_do_not(
    given: str, surname: str, expected: tuple[str, str]
) -> None:
    name = normalize_name(given, "", surname)
    assert (name.given, name.surname) == expected
    batch = normalize_names(
        pa.table({"given_name": [given], "middle_name": [""], "surname": [surname]})
    )
    assert (batch["norm_given_name"][0].as_py(), batch["norm_surname"][0].as_py()) == expected


def test_words_with_digits_go_before_the_suffix_is_looked_for() -> None:
    # Found by the idempotence property: "II" kept as a surname, then read as a suffix.
    assert nz.normalize_surname("II:0") == ("", "II")
    assert nz.normalize_surname("Smith Jr 0") == ("SMITH", "JR")
    for value in ("II:0", "Smith Jr 0", "Smith 3"):
        once = nz.normalize_surname(value)[0]
        assert nz.normalize_surname(once)[0] == once
