"""Reason templates: what a reason still says once the item's own particulars are taken out.

A requester can dress one boilerplate reason per item (append the subject's name and a case
number, insert a date, rotate a short suffix) so that no two reason texts are equal and an
exact-text count sees nothing. ``request.not-specific`` is about what the reason says, so each
cleaned reason is reduced to its *template*: its words minus

- the item's own particulars: every word of its given, middle and surname, street name, city,
  investigation id, removal order case and officer;
- words with a digit (ids, case numbers, dates, amounts), single letters and month names.

The batch is then measured in word triples ("shingles") of the templates: a triple is
*common* when the templates of more than a share of the batch's items (and of at least
``min_items``) contain it. A template is boilerplate when at least ``template_coverage`` of its
distinct triples are common. The exact template repeated (every triple common), a rotating
suffix, an inserted date or word (a few rare triples among common ones) are all caught; a
genuinely individual reason shares at most a short phrase ("subject of investigation for")
with the others, so most of its triples are rare. A template of one or two words is one
triple padded at the end.

Work is over distinct templates, weighted by how many items carry each, so a batch of one
dressed boilerplate costs one template, and everything runs in Arrow and numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate.intake.words import ItemWords, Words, flags

# The item's own particulars. The surname is cleaned from the raw column like the reason (its
# normalised form joins particles: "DELACRUZ"), and so is the removal order case; the other
# normalised columns are already the reason's clean ASCII words. The investigation id is
# handled on its own because citing it is also measured.
RAW_PARTICULARS: Final = ("surname", "removal_order_case")
NORMALISED_PARTICULARS: Final = (
    "norm_given_name",
    "norm_middle_name",
    "norm_street",
    "norm_city",
    "norm_officer",
)
# Dates written in words: the month is a particular of the item, like the digits around it.
MONTHS: Final = frozenset(
    """JANUARY FEBRUARY MARCH APRIL MAY JUNE JULY AUGUST SEPTEMBER OCTOBER NOVEMBER DECEMBER
    JAN FEB MAR APR JUN JUL AUG SEP SEPT OCT NOV DEC""".split()  # noqa: SIM905
)
PAD: Final = -1  # fills the triple of a template shorter than three words


@dataclass(frozen=True)
class ReasonTemplates:
    """Per item: its template (an index into ``texts``, the batch's distinct templates),
    whether its reason cites its own investigation id, and the share of its template's
    triples that are common at the low and at the high share."""

    texts: pa.Array
    template: np.ndarray
    cites_investigation: np.ndarray
    coverage_low: np.ndarray
    coverage_high: np.ndarray

    @property
    def text(self) -> pa.Array:
        """Each item's template text."""
        return self.texts.take(pa.array(self.template))


def _codes(words: pa.Array, vocabulary: pa.Array) -> np.ndarray:
    """Each word's index in ``vocabulary``, -1 where absent."""
    return np.asarray(
        pc.fill_null(pc.index_in(words, value_set=vocabulary), -1).to_numpy(), dtype=np.int64
    )


def _member(values: pa.Array, value_set: pa.Array) -> np.ndarray:
    return flags(pc.is_in(values, value_set=value_set))


def _key_member(keys: np.ndarray, value_set: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is in ``value_set`` (64-bit keys): a sort and a binary search
    cost half of hashing millions of keys."""
    if len(value_set) == 0:
        return np.zeros(len(keys), dtype=bool)
    ordered = np.sort(value_set)
    at = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
    found: np.ndarray = ordered[at] == keys
    return found


def _keys(row: np.ndarray, code: np.ndarray, size: int) -> np.ndarray:
    """Item-scoped word keys, ``row * size + code``, in 64 bits (rows and codes are 32)."""
    keys: np.ndarray = row.astype(np.int64) * size + code
    return keys


def _flags(codes: np.ndarray, size: int) -> np.ndarray:
    """A lookup table over the vocabulary: True at each of ``codes``."""
    table = np.zeros(size, dtype=bool)
    table[codes] = True
    return table


def _own_keys(
    items: pa.Table, words: ItemWords, vocabulary: pa.Array, template_word: np.ndarray
) -> np.ndarray:
    """``row * len(vocabulary) + code`` of every template word that is also one of that
    row's own particulars: its names, street, city, officer, removal case or investigation."""
    size = max(len(vocabulary), 1)
    # Only words a template can hold matter; the vocabulary of those is small (no digits).
    kept = np.flatnonzero(template_word)
    kept_words = vocabulary.take(pa.array(kept))
    columns = [(name, True) for name in RAW_PARTICULARS]
    columns += [(name, False) for name in (*NORMALISED_PARTICULARS, "norm_investigation_id")]
    keys = []
    for name, raw in columns:
        split = words(name, clean=raw)
        at = _codes(split.vocabulary, kept_words)
        code, row = split.in_rows(at >= 0)
        keys.append(_keys(row, kept[at[code]], size))
    return np.concatenate(keys)


def _cited_whole(items: pa.Table) -> np.ndarray:
    """Per item: does its reason hold its whole investigation id as a run of words? Both are
    cleaned text (words between single spaces), so a padded substring is a run of words."""
    columns = items.select(["norm_reason", "norm_investigation_id"])
    with duckdb.connect() as con:
        con.register("items", columns)
        found = con.sql(
            "SELECT norm_investigation_id <> '' AND contains(' ' || norm_reason || ' ', "
            "' ' || norm_investigation_id || ' ') AS cited FROM items"
        ).to_arrow_table()
    return flags(found.column("cited"))


def _citations(items: pa.Table, case: Words, reason: Words) -> np.ndarray:
    """Per item: does its reason contain every word of its own investigation id?

    A reason that cites its case mostly cites it whole: one scan settles those rows, and
    only the others are matched word by word."""
    whole = _cited_whole(items)
    vocabulary, rows = reason.vocabulary, reason.rows
    size = max(len(vocabulary), 1)
    code, row = case.in_rows()
    rest = ~whole[row]
    code, row = code[rest], row[rest]
    needed, where = np.unique(code, return_inverse=True)
    code = _codes(case.vocabulary.take(pa.array(needed)), vocabulary)[where]
    found = code >= 0
    # The reason words that are some such item's case word, as row-scoped keys.
    reason_code, reason_row = reason.in_rows(_flags(code[found], size))
    other = ~whole[reason_row]
    cited = np.zeros(len(code), dtype=bool)
    cited[found] = _key_member(
        _keys(row[found], code[found], size), _keys(reason_row[other], reason_code[other], size)
    )
    cites: np.ndarray = whole | (
        (np.bincount(row, minlength=rows) > 0) & (np.bincount(row[~cited], minlength=rows) == 0)
    )
    return cites


def reason_templates(
    items: pa.Table,
    shares: tuple[float, float],
    min_items: int,
    words: ItemWords | None = None,
) -> ReasonTemplates:
    """Each item's reason template, and how much of it is common at each of ``shares``.

    ``words`` shares the split columns with the other screens and checks of the batch."""
    words = words or ItemWords(items)
    rows = items.num_rows
    reason = words("norm_reason")
    # Citations read no template: they are worked out on the worker meanwhile, if any.
    cites = words.background(_citations, items, words("norm_investigation_id"), reason)
    vocabulary = reason.vocabulary
    size = max(len(vocabulary), 1)
    generic = _member(vocabulary, pa.array(sorted(MONTHS))) | flags(
        pc.or_(
            pc.match_substring_regex(vocabulary, "[0-9]"),
            pc.less(pc.utf8_length(vocabulary), 2),
        )
    )
    code, parents = reason.in_rows(~generic)
    # Item-scoped word keys (row * vocabulary + word): one hash lookup finds, for every
    # reason word, whether that same item's particulars contain it; only words that are
    # someone's particular need the lookup.
    own_keys = _own_keys(items, words, vocabulary, ~generic)
    maybe_own = _flags(own_keys % size, size)[code]
    particular = np.zeros(len(code), dtype=bool)
    particular[maybe_own] = _key_member(_keys(parents[maybe_own], code[maybe_own], size), own_keys)
    kept_code, kept_parents = code[~particular], parents[~particular]
    texts, template = _distinct_templates(vocabulary, kept_code, kept_parents, rows)
    low, high = _coverage(template, kept_code.astype(np.int64), kept_parents, shares, min_items)
    return ReasonTemplates(
        texts=texts,
        template=template,
        cites_investigation=cites(),
        coverage_low=low,
        coverage_high=high,
    )


def _distinct_templates(
    vocabulary: pa.Array, code: np.ndarray, row: np.ndarray, rows: int
) -> tuple[pa.Array, np.ndarray]:
    """The distinct templates' texts and each row's template among them (numbered by first
    appearance). A million reasons reduce to a handful of templates, so rows are grouped by
    their word codes, each row's codes read as one binary value, and only the distinct
    templates are spelled out."""
    offsets = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=rows))]).astype(np.int32)
    codes = np.ascontiguousarray(code, dtype=np.int32)
    as_bytes = pa.Array.from_buffers(
        pa.binary(), rows, [None, pa.py_buffer(offsets * 4), pa.py_buffer(codes)]
    )
    grouped = pc.dictionary_encode(as_bytes)
    template = grouped.indices.to_numpy().astype(np.int64)
    first = np.unique(template, return_index=True)[1]
    starts, ends = offsets[first], offsets[first + 1]
    lengths = (ends - starts).astype(np.int32)
    pieces = [codes[a:b] for a, b in zip(starts, ends, strict=True)]
    spelled = np.concatenate(pieces) if pieces else np.zeros(0, np.int32)
    texts = pc.binary_join(
        pa.ListArray.from_arrays(
            pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)),
            vocabulary.take(pa.array(spelled.astype(np.int64))),
        ),
        " ",
    )
    return texts, template


def _ahead(word: np.ndarray, template: np.ndarray, step: int) -> np.ndarray:
    """The word ``step`` places on in the same template, ``PAD`` past its end."""
    out = np.full(len(word), PAD, dtype=np.int64)
    same = template[step:] == template[:-step] if len(word) > step else np.zeros(0, bool)
    out[: len(same)][same] = word[step:][same]
    return out


def _encode(values: np.ndarray) -> np.ndarray:
    """Each value's number among the distinct values (by first appearance)."""
    encoded = pc.dictionary_encode(pa.array(values)).indices
    return np.asarray(encoded.to_numpy(), dtype=np.int64)


def _coverage(
    index: np.ndarray,
    code: np.ndarray,
    parents: np.ndarray,
    shares: tuple[float, float],
    min_items: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per item, the share of its template's distinct triples carried by the templates of more
    than ``share`` of the items and of at least ``min_items``, for each of ``shares``
    (``index``: each item's template)."""
    rows = len(index)
    carriers = np.bincount(index)
    first = np.zeros(rows, dtype=bool)
    first[np.unique(index, return_index=True)[1]] = True
    # One item stands for each distinct template; its words, in order.
    chosen = first[parents]
    word, template = code[chosen], index[parents[chosen]]
    if len(word) == 0:
        return np.zeros(rows), np.zeros(rows)
    length = np.bincount(template, minlength=len(carriers))
    second, third = _ahead(word, template, 1), _ahead(word, template, 2)
    start = np.r_[True, template[1:] != template[:-1]]
    valid = (third != PAD) | (start & (length[template] < 3))
    # Each triple as one integer: the pair (a, b) numbered among the pairs present, then c;
    # then each (template, triple) as one integer. Every factor is below 2**31, so products
    # fit, and hash-encoding integers replaces grouping and joining rows of four columns: on
    # 1.28 million distinct reasons (15 million words) this step went from 13.9 s to 10.8 s,
    # and the whole intake's peak from 4.8 to 4.3 GB.
    base = int(word.max()) + 2  # codes and PAD (-1) shifted to 0..base-1
    pair = _encode((word[valid] + 1) * base + second[valid] + 1)
    triple = _encode(pair * base + third[valid] + 1)
    del pair, second, third
    kinds = int(triple.max()) + 1
    # Distinct (template, triple): a phrase repeated inside one reason counts once.
    distinct = pc.unique(pa.array(template[valid] * kinds + triple)).to_numpy()
    owner, triple = distinct // kinds, distinct % kinds
    # How many items carry each triple: the carriers of every template that has it.
    carried = np.bincount(triple, weights=carriers[owner], minlength=kinds)[triple]
    triples = np.bincount(owner, minlength=len(carriers))
    out = []
    for share in shares:
        common = (carried > share * rows) & (carried >= min_items)
        hits = np.bincount(owner, weights=common, minlength=len(carriers))
        per_template = np.divide(hits, triples, out=np.zeros(len(carriers)), where=triples > 0)
        out.append(per_template[index])
    return out[0], out[1]
