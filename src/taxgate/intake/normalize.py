"""Pure normalisers for names, shared by intake and identity (text: ``text``; addresses:
``addresses``). Every function is idempotent: normalising a normalised value changes nothing.

Names: a placeholder (``Unknown``, ``N/A``, ``FNU``, ``XXX``, ``John Doe``...) becomes ``""``.
  Surname particles are joined to the word they precede (``de la Cruz`` -> ``DELACRUZ``,
  ``Van der Berg`` -> ``VANDERBERG``, ``al-Hassan`` -> ``ALHASSAN``) so spacing variants agree.
  A generational suffix (Jr, Sr, II, III, IV) at the end of any name field is moved to
  ``suffix``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from taxgate.intake.text import (
    PLACEHOLDER_WORDS,
    clean_text,
    is_placeholder,
)

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
    # Words with digits are never part of a name: dropped before the suffix is looked for,
    # or "II 0" would keep "II" as a name that a second pass reads as a suffix.
    words = [t for t in clean_text(value).split() if not any(c.isdigit() for c in t)]
    text, found = _pop_suffix(" ".join(words))
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
