"""Ledger entries: what each leaf of the log records, as canonical JSON.

Canonical JSON is UTF-8 with sorted keys, no insignificant whitespace and no floats (a match
probability is an integer number of basis points), so the same entry always has the same
bytes and therefore the same leaf hash. Empty fields are left out.

An entry never holds a taxpayer's TIN or address: ``subject`` is a keyed hash of the TIN
(``LedgerKeys.subject``), which finds a taxpayer's disclosures without putting FTI in the log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from json.encoder import encode_basestring
from typing import Any, Literal, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate.errors import EntryError

EntryKind = Literal[
    "decision", "verdict", "release", "order", "notice", "acknowledgement", "inspection", "budget"
]
ENTRY_KINDS: tuple[EntryKind, ...] = (
    "decision",
    "verdict",
    "release",
    "order",
    "notice",
    "acknowledgement",
    "inspection",  # an officer was shown return information (IRS Pub 1075 audit record)
    "budget",  # a public report spent privacy budget of its period (reports.public)
)
_KINDS = frozenset(ENTRY_KINDS)
FORMAT_VERSION = 1
Detail = str | int | bool | None | Sequence["Detail"] | Mapping[str, "Detail"]

_TEXT_FIELDS = (
    "item",
    "outcome",
    "policy_hash",
    "actor",
    "subject",
    "recipient",
    "purpose",
    "basis",
    "digest",
)

# Nine digits alone, or dashed: the shape of a TIN, which must never be written to the log.
_TIN_SHAPE = re.compile(r"\d{3}-?\d{2}-?\d{4}")


# The C string escaper that json.dumps(..., ensure_ascii=False) itself uses.
_quote: Callable[[str], str] = encode_basestring


# Not frozen: a frozen dataclass's __init__ costs more than encoding the entry, and a batch
# creates a million of them. Treat entries as values all the same.
@dataclass(slots=True)
class Entry:
    """One event worth an accounting entry.

    ``(batch, kind, item)`` identifies it: the ledger records each at most once, which is what
    makes re-running an interrupted batch safe. ``item`` is empty for batch-level events such
    as a release file. For a disclosure (``outcome == "release"``) fill ``recipient``,
    ``purpose``, ``basis``, ``fields`` and ``digest`` (SHA-256 hex of what was sent).
    """

    kind: EntryKind
    batch: str
    item: str = ""
    outcome: str = ""
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    policy_hash: str = ""
    as_of: date | None = None
    actor: str = ""
    subject: str = ""
    match_bp: int | None = None
    recipient: str = ""
    purpose: str = ""
    basis: str = ""
    fields: tuple[str, ...] = ()
    digest: str = ""
    details: Mapping[str, Detail] = field(default_factory=dict)

    def to_json(self, recorded: str) -> dict[str, Any]:
        """The entry as a JSON object, stamped with the time it was recorded."""
        if self.kind not in ENTRY_KINDS:
            raise EntryError(f"unknown entry kind {self.kind!r}; use one of {ENTRY_KINDS}")
        doc: dict[str, Any] = {"v": FORMAT_VERSION, "kind": self.kind, "batch": self.batch}
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value:
                doc[name] = value
        for name in ("reasons", "rules", "fields"):
            value = getattr(self, name)
            if value:
                doc[name] = list(value)
        if self.as_of is not None:
            doc["as_of"] = self.as_of.isoformat()
        if self.match_bp is not None:
            doc["match_bp"] = int(self.match_bp)
        if self.details:
            _check_detail(self.details)
            doc["details"] = self.details
        doc["recorded"] = recorded
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Entry:
        return cls(
            kind=cast(EntryKind, doc["kind"]),
            batch=doc["batch"],
            item=doc.get("item", ""),
            outcome=doc.get("outcome", ""),
            reasons=tuple(doc.get("reasons", ())),
            rules=tuple(doc.get("rules", ())),
            policy_hash=doc.get("policy_hash", ""),
            as_of=date.fromisoformat(doc["as_of"]) if "as_of" in doc else None,
            actor=doc.get("actor", ""),
            subject=doc.get("subject", ""),
            match_bp=doc.get("match_bp"),
            recipient=doc.get("recipient", ""),
            purpose=doc.get("purpose", ""),
            basis=doc.get("basis", ""),
            fields=tuple(doc.get("fields", ())),
            digest=doc.get("digest", ""),
            details=doc.get("details", {}),
        )


def _check_detail(value: Detail) -> None:
    if isinstance(value, float):
        raise EntryError(f"float {value!r} in entry details: record exact values as int or text")
    if isinstance(value, str):
        if _TIN_SHAPE.fullmatch(value):
            raise EntryError("a TIN-shaped value in entry details: record the subject key instead")
    elif isinstance(value, Mapping):
        for inner in value.values():
            _check_detail(inner)
    elif isinstance(value, Sequence):
        for inner in value:
            _check_detail(inner)


def canonical(doc: Mapping[str, Any]) -> bytes:
    """Canonical JSON bytes: sorted keys, compact, UTF-8; one line (JSON escapes newlines)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


_TEXTS_CACHE: dict[tuple[str, ...], str] = {}


def _texts(values: tuple[str, ...]) -> str:
    """A JSON array of strings; a batch repeats the same few (rules, reasons, fields)."""
    if not isinstance(values, tuple):
        values = tuple(values)
    text = _TEXTS_CACHE.get(values)
    if text is None:
        text = "[" + ",".join(map(_quote, values)) + "]"
        if len(_TEXTS_CACHE) > 4096:
            _TEXTS_CACHE.clear()
        _TEXTS_CACHE[values] = text
    return text


def encode(entry: Entry, recorded: str) -> bytes:
    """The leaf bytes of ``entry``: its canonical JSON, UTF-8."""
    return entry_text(entry, recorded).encode()


def entry_text(entry: Entry, recorded: str) -> str:
    """The canonical JSON of ``entry``: exactly ``canonical(entry.to_json(recorded))``.

    Built field by field in sorted key order because appending a million entries otherwise
    spends most of its time in the general JSON encoder; a property test holds the two equal.
    """
    e = entry
    if e.kind not in _KINDS:
        raise EntryError(f"unknown entry kind {e.kind!r}; use one of {ENTRY_KINDS}")
    parts = []
    if e.actor:
        parts.append('"actor":' + _quote(e.actor))
    if e.as_of is not None:
        parts.append('"as_of":"' + e.as_of.isoformat() + '"')
    if e.basis:
        parts.append('"basis":' + _quote(e.basis))
    parts.append('"batch":' + _quote(e.batch))
    if e.details:
        _check_detail(e.details)
        parts.append('"details":' + canonical(e.details).decode())
    if e.digest:
        parts.append('"digest":' + _quote(e.digest))
    if e.fields:
        parts.append('"fields":' + _texts(e.fields))
    if e.item:
        parts.append('"item":' + _quote(e.item))
    parts.append('"kind":' + _quote(e.kind))
    if e.match_bp is not None:
        parts.append('"match_bp":' + str(int(e.match_bp)))
    if e.outcome:
        parts.append('"outcome":' + _quote(e.outcome))
    if e.policy_hash:
        parts.append('"policy_hash":' + _quote(e.policy_hash))
    if e.purpose:
        parts.append('"purpose":' + _quote(e.purpose))
    if e.reasons:
        parts.append('"reasons":' + _texts(e.reasons))
    if e.recipient:
        parts.append('"recipient":' + _quote(e.recipient))
    parts.append('"recorded":' + _quote(recorded))
    if e.rules:
        parts.append('"rules":' + _texts(e.rules))
    if e.subject:
        parts.append('"subject":' + _quote(e.subject))
    parts.append(f'"v":{FORMAT_VERSION}')
    return "{" + ",".join(parts) + "}"


# --- many entries at once --------------------------------------------------------------

# The fields an EntryColumns table may vary row by row; the rest are its template's.
COLUMN_FIELDS = frozenset(
    {"item", "outcome", "reasons", "rules", "subject", "match_bp"}
    | {"recipient", "purpose", "basis", "fields", "digest", "policy_hash", "actor"}
)
_LISTS = ("reasons", "rules", "fields")
_ALWAYS = ("batch", "kind", "recorded")  # written even when empty, as entry_text does
# Every key of an entry, in canonical (sorted) order.
_KEYS = sorted({*_TEXT_FIELDS, *_LISTS, *_ALWAYS, "as_of", "match_bp", "v"})
# What json.dumps(..., ensure_ascii=False) writes as an escape: quote, backslash, controls.
_JSON_ESCAPED = r'["\\\x00-\x1f]'


@dataclass(frozen=True)
class EntryColumns:
    """Many entries that differ only in some fields, as Arrow columns: a batch's decisions.

    ``table`` has one row per entry and a column for each field that varies (text fields as
    strings, ``reasons``/``rules``/``fields`` as list<string>, ``match_bp`` as int64); every
    other field is the template ``same``'s. An empty text or list, or a null, leaves the field
    out, as it does for one ``Entry``; ``entry_texts`` gives each row's canonical JSON, the
    same bytes ``entry_text`` gives the equal ``Entry``.
    """

    same: Entry
    table: pa.Table

    def __post_init__(self) -> None:
        if self.same.kind not in _KINDS:
            raise EntryError(f"unknown entry kind {self.same.kind!r}; use one of {ENTRY_KINDS}")
        unknown = sorted(set(self.table.column_names) - COLUMN_FIELDS)
        if unknown or self.same.details:
            raise EntryError(
                f"entries as columns carry no {', '.join(unknown) or 'details'}; "
                "append such entries one by one"
            )

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def values(self, column: str) -> pa.Array:
        """A text field per row ("" where the entry leaves it out)."""
        if column in self.table.column_names:
            return pc.fill_null(_array(self.table.column(column)), "")
        value = getattr(self.same, column)
        return pa.array([value] * len(self), pa.string())

    def slice(self, start: int, length: int) -> EntryColumns:
        return EntryColumns(self.same, self.table.slice(start, length))

    def filter(self, mask: pa.Array) -> EntryColumns:
        return EntryColumns(self.same, self.table.filter(mask))


def _array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _omitted() -> pa.Scalar:
    return pa.scalar(None, pa.string())


def _escape_rows(name: str, values: pa.Array, text: pa.Array, rows: pa.Array) -> pa.Array:
    """``text`` with the JSON of the rows flagged in ``rows`` written by Python's encoder:
    the few values holding a quote, a backslash or a control character."""
    if not pc.any(rows).as_py():
        return text
    fixed = [
        f'"{name}":' + (_texts(tuple(value)) if isinstance(value, list) else _quote(value))
        for value in values.filter(rows).to_pylist()
    ]
    return pc.replace_with_mask(text, rows, pa.array(fixed, pa.string()))


def _text_part(name: str, values: pa.Array) -> pa.Array:
    text = pc.binary_join_element_wise(f'"{name}":"', values, '"', "")
    escaped = pc.fill_null(pc.match_substring_regex(values, _JSON_ESCAPED), False)
    text = _escape_rows(name, values, text, escaped)
    if name in _ALWAYS:
        return text
    return pc.if_else(pc.not_equal(values, ""), text, _omitted())


def _list_part(name: str, values: pa.Array) -> pa.Array:
    text = pc.binary_join_element_wise(f'"{name}":["', pc.binary_join(values, '","'), '"]', "")
    flat = pc.list_flatten(values)
    escaped = pc.fill_null(pc.match_substring_regex(flat, _JSON_ESCAPED), False)
    if pc.any(escaped).as_py():
        rows = np.zeros(len(values), dtype=bool)
        parents = pc.list_parent_indices(values).to_numpy()
        rows[parents[np.asarray(escaped.to_numpy(zero_copy_only=False), dtype=bool)]] = True
        text = _escape_rows(name, values, text, pa.array(rows))
    return pc.if_else(pc.greater(pc.list_value_length(values), 0), text, _omitted())


def _part(name: str, values: pa.Array) -> pa.Array:
    """One key of every row's JSON: ``"name":value``, null where the entry leaves it out."""
    if name in _LISTS:
        return _list_part(name, values)
    if name == "match_bp":
        return pc.binary_join_element_wise('"match_bp":', pc.cast(values, pa.string()), "")
    return _text_part(name, values)


def _constant(name: str, value: Any) -> pa.Scalar:
    """The template's ``"name":value``, through the same encoder as a column of it."""
    if name in _LISTS:
        single = pa.array([list(value)], pa.list_(pa.string()))
    elif name == "match_bp":
        single = pa.array([value], pa.int64())
    else:
        single = pa.array([value], pa.string())
    return _part(name, single)[0]


def entry_texts(entries: EntryColumns, recorded: str) -> pa.Array:
    """Each row's canonical JSON: exactly ``entry_text`` of the equal ``Entry``, built a column
    at a time (a property test holds the two equal)."""
    same, table = entries.same, entries.table
    parts: list[pa.Array | pa.Scalar] = []
    for name in _KEYS:
        if name in table.column_names:
            parts.append(_part(name, _array(table.column(name))))
        elif name == "as_of":
            if same.as_of is not None:
                parts.append(pa.scalar(f'"as_of":"{same.as_of.isoformat()}"'))
        elif name == "v":
            parts.append(pa.scalar(f'"v":{FORMAT_VERSION}'))
        else:
            value = recorded if name == "recorded" else getattr(same, name)
            constant = _constant(name, value)
            if constant.is_valid:
                parts.append(constant)
    if not len(entries):
        return pa.array([], pa.string())
    joined = pc.binary_join_element_wise(*parts, ",", null_handling="skip")
    return _array(pc.binary_join_element_wise("{", joined, "}", ""))


def decode(body: bytes | str) -> dict[str, Any]:
    doc = json.loads(body)
    if not isinstance(doc, dict):
        raise EntryError("an entry is a JSON object")
    return doc


@dataclass(frozen=True)
class Disclosure:
    """One line of the §6103(p)(3) / Privacy Act accounting for a taxpayer."""

    index: int
    recorded: str
    recipient: str
    purpose: str
    basis: str
    fields: tuple[str, ...]
    batch: str
    item: str
    kind: str
    digest: str

    @property
    def date(self) -> str:
        return self.recorded[:10]

    @classmethod
    def from_doc(cls, index: int, doc: Mapping[str, Any]) -> Disclosure:
        return cls(
            index=index,
            recorded=doc["recorded"],
            recipient=doc.get("recipient", ""),
            purpose=doc.get("purpose", ""),
            basis=doc.get("basis", ""),
            fields=tuple(doc.get("fields", ())),
            batch=doc["batch"],
            item=doc.get("item", ""),
            kind=doc["kind"],
            digest=doc.get("digest", ""),
        )
