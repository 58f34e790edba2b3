"""Text as intake and identity compare it, and the placeholders that stand for no value.

Text is ASCII (accents transliterated with unidecode), upper case, apostrophes, periods and
slashes dropped (``O'Brien`` -> ``OBRIEN``, ``N/A`` -> ``NA``), other punctuation read as a
space, whitespace collapsed. A placeholder (``Unknown``, ``N/A``, ``XXX``, ``Failed to
Provide``...) says nothing about anyone: names and addresses made of it are empty.
"""

from __future__ import annotations

import re
from typing import Final

from unidecode import unidecode


def translation(keep: str) -> dict[int, str | None]:
    """Drop apostrophes and periods; every other ASCII character outside ``keep`` -> space."""
    table: dict[int, str | None] = {
        code: " " for code in range(128) if not chr(code).isalnum() and chr(code) not in keep
    }
    table.update(dict.fromkeys(map(ord, "'`."), None))
    return table


TEXT_TABLE: Final = translation(" /")
ADDRESS_TABLE: Final = translation(" #/-")
ADDRESS_TABLE_COMMAS: Final = translation(" #/-,")
SLASH_BETWEEN_LETTERS: Final = re.compile(r"(?<=[A-Z])/(?=[A-Z])")
SLASH_NOT_IN_NUMBER: Final = re.compile(r"(?<!\d)/|/(?!\d)")
HYPHEN_NOT_IN_NUMBER: Final = re.compile(r"(?<!\d)-(?!\d)")


def ascii_upper(value: str) -> str:
    return (value if value.isascii() else unidecode(value)).upper()


def clean_text(value: str | None) -> str:
    """ASCII upper case, punctuation removed, whitespace collapsed."""
    if not value:
        return ""
    text = ascii_upper(value).translate(TEXT_TABLE)
    if "/" in text:
        text = SLASH_BETWEEN_LETTERS.sub("", text).replace("/", " ")
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
PLACEHOLDER_PHRASES: Final = re.compile(r"\b(?:GENERAL DELIVERY|NO NAME|NAME UNKNOWN)\b")
JUNK_TOKEN: Final = re.compile(r"^(.)\1+$")


def is_filler(token: str) -> bool:
    return token in PLACEHOLDER_WORDS or (len(token) > 1 and bool(JUNK_TOKEN.match(token)))


def is_placeholder(cleaned: str) -> bool:
    """True when a cleaned, non-empty value says nothing: every word is filler or junk."""
    if not cleaned:
        return False
    tokens = cleaned.split()
    if all(is_filler(token) for token in tokens):
        return True
    if "NAME" not in tokens and "DELIVERY" not in tokens:
        return False
    return all(is_filler(token) for token in PLACEHOLDER_PHRASES.sub(" ", cleaned).split())
