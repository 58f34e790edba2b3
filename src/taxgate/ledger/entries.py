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
