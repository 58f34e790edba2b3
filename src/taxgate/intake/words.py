"""A text column split into words once, for every check and screen that reads its words.

A million-item request has some thirty million reason words. ``Words.of`` hashes the column
once (the screens count repeated values from it), splits it into words once, and numbers the
words in one vocabulary; checks then decide per vocabulary word (a few hundred thousand
strings, not thirty million) and count or gather with numpy.

When values repeat (one boilerplate reason on most items, a few thousand given names), only
the distinct values are split and a row reads the words of its value; when most values are
distinct (a reason citing each item's own case), the rows are split directly.

Splitting is Arrow work that releases the GIL, so ``ItemWords.prefetch`` can hand a column to
a worker thread while the caller checks other columns (the second core); a column the caller
asks for before the worker has started on it is split by the caller instead of waited for.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate.intake.columns import clean_text_column

Clean = Callable[[pa.ChunkedArray], pa.ChunkedArray]
T = TypeVar("T")


def _array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def flags(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean mask as numpy; null counts as false."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


@dataclass(frozen=True)
class Words:
    """The words of a text column (split on single spaces, empty words dropped).

    ``values`` are the column's distinct values and ``value`` each row's index into them.
    ``code`` numbers every word into ``vocabulary``; ``owner`` says whose word it is: its
    row when ``rowwise``, else its distinct value. Words keep their order within a value.
    Indexes are 32-bit (a batch has far fewer than 2**31 words): half the memory.
    """

    values: pa.Array
    value: np.ndarray
    vocabulary: pa.Array
    code: np.ndarray
    owner: np.ndarray
    rowwise: bool

    @classmethod
    def of(cls, column: pa.ChunkedArray | pa.Array, clean: Clean | None = None) -> Words:
        """Split ``column`` (after ``clean``, applied once per distinct value) into words."""
        encoded = pc.dictionary_encode(_array(column))
        values, value = encoded.dictionary, encoded.indices.to_numpy()
        if clean is not None:
            values = _array(clean(pa.chunked_array([values], pa.string())))
        # Splitting every row costs no more than splitting the distinct values when most are
        # distinct, and spares gathering each row's words from its value's.
        rowwise = 2 * len(values) > len(value)
        if not rowwise:
            text = values
        elif clean is None:
            text = _array(column)
        else:
            text = values.take(pa.array(value))
        lists = pc.split_pattern(text, " ")
        flat = pc.list_flatten(lists)
        owner = pc.list_parent_indices(lists).cast(pa.int32()).to_numpy()
        empty = flags(pc.equal(flat, ""))
        if empty.any():
            flat, owner = flat.filter(pa.array(~empty)), owner[~empty]
        coded = pc.dictionary_encode(flat)
        code = coded.indices.to_numpy()
        return cls(values, value, coded.dictionary, code, owner, rowwise)

    @property
    def rows(self) -> int:
        return len(self.value)

    def counts(self, wanted: np.ndarray) -> np.ndarray:
        """Per row, how many of its words ``wanted`` flags (one flag per vocabulary word)."""
        chosen = self.owner[wanted[self.code]]
        if self.rowwise:
            return np.bincount(chosen, minlength=self.rows)
        per_value = np.bincount(chosen, minlength=len(self.values))
        per_row: np.ndarray = per_value[self.value]
        return per_row

    def in_rows(self, wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(code, row)`` of every word ``wanted`` flags (all when None), row by row and in
        order within a row."""
        code, owner = self.code, self.owner
        if wanted is not None:
            keep = wanted[code]
            code, owner = code[keep], owner[keep]
        if self.rowwise:
            return code, owner
        # Each row takes its value's run of words: runs start at ``start`` in ``code``.
        length = np.bincount(owner, minlength=len(self.values))
        start = np.concatenate([[0], np.cumsum(length)[:-1]])
        per_row = length[self.value]
        rows = np.repeat(np.arange(self.rows, dtype=np.int32), per_row)
        first = np.concatenate([[0], np.cumsum(per_row)[:-1]])
        position = np.arange(len(rows), dtype=np.int64) + (start[self.value] - first)[rows]
        return code[position], rows


class ItemWords:
    """The words of an item table's text columns, each column split at most once per batch
    however many checks and screens read it."""

    def __init__(self, items: pa.Table, pool: Executor | None = None) -> None:
        self.items = items
        self._pool = pool
        self._split: dict[tuple[str, bool], Words] = {}
        self._pending: dict[tuple[str, bool], Future[Words]] = {}

    def _of(self, key: tuple[str, bool]) -> Words:
        column, clean = key
        return Words.of(self.items.column(column), clean_text_column if clean else None)

    def prefetch(self, column: str, *, clean: bool = False) -> None:
        """Split ``column`` on the pool's worker (in the order asked) while the caller goes
        on; without a pool, nothing happens until the column is asked for."""
        key = (column, clean)
        if self._pool is not None and key not in self._split and key not in self._pending:
            self._pending[key] = self._pool.submit(self._of, key)

    def background(self, function: Callable[..., T], *args: object) -> Callable[[], T]:
        """``function(*args)`` on the worker after the splits asked for so far (here and now
        without a pool); call what is returned for its result."""
        if self._pool is None:
            result = function(*args)
            return lambda: result
        return self._pool.submit(function, *args).result

    def adopt(self, column: str, words: Future[Words]) -> None:
        """``column``'s words, already being split (from the cleaned column) elsewhere."""
        self._pending[(column, False)] = words

    def __call__(self, column: str, *, clean: bool = False) -> Words:
        """The words of ``column``; ``clean=True`` for a raw column (cleaned as
        ``text.clean_text`` cleans, once per distinct value)."""
        key = (column, clean)
        if key not in self._split:
            pending = self._pending.pop(key, None)
            # Waiting for a split the worker has not begun would idle this thread.
            if pending is not None and not pending.cancel():
                self._split[key] = pending.result()
            else:
                self._split[key] = self._of(key)
        return self._split[key]
