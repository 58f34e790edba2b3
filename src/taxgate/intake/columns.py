"""Apply the normalisers of :mod:`taxgate.intake.normalize` to a whole item table.

A bulk request repeats values heavily (one city, one boilerplate reason, one placeholder
address on thousands of rows), so each scalar normaliser runs once per distinct value and the
results are spread back with ``take``. Street lines, the one costly parse, go to a pool of two
processes when there are many distinct ones. Plain text cleaning runs in Arrow compute.

Normalised columns added (all non-null strings unless noted):
``norm_given_name``, ``norm_middle_name``, ``norm_surname``, ``norm_suffix``, ``norm_tin``
(9 digits or ``""``), ``norm_house_number``, ``norm_street``, ``norm_unit``, ``norm_city``,
``norm_state``, ``norm_zip``, ``address_kind`` (see :data:`addresses.STREET_KINDS`),
``address_usable`` (bool), ``norm_reason``, ``norm_investigation_id``, ``norm_officer``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Final, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from unidecode import unidecode

from taxgate.intake import addresses as ad
from taxgate.intake import normalize as nz
from taxgate.intake import text as tx
from taxgate.intake.pub28 import DIRECTIONAL, STREET_SUFFIX, UNIT_DESIGNATOR

T = TypeVar("T")

# Below this many distinct street lines one process is faster than starting a pool.
POOL_MIN_DISTINCT: Final = 150_000
WORKERS: Final = 2


def distinct_map(
    column: pa.ChunkedArray | pa.Array, function: Callable[[str], T]
) -> tuple[list[T], pa.Array]:
    """``function`` on each distinct value, and each row's index into the results."""
    encoded = pc.dictionary_encode(_combined(column))  # one hash pass gives both
    return [function(v) for v in encoded.dictionary.to_pylist()], encoded.indices


def _index_in(column: pa.ChunkedArray | pa.Array, values: pa.Array) -> pa.Array:
    # One contiguous index: take() with a chunked index returns a ChunkedArray, which
    # pa.chunked_array([...]) would then copy value by value through Python.
    index = pc.index_in(column, value_set=values)
    return index.combine_chunks() if isinstance(index, pa.ChunkedArray) else index


def _spread(results: Sequence[object], index: pa.Array, kind: pa.DataType) -> pa.ChunkedArray:
    return pa.chunked_array([pa.array(results, kind).take(index)])


def _transliterate(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """unidecode, run only on the distinct values that are not ASCII."""
    ascii_mask = pc.string_is_ascii(column)
    if pc.all(ascii_mask).as_py() is not False:
        return column
    foreign = pc.unique(pc.filter(column, pc.invert(ascii_mask)))
    mapped = pa.array([unidecode(v) for v in foreign.to_pylist()], pa.string())
    index = _index_in(column, foreign)
    return pc.if_else(ascii_mask, column, mapped.take(pc.fill_null(index, 0)))


def _ascii_table(keep: str) -> np.ndarray:
    """A byte map for ASCII text: letters, digits and ``keep`` stay, every other byte -> space."""
    table = np.full(256, ord(" "), dtype=np.uint8)
    for char in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + keep:
        table[ord(char)] = ord(char)
    return table


# clean_text's translation once the text is ASCII upper case and apostrophes, backticks,
# periods and slashes between letters are gone: anything but a letter or digit is a space.
_WORD_BYTES: Final = _ascii_table(" ")


def _combined(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _offsets(values: pa.Array) -> np.ndarray:
    kind = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=kind)
    return offsets[values.offset : values.offset + len(values) + 1]


def _data(values: pa.Array) -> np.ndarray:
    """The bytes of a string array's values, in one block."""
    data = values.buffers()[2]
    if data is None or len(values) == 0:
        return np.zeros(0, np.uint8)
    offsets = _offsets(values)
    return np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]


def _translate_bytes(values: pa.Array, table: np.ndarray) -> pa.Array:
    """Every byte of every value mapped through ``table``: one pass over the column's data
    with no per-value work. Lengths do not change, so the offsets are those of the input."""
    if values.offset:  # a slice: its validity bits start mid-byte
        values = pa.concat_arrays([values])
    offsets = _offsets(values)
    mapped = pa.py_buffer(table[_data(values)])
    kind = pa.int64() if pa.types.is_large_string(values.type) else pa.int32()
    return pa.Array.from_buffers(
        values.type,
        len(values),
        [values.buffers()[0], pa.array(offsets - offsets[0], kind).buffers()[1], mapped],
        values.null_count,
    )


def _rows_with(values: pa.Array, char: str) -> pa.Array:
    """Per value, whether it contains the ASCII character ``char`` (found in the data block,
    not value by value)."""
    offsets = _offsets(values)
    found = np.flatnonzero(_data(values) == ord(char)) + offsets[0]
    mask = np.zeros(len(values), dtype=bool)
    mask[np.searchsorted(offsets, found, side="right") - 1] = True
    return pa.array(mask)


def _squeeze_spaces(values: pa.Array) -> pa.Array:
    """Runs of spaces to one space. A literal replacement is far cheaper than a regex that
    matches every space, and each pass halves every run."""
    while True:
        squeezed = _combined(pc.replace_substring(values, "  ", " "))
        if len(_data(squeezed)) == len(_data(values)):
            return squeezed
        values = squeezed


def clean_text_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """:func:`normalize.clean_text` for a whole column, in Arrow compute.

    Only values with non-ASCII characters pass through Python (unidecode); after that every
    value is ASCII, so upper case and the punctuation that becomes a space are byte maps
    over the column's data, and only values holding a slash see a regular expression.
    """
    text = _combined(pc.ascii_upper(_transliterate(_combined(column))))
    for dropped in ("'", "`", "."):
        text = _combined(pc.replace_substring(text, dropped, ""))
    slashed = _rows_with(text, "/")
    if pc.any(slashed).as_py():
        joined = pc.filter(text, slashed)
        for _ in range(2):  # RE2 has no look-behind; two passes join "N/A/B"
            joined = pc.replace_substring_regex(joined, r"([A-Z])/([A-Z])", r"\1\2")
        text = _combined(pc.replace_with_mask(text, slashed, joined))
    words = _squeeze_spaces(_translate_bytes(text, _WORD_BYTES))
    return pa.chunked_array([pc.utf8_trim(words, " ")])


STREET_FIELDS: Final = ("house_number", "street", "unit", "kind", "city", "state", "zip")
# Raw street values made only of these characters are cleaned in Arrow exactly as
# clean_address_text would clean them; anything else takes the scalar path.
_PLAIN: Final = r"^[A-Za-z0-9 .,#']*$"


def _street_lines(values: list[str]) -> list[tuple[str, ...]]:
    return [tuple(ad.parse_street.__wrapped__(value)) for value in values]


def _parse_streets(values: list[str]) -> list[tuple[str, ...]]:
    # fork, not spawn/forkserver: those re-run the caller's __main__ in each worker, which
    # breaks any script without a main guard. The children only run pure-Python parsing.
    if len(values) < POOL_MIN_DISTINCT or "fork" not in multiprocessing.get_all_start_methods():
        return _street_lines(values)
    half = (len(values) + 1) // 2
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
        parts = pool.map(_street_lines, [values[:half], values[half:]])
        return [line for part in parts for line in part]


def _lookup(column: pa.Array, table: dict[str, str]) -> pa.Array:
    """Map through ``table``; values not in it (and nulls) become ``""``."""
    keys = pa.array(list(table), pa.string())
    index = pc.index_in(column, value_set=keys)
    return pc.fill_null(pa.array(list(table.values()), pa.string()).take(index), "")


def _split_house_number(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Each value's text before its first space, and after it (``""`` when it has none)."""
    # A space put at the end gives every value a first space; text is trimmed, so that
    # space is the value's first only when it has none, and it is cut off the rest again.
    halves = pc.split_pattern(pc.binary_join_element_wise(text, "", " "), " ", max_splits=1)
    rest = pc.utf8_slice_codeunits(pc.list_element(halves, 1), 0, -1)
    return pc.list_element(halves, 0), rest


def _fast_streets(values: pa.Array) -> tuple[pa.Array, dict[str, pa.Array]]:
    """The well-formed shape, parsed by RE2 over the whole column: which values it took,
    and their fields. Must agree with :func:`normalize.parse_street` (tested).

    The house number is matched on its own and the rest of the line once per distinct rest:
    a million street lines have some thirty thousand rests ("N MAIN ST")."""
    ascii_values = _transliterate(values)
    text = pc.utf8_upper(ascii_values)
    for old, new in (("'", ""), (".", ""), (",", " "), ("#", " # ")):
        text = pc.replace_substring(text, old, new)
    number, after = _split_house_number(pc.utf8_trim_whitespace(_squeeze_spaces(_combined(text))))
    rests = pc.dictionary_encode(_combined(after))
    parts = pc.extract_regex(rests.dictionary, "^" + ad.AFTER_NUMBER_PATTERN)
    field = {name: parts.field(name) for name in ("predir", "name", "type", "postdir")}
    designator, unit = parts.field("designator"), parts.field("unit")
    # RE2 gives "" for a group that took no part; a designator without identifier ("REAR")
    # or an identifier that is itself a designator word is left to the scalar path.
    no_unit = pc.and_(pc.equal(designator, ""), pc.equal(unit, ""))
    plain_unit = pc.and_(
        pc.not_equal(unit, ""),
        pc.invert(pc.is_in(unit, value_set=pa.array(list(UNIT_DESIGNATOR)))),
    )
    matched = pc.and_(pc.is_valid(parts), pc.or_(no_unit, plain_unit)).fill_null(False)
    pre = _lookup(field["predir"], DIRECTIONAL)
    suffix = _lookup(field["type"], STREET_SUFFIX)
    post = _lookup(field["postdir"], DIRECTIONAL)
    street = pc.binary_join_element_wise(pre, pc.fill_null(field["name"], ""), suffix, post, " ")
    street = pc.utf8_trim_whitespace(_squeeze_spaces(_combined(street)))
    results, index = distinct_map(street, ad.street_kind)
    kind = pa.array(results, pa.string()).take(index)
    is_street = pc.equal(kind, "street")
    per_rest = {
        "matched": matched,
        "is_street": is_street,
        "street": pc.if_else(is_street, street, ""),
        "unit": pc.if_else(is_street, pc.fill_null(unit, ""), ""),
        "kind": kind,
    }
    rest = {name: column.take(rests.indices) for name, column in per_rest.items()}
    shaped = pc.and_(
        pc.match_substring_regex(number, f"^(?:{ad.HOUSE_NUMBER_PATTERN})$"),
        pc.match_substring_regex(number, "[1-9]"),
    )
    taken = pc.and_(
        pc.and_(pc.match_substring_regex(ascii_values, _PLAIN), shaped), rest["matched"]
    )
    empty = pc.fill_null(pc.cast(pa.nulls(len(values)), pa.string()), "")
    out = {
        "house_number": pc.if_else(rest["is_street"], number, ""),
        "street": rest["street"],
        "unit": rest["unit"],
        "kind": rest["kind"],
        "city": empty,
        "state": empty,
        "zip": empty,
    }
    return taken, out


def parse_street_column(values: pa.Array) -> dict[str, pa.Array]:
    """:func:`normalize.parse_street` over distinct street values: RE2 for the common shape,
    the scalar parser (two processes when many) for the rest."""
    taken, fast = _fast_streets(values)
    rest_index = pc.indices_nonzero(pc.invert(taken))
    rest = _parse_streets(values.take(rest_index).to_pylist())
    out = {}
    for i, name in enumerate(STREET_FIELDS):
        slow = pa.array([line[i] for line in rest], pa.string())
        placed = (
            pc.replace_with_mask(fast[name], pc.invert(taken), slow) if len(rest) else fast[name]
        )
        out[name] = placed
    return out


def normalize_addresses(items: pa.Table) -> dict[str, pa.ChunkedArray]:
    encoded = pc.dictionary_encode(_combined(items.column("street")))
    values, index = encoded.dictionary, encoded.indices
    parsed = {
        name: pa.chunked_array([column.take(index)])
        for name, column in parse_street_column(values).items()
    }

    def given_or_parsed(column: str, function: Callable[[str], str]) -> pa.ChunkedArray:
        results, idx = distinct_map(items.column(column), function)
        given = _spread(results, idx, pa.string())
        return pc.if_else(pc.not_equal(given, ""), given, parsed[column])

    out = {
        "norm_house_number": parsed["house_number"],
        "norm_street": parsed["street"],
        "norm_unit": given_or_parsed("unit", ad.normalize_unit),
        "norm_city": given_or_parsed("city", ad.normalize_city),
        "norm_state": given_or_parsed("state", ad.normalize_state),
        "norm_zip": given_or_parsed("zip", ad.normalize_zip),
        "address_kind": parsed["kind"],
    }
    locality = pc.or_(
        pc.and_(pc.not_equal(out["norm_city"], ""), pc.not_equal(out["norm_state"], "")),
        pc.not_equal(out["norm_zip"], ""),
    )
    usable_kind = pc.is_in(out["address_kind"], value_set=pa.array(sorted(ad.USABLE_KINDS)))
    out["address_usable"] = pc.and_(usable_kind, locality)
    return out


def normalize_names(items: pa.Table) -> dict[str, pa.ChunkedArray]:
    columns: dict[str, pa.ChunkedArray] = {}
    suffixes: list[pa.ChunkedArray] = []
    for source, function in (
        ("given_name", nz.split_given_name),
        ("middle_name", nz.split_name_field),
        ("surname", nz.normalize_surname),
    ):
        results, index = distinct_map(items.column(source), function)
        columns["norm_" + source] = _spread([r[0] for r in results], index, pa.string())
        suffixes.append(_spread([r[1] for r in results], index, pa.string()))
    given, surname = columns["norm_given_name"], columns["norm_surname"]
    filler = pa.array(sorted(tx.PLACEHOLDER_WORDS))
    doe = pc.or_(
        pc.and_(
            pc.equal(surname, "DOE"), pc.is_in(given, value_set=pa.array(sorted(nz.DOE_GIVEN)))
        ),
        pc.and_(pc.is_in(given, value_set=filler), pc.is_in(surname, value_set=filler)),
    )
    columns["norm_given_name"] = pc.if_else(doe, "", given)
    columns["norm_surname"] = pc.if_else(doe, "", surname)
    suffix = suffixes[0]
    for other in suffixes[1:]:
        suffix = pc.if_else(pc.not_equal(suffix, ""), suffix, other)
    columns["norm_suffix"] = suffix
    return columns


_RANKS: Final = frozenset(
    {"SA", "SSA", "DO", "SDDO", "AGENT", "SPECIAL", "SUPERVISORY", "DEPORTATION", "OFFICER"}
    | {"DETECTIVE", "INSPECTOR", "ASSISTANT", "DIRECTOR", "DEPUTY", "ACTING", "FIELD"}
    | {"OFFICE", "SENIOR", "MR", "MS", "MRS", "DR"}
)


def normalize_officer(value: str) -> str:
    """An officer's name as a key: ranks dropped, words sorted ("Smith, John" = "John Smith")."""
    words = [w for w in tx.clean_text(value).split() if w not in _RANKS]
    return " ".join(sorted(words))


def officer_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """:func:`normalize_officer` for a whole column, in Arrow compute: a badge number makes
    most officer cells distinct, too many to normalise one by one in Python."""
    encoded = pc.dictionary_encode(_combined(column))
    lists = pc.split_pattern(_combined(clean_text_column(encoded.dictionary)), " ")
    words = pa.table({"owner": pc.list_parent_indices(lists), "word": pc.list_flatten(lists)})
    ranks = pa.array(sorted(_RANKS))
    words = words.filter(
        pc.and_(
            pc.not_equal(words["word"], ""), pc.invert(pc.is_in(words["word"], value_set=ranks))
        )
    )
    words = words.sort_by([("owner", "ascending"), ("word", "ascending")])
    counts = np.bincount(words["owner"].to_numpy(), minlength=len(encoded.dictionary))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    keys = pc.binary_join(pa.ListArray.from_arrays(offsets, _combined(words["word"])), " ")
    return pa.chunked_array([keys.take(encoded.indices)])


def normalize_items(items: pa.Table, reasons: Future[pa.ChunkedArray] | None = None) -> pa.Table:
    """``items`` with the normalised columns appended.

    ``reasons``: the reason column being cleaned on another thread (most of a batch's text;
    Arrow's kernels release the GIL), taken when the other columns are done."""
    columns = normalize_names(items)
    digits = pc.replace_substring_regex(items.column("tin"), r"[^0-9]", "")
    columns["norm_tin"] = pc.if_else(pc.equal(pc.utf8_length(digits), 9), digits, "")
    columns.update(normalize_addresses(items))
    investigation = clean_text_column(items.column("investigation_id"))
    officer = officer_column(items.column("officer"))
    reason = reasons.result() if reasons is not None else clean_text_column(items.column("reason"))
    columns["norm_reason"] = reason
    columns["norm_investigation_id"] = investigation
    columns["norm_officer"] = officer
    table = items
    for name, column in columns.items():
        table = table.append_column(name, column)
    return table
