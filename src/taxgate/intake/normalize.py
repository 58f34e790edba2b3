"""Pure normalisers for names and US addresses, shared by intake and identity.

The normalised form (every function is idempotent: normalising a normalised value changes
nothing):

- Text: ASCII (accents transliterated with unidecode), upper case, apostrophes, periods and
  slashes dropped (``O'Brien`` -> ``OBRIEN``, ``N/A`` -> ``NA``), other punctuation read as a
  space, whitespace collapsed.
- Names: a placeholder (``Unknown``, ``N/A``, ``FNU``, ``XXX``, ``John Doe``...) becomes ``""``.
  Surname particles are joined to the word they precede (``de la Cruz`` -> ``DELACRUZ``,
  ``Van der Berg`` -> ``VANDERBERG``, ``al-Hassan`` -> ``ALHASSAN``) so spacing variants agree.
  A generational suffix (Jr, Sr, II, III, IV) at the end of any name field is moved to
  ``suffix``.
- Addresses (:class:`Address`): ``house_number`` (``"123"``, ``"123 1/2"``); ``street`` =
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
from unidecode import unidecode

from taxgate.intake.pub28 import DIRECTIONAL, STATE, STATE_CODES, STREET_SUFFIX, UNIT_DESIGNATOR

# --- text ---------------------------------------------------------------------------------


def _translation(keep: str) -> dict[int, str | None]:
    """Drop apostrophes and periods; every other ASCII character outside ``keep`` -> space."""
    table: dict[int, str | None] = {
        code: " " for code in range(128) if not chr(code).isalnum() and chr(code) not in keep
    }
    table.update(dict.fromkeys(map(ord, "'`."), None))
    return table


_TEXT_TABLE: Final = _translation(" /")
_ADDRESS_TABLE: Final = _translation(" #/-")
_ADDRESS_TABLE_COMMAS: Final = _translation(" #/-,")
_SLASH_BETWEEN_LETTERS: Final = re.compile(r"(?<=[A-Z])/(?=[A-Z])")
_SLASH_NOT_IN_NUMBER: Final = re.compile(r"(?<!\d)/|/(?!\d)")
_HYPHEN_NOT_IN_NUMBER: Final = re.compile(r"(?<!\d)-(?!\d)")


def _ascii_upper(value: str) -> str:
    return (value if value.isascii() else unidecode(value)).upper()


def clean_text(value: str | None) -> str:
    """ASCII upper case, punctuation removed, whitespace collapsed."""
    if not value:
        return ""
    text = _ascii_upper(value).translate(_TEXT_TABLE)
    if "/" in text:
        text = _SLASH_BETWEEN_LETTERS.sub("", text).replace("/", " ")
    return " ".join(text.split())


# Words that carry no identifying content on their own. A value made only of these (and of
# junk such as "XXXX" or "???") is a placeholder. Deliberately excludes words that name real
# streets or people when used alone ("GENERAL", "PARK").
PLACEHOLDER_WORDS: Final[frozenset[str]] = frozenset(
    """UNKNOWN UNK UNKN UNKWN UNKOWN UNKNOW NA NAN NONE NULL NIL TBD TBA TBC REFUSED DECLINED
    HOMELESS TRANSIENT MISSING BLANK EMPTY INVALID DUMMY FAKE PLACEHOLDER REDACTED WITHHELD
    UNAVAILABLE UNDELIVERABLE PENDING FAILED FAIL PROVIDE PROVIDED NOT NO GIVEN AVAILABLE
    APPLICABLE KNOWN ADDRESS ADDR FIXED ABODE SAME AS ABOVE DONT DO CARE KNOW SEE ATTACHED
    ATTACHMENT FILE ON BE DETERMINED TO VERIFY UPDATE NEEDED NEED ANY ANYWHERE NOWHERE NOADDRESS
    TEST NOTPROVIDED UNSPECIFIED SPECIFIED NR NP ND""".split()  # noqa: SIM905
)
_PLACEHOLDER_PHRASES: Final = re.compile(r"\b(?:GENERAL DELIVERY|NO NAME|NAME UNKNOWN)\b")
_JUNK_TOKEN: Final = re.compile(r"^(.)\1+$")


def _is_filler(token: str) -> bool:
    return token in PLACEHOLDER_WORDS or (len(token) > 1 and bool(_JUNK_TOKEN.match(token)))


def is_placeholder(cleaned: str) -> bool:
    """True when a cleaned, non-empty value says nothing: every word is filler or junk."""
    if not cleaned:
        return False
    tokens = cleaned.split()
    if all(_is_filler(token) for token in tokens):
        return True
    if "NAME" not in tokens and "DELIVERY" not in tokens:
        return False
    return all(_is_filler(token) for token in _PLACEHOLDER_PHRASES.sub(" ", cleaned).split())


# --- names --------------------------------------------------------------------------------

NAME_SUFFIXES: Final[dict[str, str]] = {
    "JR": "JR", "JNR": "JR", "JUNIOR": "JR", "SR": "SR", "SNR": "SR", "SENIOR": "SR",
    "II": "II", "2ND": "II", "III": "III", "3RD": "III", "IV": "IV", "4TH": "IV",
}  # fmt: skip
# Placeholders particular to names: DHS records use FNU/LNU ("first/last name unknown").
_NAME_PLACEHOLDERS: Final = frozenset({"FNU", "LNU", "NFN", "NLN", "NMN", "ANONYMOUS", "UNNAMED"})
DOE_GIVEN: Final = frozenset({"JOHN", "JANE", "BABY", "JOHNNY", "RICHARD"})
# Surname particles, longest first so "DE LA" wins over "DE".
_PARTICLES: Final[tuple[tuple[str, ...], ...]] = tuple(
    tuple(p.split())
    for p in (
        "DE LOS", "DE LAS", "DE LA", "VAN DER", "VAN DEN", "VAN DE", "VON DER", "DELLA", "DEL",
        "DE", "DA", "DI", "DOS", "DAS", "DU", "VAN", "VON", "AL", "EL", "LA", "LE", "MC", "MAC",
    )
)  # fmt: skip
_LETTERS: Final = re.compile(r"[A-Z]{2,}")


@dataclass(frozen=True)
class Name:
    given: str
    middle: str
    surname: str
    suffix: str


def _pop_suffix(text: str) -> tuple[str, str]:
    """Strip trailing generational suffixes; return (rest, the outermost one)."""
    tokens = text.split()
    found = ""
    while len(tokens) > 1 and tokens[-1] in NAME_SUFFIXES:
        found = found or NAME_SUFFIXES[tokens.pop()]
    return " ".join(tokens), found


def normalize_name_part(value: str | None, *, lone_short_is_name: bool = True) -> str:
    """One name field in normalised form; a placeholder becomes ``""``."""
    text = clean_text(value)
    tokens = [t for t in text.split() if not any(c.isdigit() for c in t)]
    text = " ".join(tokens)
    if not text or all(t in _NAME_PLACEHOLDERS for t in tokens):
        return ""
    # A lone two-letter word is a real name far more often than filler: Do (Đỗ), Na, No,
    # To (Tô), On. It only counts as a placeholder beside other filler ("NA NA").
    lone_short = lone_short_is_name and len(tokens) == 1 and len(tokens[0]) <= 2
    if is_placeholder(text) and not lone_short:
        return ""
    return text


def join_particles(surname: str) -> str:
    """Join particles to the following word: ``DE LA CRUZ`` -> ``DELACRUZ``."""
    tokens = surname.split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for particle in _PARTICLES:
            end = i + len(particle)
            if tuple(tokens[i:end]) == particle and end < len(tokens):
                out.append("".join(tokens[i : end + 1]))
                i = end + 1
                break
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out)


def split_name_field(value: str | None, *, whole_may_be_suffix: bool = True) -> tuple[str, str]:
    """One name field: (normalised text, generational suffix found at its end or ``""``).

    A middle-name field holding only "Jr" is a suffix; a given-name field holding only
    "Junior" is the person's name (``whole_may_be_suffix=False``).
    """
    text, found = _pop_suffix(clean_text(value))
    if text in NAME_SUFFIXES and whole_may_be_suffix:
        return "", NAME_SUFFIXES[text]
    # "N/A" is an abbreviation, never a name; "Na" is a surname.
    return normalize_name_part(text, lone_short_is_name="/" not in (value or "")), found


def split_given_name(value: str | None) -> tuple[str, str]:
    """A given-name field: "Junior" alone is a name, a trailing "Jr" is a suffix."""
    return split_name_field(value, whole_may_be_suffix=False)


def normalize_surname(value: str | None) -> tuple[str, str]:
    """Like :func:`split_name_field`, with particles joined (``DE LA CRUZ`` -> ``DELACRUZ``)."""
    text, found = split_name_field(value)
    return join_particles(text), found


def is_doe(given: str, surname: str) -> bool:
    """ "John Doe" and kin: the conventional name for an unidentified person."""
    return surname == "DOE" and given in DOE_GIVEN


def normalize_name(given: str | None, middle: str | None, surname: str | None) -> Name:
    """Normalise a person's name fields, moving a generational suffix to ``suffix``."""
    first, suffix_given = split_given_name(given)
    mid, suffix_middle = split_name_field(middle)
    last, suffix_surname = normalize_surname(surname)
    suffix = suffix_given or suffix_middle or suffix_surname
    # "NA NA": each part alone could be a real short name; together they are filler.
    if is_doe(first, last) or (first in PLACEHOLDER_WORDS and last in PLACEHOLDER_WORDS):
        first, last = "", ""
    return Name(first, mid, last, suffix)


def is_usable_name(name: Name) -> bool:
    """A surname with a word of two letters or more, and a given name.

    Initials alone ("J. S.") do not identify anyone; a surname alone is not a name either.
    """
    return bool(name.given) and bool(_LETTERS.search(name.surname))


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
    text = _ascii_upper(value).translate(_ADDRESS_TABLE_COMMAS if commas else _ADDRESS_TABLE)
    if commas and "," in text:
        text = text.replace(",", " , ")
    if "/" in text:
        text = _SLASH_NOT_IN_NUMBER.sub(" ", _SLASH_BETWEEN_LETTERS.sub("", text))
    if "-" in text:
        text = _HYPHEN_NOT_IN_NUMBER.sub(" ", text)
    if "#" in text:
        text = text.replace("#", " # ")
    return " ".join(text.split())


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_DIRS = _alternation(DIRECTIONAL)
_TYPES = _alternation(STREET_SUFFIX)
_UNITS = _alternation(k for k in UNIT_DESIGNATOR if k != "#")
# The common well-formed shape, "123 N MAIN ST APT 4B": parsed without the CRF.
FAST_PATTERN: Final = (
    rf"^(?P<number>\d+[A-Z]?|\d+-\d+) (?:(?P<predir>{_DIRS}) )?"
    rf"(?P<name>[A-Z0-9]+(?: [A-Z0-9]+){{0,4}}?) (?P<type>{_TYPES})(?: (?P<postdir>{_DIRS}))?"
    rf"(?: (?P<designator>(?:{_UNITS})(?: #)?|#)(?: (?P<unit>[A-Z0-9-]+))?)?$"
)
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
        words = [w for w in _PLACEHOLDER_PHRASES.sub(" ", text).split() if not w.isdigit()]
        if words and all(_is_filler(w) or w in STREET_SUFFIX for w in words):
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
