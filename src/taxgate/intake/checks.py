"""Per-item statutory sufficiency checks (26 U.S.C. §6103(i)(2)(B)) as boolean columns.

Each check returns, for every item, whether the item lacks that element; the reason codes of
contracts.md §4 name them. Request-wide defects (authority, signer, certification) mark every
item, because every item rests on the same request.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate import reasons
from taxgate.intake.agencies import I2, AgencyRegistry, canonical_basis
from taxgate.intake.text import PLACEHOLDER_WORDS, clean_text, is_placeholder
from taxgate.intake.words import ItemWords, Words, flags
from taxgate.model import Manifest
from taxgate.settings import IntakeSettings

FIRST_TAX_YEAR: Final = 1913  # the first federal income tax year (Sixteenth Amendment)

# Words that say nothing about why this person's information is relevant. A reason needs two
# words outside this set ("see attached", "N/A", "ongoing criminal investigation" do not).
CONTENTLESS_REASON_WORDS: Final = PLACEHOLDER_WORDS | frozenset(
    """A AN THE OF FOR IN AND OR TO BY WITH PER RE IS ARE PLEASE REASON REASONS REQUEST
    REQUESTED INVESTIGATION INVESTIGATIONS INVESTIGATIVE CRIMINAL MATTER MATTERS CASE INFO
    INFORMATION RELEVANT RELEVANCE OFFICIAL USE LAW ENFORCEMENT PURPOSE PURPOSES ONGOING
    OPEN ACTIVE GENERAL ROUTINE STANDARD VARIOUS MULTIPLE OTHER ETC SEE ATTACHED ENCLOSED
    LIST SPREADSHEET FILE PREVIOUS PRIOR SAME ABOVE BELOW REFERENCE REF NEEDED REQUIRED""".split()  # noqa: SIM905
)

# 8 U.S.C. 1253(a)(1), INA §243(a)(1): wilful failure to depart after a final removal order.
_REMOVAL_STATUTE: Final = re.compile(r"8USC1253\(A\)|INA243\(A\)")


def cites_removal_statute(authority: str) -> bool:
    """``"8 USC 1253(a)(1)"``, ``"8 U.S.C. § 1253(a)(1)"``, ``"INA § 243(a)(1)"``..."""
    compact = re.sub(r"[\s.§,]|SECTION|SEC", "", authority.upper())
    compact = compact.replace("UNITEDSTATESCODE", "USC").replace("TITLE8", "8")
    return bool(_REMOVAL_STATUTE.search(compact))


def _all(items: pa.Table, value: bool) -> pa.Array:
    return pa.array(np.full(items.num_rows, value, dtype=bool))


def no_name(items: pa.Table) -> pa.Array:
    """No given name, or no surname with a word of two letters (initials, placeholders)."""
    has_surname = pc.match_substring_regex(items.column("norm_surname"), "[A-Z]{2}")
    has_given = pc.not_equal(items.column("norm_given_name"), "")
    return pc.invert(pc.and_(has_surname, has_given))


def no_address(items: pa.Table) -> pa.Array:
    return pc.invert(items.column("address_usable"))


def taxable_periods(items: pa.Table, as_of: date) -> tuple[pa.ListArray, pa.Array]:
    """Each item's tax years (``"2022;2023"``), and whether it has none.

    A period is a four-digit year from 1913 to the ``as_of`` year; other tokens are ignored.
    """
    # A batch asks for the same few periods on every item: each distinct text is read once.
    column = items.column("taxable_periods")
    encoded = pc.dictionary_encode(column.combine_chunks())
    periods, missing = _periods(encoded.dictionary, as_of)
    return periods.take(encoded.indices), pa.array(missing[encoded.indices.to_numpy()])


def _periods(values: pa.Array, as_of: date) -> tuple[pa.ListArray, np.ndarray]:
    tokens = pc.split_pattern_regex(pc.utf8_trim_whitespace(values), r"[;,\s]+")
    flat = pc.list_flatten(tokens)
    parents = pc.list_parent_indices(tokens).to_numpy()
    shaped = pc.match_substring_regex(flat, r"^\d{4}$").to_numpy(zero_copy_only=False)
    years = np.zeros(len(flat), dtype=np.int64)
    if shaped.any():
        years[shaped] = pc.cast(pc.filter(flat, pa.array(shaped)), pa.int64()).to_numpy()
    valid = shaped & (years >= FIRST_TAX_YEAR) & (years <= as_of.year)
    counts = np.bincount(parents[valid], minlength=len(values))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    periods = pa.ListArray.from_arrays(pa.array(offsets), pa.array(years[valid], pa.int16()))
    return periods, counts == 0


def content_words(words: Words, stop: frozenset[str]) -> np.ndarray:
    """Per value of a cleaned text column (split into ``words``), the number of words of two
    characters or more that are neither in ``stop`` nor junk ("XXXX", "0000")."""
    vocabulary = words.vocabulary
    content = pc.and_(
        pc.greater_equal(pc.utf8_length(vocabulary), 2),
        pc.invert(
            pc.or_(
                pc.is_in(vocabulary, value_set=pa.array(sorted(stop))),
                pc.match_substring_regex(vocabulary, r"^(?:0+|1+|9+|X+|Z+)$"),
            )
        ),
    )
    return words.counts(flags(content))


def no_reason(items: pa.Table, words: ItemWords | None = None) -> pa.Array:
    """Empty, or fewer than two words that say anything (``"see attached"``, ``"N/A"``)."""
    split = (words or ItemWords(items))("norm_reason")
    return pa.array(content_words(split, CONTENTLESS_REASON_WORDS) < 2)


def removal_elements_missing(
    items: pa.Table, manifest: Manifest, settings: IntakeSettings, words: ItemWords | None = None
) -> pa.Array:
    """For 8 U.S.C. 1253(a)(1): no removal order case, no date, or a date fewer than
    ``removal_min_days`` before the request was received."""
    if not cites_removal_statute(manifest.statutory_authority):
        return _all(items, False)
    case = (words or ItemWords(items))("removal_order_case", clean=True)
    has_case = pa.array(content_words(case, PLACEHOLDER_WORDS) >= 1)
    latest = manifest.received - timedelta(days=settings.removal_min_days)
    when = pc.strptime(
        items.column("removal_order_date"), format="%Y-%m-%d", unit="s", error_is_null=True
    )
    limit = pa.scalar(np.datetime64(latest.isoformat(), "s"))
    old_enough = pc.less_equal(when, limit).fill_null(False)
    return pc.invert(pc.and_(has_case, old_enough))


def request_defects(manifest: Manifest, registry: AgencyRegistry) -> set[str]:
    """Codes that apply to every item because the request itself lacks an element."""
    codes = set()
    authority = clean_text(manifest.statutory_authority)
    if not authority or is_placeholder(authority):
        codes.add(reasons.NO_AUTHORITY)
    signer = manifest.signer
    signer_named = bool(clean_text(signer.name)) and not is_placeholder(clean_text(signer.name))
    if not signer_named or not registry.may_sign_for(
        manifest.requester, signer.agency, signer.title, manifest.basis
    ):
        codes.add(reasons.SIGNER)
    if canonical_basis(manifest.basis) == I2 and not manifest.certification:
        codes.add(reasons.CERTIFICATION)
    return codes


def item_checks(
    items: pa.Table,
    manifest: Manifest,
    registry: AgencyRegistry,
    settings: IntakeSettings,
    as_of: date,
    words: ItemWords | None = None,
) -> tuple[dict[str, pa.Array], pa.ListArray]:
    """Reason code -> mask of items lacking it, and the parsed taxable periods.

    ``words`` shares the split text columns with the batch's screens."""
    words = words or ItemWords(items)
    periods, missing_period = taxable_periods(items, as_of)
    masks: dict[str, pa.Array] = {
        reasons.NO_NAME: no_name(items),
        reasons.NO_ADDRESS: no_address(items),
        reasons.NO_PERIOD: missing_period,
        reasons.STATUTE: removal_elements_missing(items, manifest, settings, words),
        # Last: a worker may still be splitting the reasons (see ItemWords.prefetch).
        reasons.NO_REASON: no_reason(items, words),
    }
    for code in request_defects(manifest, registry):
        masks[code] = _all(items, True)
    return masks, periods


def reason_lists(masks: dict[str, pa.Array], rows: int) -> pa.ListArray:
    """``list<string>`` per item of the codes whose mask is true, sorted."""
    codes = sorted(masks)
    if not codes:
        return pa.ListArray.from_arrays(
            pa.array(np.zeros(rows + 1, np.int32)), pa.array([], pa.string())
        )
    matrix = np.column_stack(
        [
            np.asarray(pc.fill_null(masks[c], False).to_numpy(zero_copy_only=False), dtype=bool)
            for c in codes
        ]
    )
    offsets = np.concatenate([[0], np.cumsum(matrix.sum(axis=1))]).astype(np.int32)
    which = np.nonzero(matrix.ravel())[0] % len(codes)
    values = pa.array(codes, pa.string()).take(pa.array(which))
    return pa.ListArray.from_arrays(pa.array(offsets), values)
