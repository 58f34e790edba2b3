"""Pure normalisers for US addresses, shared by intake and identity.

Text is cleaned as names are (``text.clean_text``); every function is idempotent.

An :class:`Address` has ``house_number`` (``"123"``, ``"123 1/2"``); ``street`` =
  pre-directional, name, USPS Publication 28 suffix abbreviation, post-directional
  (``"N MAIN ST"``); ``unit`` = the identifier without its designator (``"Apt 4B"``, ``"# 4B"``,
  ``"Unit 4b"`` -> ``"4B"``); ``city``; ``state`` = USPS two-letter code; ``zip`` = 5 digits.
  ``kind`` says what the street line is: ``street``, ``rural_route`` (``RR 2 BOX 152``: a rural
  residence's delivery address, accepted), ``po_box`` (a mailbox, not a residence),
  ``facility`` (a jail or detention centre named without a street address), ``placeholder``,
  ``incomplete`` (no house number or no street name) or ``empty``.

An address is usable (:attr:`Address.usable`) only if it is a ``street`` or ``rural_route``
with a city and state or a valid ZIP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, NamedTuple

import usaddress

from taxgate.intake.pub28 import DIRECTIONAL, STATE, STATE_CODES, STREET_SUFFIX, UNIT_DESIGNATOR
from taxgate.intake.text import (
    ADDRESS_TABLE,
    ADDRESS_TABLE_COMMAS,
    HYPHEN_NOT_IN_NUMBER,
    PLACEHOLDER_PHRASES,
    SLASH_BETWEEN_LETTERS,
    SLASH_NOT_IN_NUMBER,
    ascii_upper,
    clean_text,
    is_filler,
    is_placeholder,
)

# --- addresses ----------------------------------------------------------------------------

STREET_KINDS: Final[tuple[str, ...]] = (
    "street", "rural_route", "po_box", "facility", "placeholder", "incomplete", "empty",
)  # fmt: skip
USABLE_KINDS: Final = frozenset({"street", "rural_route"})


class StreetLine(NamedTuple):
    """What a street field says, standardised. City/state/zip only when the line held them."""

    house_number: str = ""
    street: str = ""
    unit: str = ""
    kind: str = "empty"
    city: str = ""
    state: str = ""
    zip: str = ""


@dataclass(frozen=True)
class Address:
    house_number: str
    street: str
    unit: str
    city: str
    state: str
    zip: str
    kind: str

    @property
    def usable(self) -> bool:
        return self.kind in USABLE_KINDS and bool((self.city and self.state) or self.zip)


def clean_address_text(value: str | None, *, commas: bool = False) -> str:
    """Like :func:`clean_text` but keeps ``#``, and ``-`` and ``/`` in numbers (``123 1/2``).

    ``commas=True`` keeps commas, which the CRF parser reads as field separators.
    """
    if not value:
        return ""
    text = ascii_upper(value).translate(ADDRESS_TABLE_COMMAS if commas else ADDRESS_TABLE)
    if commas and "," in text:
        text = text.replace(",", " , ")
    if "/" in text:
        text = SLASH_NOT_IN_NUMBER.sub(" ", SLASH_BETWEEN_LETTERS.sub("", text))
    if "-" in text:
        text = HYPHEN_NOT_IN_NUMBER.sub(" ", text)
    if "#" in text:
        text = text.replace("#", " # ")
    return " ".join(text.split())


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_DIRS = _alternation(DIRECTIONAL)
_TYPES = _alternation(STREET_SUFFIX)
_UNITS = _alternation(k for k in UNIT_DESIGNATOR if k != "#")
# The common well-formed shape, "123 N MAIN ST APT 4B": parsed without the CRF. A house
# number holds no space, so the shape is a number, the first space, then the rest: the
# column parser matches the two apart (a batch has far fewer distinct rests than lines).
HOUSE_NUMBER_PATTERN: Final = r"\d+[A-Z]?|\d+-\d+"
AFTER_NUMBER_PATTERN: Final = (
    rf"(?:(?P<predir>{_DIRS}) )?"
    rf"(?P<name>[A-Z0-9]+(?: [A-Z0-9]+){{0,4}}?) (?P<type>{_TYPES})(?: (?P<postdir>{_DIRS}))?"
    rf"(?: (?P<designator>(?:{_UNITS})(?: #)?|#)(?: (?P<unit>[A-Z0-9-]+))?)?$"
)
FAST_PATTERN: Final = rf"^(?P<number>{HOUSE_NUMBER_PATTERN}) {AFTER_NUMBER_PATTERN}"
_FAST: Final = re.compile(FAST_PATTERN)
_RURAL: Final = re.compile(
    r"^(?:RR|R R|RFD|RURAL ROUTE|HC|HCR|HIGHWAY CONTRACT(?: ROUTE)?|STAR ROUTE) ?(\d+)"
    r" (?:BOX|BX) ?(?:# )?([A-Z0-9-]+)$"
)
_PO_BOX_START: Final = re.compile(r"^(?:P ?O ?|POST OFFICE |POST )?(?:BOX|BX|POB|DRAWER|CALLER)\b")
_PO_BOX_ANY: Final = re.compile(r"\b(?:P ?O ?BOX|POST OFFICE BOX|POB)\b")
# A facility named without a street address is not a residence the statute can use.
_FACILITY: Final = re.compile(
    r"\b(?:JAIL|PRISON|DETENTION|DETAINED|DETAINEE|CORRECTIONAL|CORRECTIONS|CORRECTION"
    r"|PENITENTIARY|PROCESSING|STOCKADE|CUSTODY|INCARCERATED|INMATE|LOCKUP|HOLDING"
    r"|FCI|USP|FDC|MDC|BOP|ERO|ICE FACILITY)\b"
)
_HAS_DIGIT: Final = re.compile(r"\d")


def normalize_unit(value: str | None) -> str:
    """``"Apt 4B"``, ``"# 4B"``, ``"Unit 4b"``, ``"APT. 4-B"`` -> ``"4B"``."""
    return _unit(clean_address_text(value).replace("/", " ").split())


def _unit(tokens: list[str]) -> str:
    ident = [t.replace("-", "") for t in tokens if t not in UNIT_DESIGNATOR]
    ident = [t for t in ident if t]
    if ident:
        return " ".join(ident)
    # A designator without identifier (BSMT, REAR) is the unit itself; "#" alone says nothing.
    return " ".join(UNIT_DESIGNATOR[t] for t in tokens if UNIT_DESIGNATOR.get(t, "#") != "#")


def normalize_zip(value: str | None) -> str:
    """ZIP to 5 digits, ``""`` when not a plausible ZIP.

    ``12345-6789`` and ``123456789`` give ``12345``; a 4- or 8-digit value is taken as a ZIP
    whose leading zero a spreadsheet dropped. ``000xx`` (unassigned) and one digit repeated
    (``00000``, ``99999``) are placeholders.
    """
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits.isdigit() or len(digits) not in (4, 5, 8, 9):
        return ""
    if len(digits) in (4, 8):
        digits = "0" + digits
    zip5 = digits[:5]
    if zip5.startswith("000") or len(set(zip5)) == 1:
        return ""
    return zip5


def normalize_state(value: str | None) -> str:
    """A USPS state code (``"Illinois"``, ``"il"``, ``"Ill."`` is not one) or ``""``."""
    text = clean_text(value)
    code = STATE.get(text, text)
    return code if code in STATE_CODES else ""


def normalize_city(value: str | None) -> str:
    text = clean_text(value)
    return "" if not text or is_placeholder(text) or text.isdigit() else text


def _standard_street(pre: str, name: str, suffix: str, post: str) -> str:
    text = f"{DIRECTIONAL.get(pre, pre)} {name} {STREET_SUFFIX.get(suffix, suffix)}"
    if post:
        text += " " + DIRECTIONAL.get(post, post)
    return text.strip()


def _valid_number(number: str) -> bool:
    return bool(_HAS_DIGIT.search(number)) and bool(re.sub(r"[^1-9]", "", number))


def _tag(text: str) -> dict[str, str]:
    """usaddress labels for the uncommon shapes; a repeated label keeps its first run."""
    try:
        tagged, _ = usaddress.tag(text)
        return dict(tagged)
    except usaddress.RepeatedLabelError as exc:
        labels: dict[str, str] = {}
        for token, label in exc.parsed_string:
            if label not in labels:
                labels[label] = token
            elif list(labels)[-1] == label:
                labels[label] += " " + token
        return labels


def _slow_parse(raw: str) -> StreetLine:
    # usaddress reads commas as cues, so it gets the cleaned text with its commas.
    tags = {label: clean_address_text(value) for label, value in _tag(raw).items()}
    number = " ".join(
        tags[k]
        for k in ("AddressNumberPrefix", "AddressNumber", "AddressNumberSuffix")
        if k in tags
    )
    pre_type = tags.get("StreetNamePreType", "")
    name = " ".join(
        w for w in (tags.get("StreetNamePreModifier"), STREET_SUFFIX.get(pre_type, pre_type)) if w
    )
    name = " ".join(w for w in (name, tags.get("StreetName", "")) if w)
    street = _standard_street(
        tags.get("StreetNamePreDirectional", ""),
        name,
        tags.get("StreetNamePostType", ""),
        tags.get("StreetNamePostDirectional", ""),
    )
    unit_raw = " ".join(
        tags[k]
        for k in ("OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier")
        if k in tags
    )
    return StreetLine(
        house_number=number if _valid_number(number) else "",
        street=street,
        unit=normalize_unit(unit_raw),
        kind="street",
        city=normalize_city(tags.get("PlaceName")),
        state=normalize_state(tags.get("StateName")),
        zip=normalize_zip(tags.get("ZipCode")),
    )


def street_kind(street: str) -> str:
    """``street`` or ``placeholder`` for a standardised street with a house number in front:
    "123 Unknown St", "12345 Don't Care" are a number in front of nothing."""
    name_words = [w for w in street.split() if w not in DIRECTIONAL]
    core = [w for w in name_words if w not in STREET_SUFFIX] or name_words
    return "placeholder" if is_placeholder(" ".join(core)) else "street"


def _classify(text: str, line: StreetLine) -> str:
    name_words = [w for w in line.street.split() if w not in DIRECTIONAL]
    # A street is named by words ("MAIN", "10TH"); a bare number after the house number
    # ("001 0") is a parse of noise, not a street.
    if line.house_number and any(not w.isdigit() for w in name_words):
        return street_kind(line.street)
    if not line.house_number:
        if _FACILITY.search(text):
            return "facility"
        if _PO_BOX_ANY.search(text):
            return "po_box"
        words = [w for w in PLACEHOLDER_PHRASES.sub(" ", text).split() if not w.isdigit()]
        if words and all(is_filler(w) or w in STREET_SUFFIX for w in words):
            return "placeholder"
    if is_placeholder(text):
        return "placeholder"
    return "incomplete"


@lru_cache(maxsize=65536)
def parse_street(value: str | None) -> StreetLine:
    """Parse and standardise one street line (``"123 North Main Street Apt. 4b"``)."""
    return _parse_street(value, verify=True)


def _parse_street(value: str | None, *, verify: bool) -> StreetLine:
    spaced = clean_address_text(value, commas=True)
    text = " ".join(spaced.replace(",", " ").split()) if "," in spaced else spaced
    if not text:
        return StreetLine()
    rural = _RURAL.match(text)
    if rural:
        return StreetLine(street=f"RR {rural[1]} BOX {rural[2]}", kind="rural_route")
    if _PO_BOX_START.match(text):
        return StreetLine(kind="po_box")
    fast = _FAST.match(text)
    if fast:
        number = fast["number"]
        line = StreetLine(
            house_number=number if _valid_number(number) else "",
            street=_standard_street(
                fast["predir"] or "", fast["name"], fast["type"], fast["postdir"] or ""
            ),
            unit=_unit(f"{fast['designator'] or ''} {fast['unit'] or ''}".split()),
            kind="street",
        )
    else:
        line = _slow_parse(spaced.replace(" , ", ", "))
    kind = _classify(text, line)
    if kind == "street" and verify and not _stable(line):
        # The statistical parser found a "street" in noise ("01:0A:AA:AA"): a street that
        # does not read back as itself once written out is not one we can vouch for.
        kind = "incomplete"
    if kind != "street":
        return StreetLine(kind=kind, city=line.city, state=line.state, zip=line.zip)
    return StreetLine(
        line.house_number, line.street, line.unit, kind, line.city, line.state, line.zip
    )


def _stable(line: StreetLine) -> bool:
    """Whether the standardised form of ``line`` parses back to the same street."""
    parts = [line.house_number, line.street, *(["#", line.unit] if line.unit else [])]
    again = _parse_street(" ".join(part for part in parts if part), verify=False)
    return (again.house_number, again.street, again.unit) == (
        line.house_number,
        line.street,
        line.unit,
    )


def normalize_address(
    street: str | None,
    unit: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip_code: str | None = None,
) -> Address:
    """One address in normalised form; fields given separately win over ones in the line."""
    line = parse_street(street)
    return Address(
        house_number=line.house_number,
        street=line.street,
        unit=normalize_unit(unit) or line.unit,
        city=normalize_city(city) or line.city,
        state=normalize_state(state) or line.state,
        zip=normalize_zip(zip_code) or line.zip,
        kind=line.kind,
    )


def street_line(address: Address) -> str:
    """The standardised one-line form, ``"123 N MAIN ST # 4B"``; parses back to itself."""
    parts = [address.house_number, address.street]
    if address.unit:
        parts += ["#", address.unit]
    return " ".join(p for p in parts if p)
