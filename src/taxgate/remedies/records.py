"""The remedies stage's ledger entries: orders seen, notices issued, acknowledgements received.

This module is their one writer and their one reader, as ``ledger.batches`` is for a batch's
release record. All three kinds share the ledger key ``batch = "remedies"`` so that every
reader (``remedies status``, a report, the service) reads them by an index range of the
``(batch, kind, item)`` key, never by a scan of the whole log:

- ``order``: ``item`` is the SHA-256 of the order file's bytes, so the same file seen again is
  skipped and a changed file is a new entry; ``as_of`` is the day a scan first saw it, which
  makes "what did we know when" provable. ``details`` hold the order's fields.
- ``notice``: ``item`` is the notice id; ``details.notice`` is the notice document exactly as
  signed, ``details.signature`` the discloser's detached Ed25519 signature over its canonical
  bytes (the ledger key; a custodian checks a notice file with the published key alone).
- ``acknowledgement``: ``item`` is ``NOTICE/KEY`` with KEY a digest of who, when and what, so the
  same acknowledgement given twice is recorded once.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from taxgate.errors import ConfigError
from taxgate.law.orders import Order
from taxgate.ledger import Entry, Ledger
from taxgate.ledger.entries import canonical

REMEDIES = "remedies"  # the ledger ``batch`` of every remedies entry (no batch id lacks '@')
COMPLY, LIFT = "comply", "lift"
NOTICE_TYPE = "taxgate remedies notice"
NOTICE_VERSION = 1


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


# -- orders --------------------------------------------------------------------------------


def order_digest(order: Order) -> str:
    try:
        return hashlib.sha256(order.path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(f"{order.path}: cannot be read again: {exc.strerror}") from exc


def order_entry(order: Order, seen: date, actor: str) -> Entry:
    """The ``order`` entry recording that a scan on ``seen`` read this exact order file."""
    digest = order_digest(order)
    details: dict[str, Any] = {
        "id": order.id,
        "kind": order.kind,
        "case": order.case,
        "court": order.court,
        "judge": order.judge,
        "citation": order.citation,
        "issued": order.issued.isoformat(),
        "effective": order.effective.isoformat(),
        "expires": order.expires.isoformat() if order.expires else None,
        "disclosers": list(order.disclosers),
        "recipients": list(order.recipients),
        "data": list(order.data),
        "purposes": list(order.purposes),
        "except": list(order.exceptions),
        "reaches_prior_disclosures": order.reaches_prior_disclosures,
        "notice_deadline": order.notice_deadline.isoformat() if order.notice_deadline else None,
        "target": order.target,
        "file": order.path.name,
    }
    return Entry(
        kind="order",
        batch=REMEDIES,
        item=digest,
        as_of=seen,
        actor=actor,
        digest=digest,
        details=details,
    )


@dataclass(frozen=True)
class SeenOrder:
    order: Order
    sha256: str
    seen: date
    index: int


def _order_from(details: Mapping[str, Any]) -> Order:
    return Order(
        id=str(details["id"]),
        kind=str(details["kind"]),
        case=str(details.get("case", "")),
        court=str(details.get("court", "")),
        citation=str(details.get("citation", "")),
        judge=str(details.get("judge", "")),
        issued=date.fromisoformat(str(details["issued"])),
        effective=date.fromisoformat(str(details["effective"])),
        expires=_day(details.get("expires")),
        disclosers=tuple(details.get("disclosers", ())),
        recipients=tuple(details.get("recipients", ())),
        data=tuple(details.get("data", ())),
        purposes=tuple(details.get("purposes", ())),
        exceptions=tuple(details.get("except", ())),
        reaches_prior_disclosures=bool(details.get("reaches_prior_disclosures", False)),
        notice_deadline=_day(details.get("notice_deadline")),
        target=str(details.get("target", "")),
        path=Path(str(details.get("file", ""))),
    )


def seen_orders(ledger: Ledger) -> list[SeenOrder]:
    """Every order file a scan has recorded, in log order."""
    return [
        SeenOrder(_order_from(doc["details"]), str(doc["item"]), _day(doc["as_of"]) or date.min, i)
        for i, doc in ledger.entries_of("order", batch=REMEDIES)
    ]


def latest_orders(seen: Sequence[SeenOrder]) -> list[Order]:
    """Each order id as its latest recorded file says: the orders the ledger knows now."""
    latest: dict[str, Order] = {}
    for entry in seen:
        latest[entry.order.id] = entry.order
    return list(latest.values())


# -- notices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A notice as recorded: the signed document and the fields readers need from it."""

    doc: Mapping[str, Any]
    signature: str  # base64 Ed25519 over ``canonical(doc)``
    key_id: str
    index: int = -1

    @property
    def notice_id(self) -> str:
        return str(self.doc["notice_id"])

    @property
    def action(self) -> str:
        return str(self.doc["action"])

    @property
    def as_of(self) -> date:
        return date.fromisoformat(str(self.doc["as_of"]))

    @property
    def order(self) -> str:
        return str(self.doc["order"]["id"])

    @property
    def recipient(self) -> str:
        return str(self.doc["recipient"])

    @property
    def batches(self) -> tuple[str, ...]:
        return tuple(str(b["batch"]) for b in self.doc.get("batches", ()))

    @property
    def items(self) -> int:
        return int(self.doc.get("items", 0))

    @property
    def deadline(self) -> date | None:
        return _day(self.doc.get("deadline"))

    @property
    def certificates(self) -> tuple[str, ...]:
        """The certificates this notice accepts (none for a lift)."""
        return tuple(self.doc.get("certify", ()))

    @property
    def supersedes(self) -> str:
        return str(self.doc.get("supersedes", ""))

    @property
    def fingerprint(self) -> str:
        return reach_fingerprint(self.doc)

    def canonical(self) -> bytes:
        return canonical(self.doc)


# What a notice says about the reach; a scan issues a new notice only when this changes. The
# date, the predecessor and the order file's digest (a re-saved file) are not part of it.
_NOT_REACH = ("notice_id", "as_of", "supersedes", "acknowledge")


def reach_fingerprint(doc: Mapping[str, Any]) -> str:
    reach = {key: value for key, value in doc.items() if key not in _NOT_REACH}
    reach["order"] = {k: v for k, v in doc["order"].items() if k != "sha256"}
    return hashlib.sha256(canonical(reach)).hexdigest()


def ack_command(notice_id: str, certificates: Sequence[str]) -> str:
    certify = f" [--certify {'|'.join(certificates)}]" if certificates else ""
    return f"taxgate remedies ack {notice_id} --custodian NAME --title TITLE --as-of DATE{certify}"


def sign_notice(ledger: Ledger, body: Mapping[str, Any]) -> Notice:
    """Name ``body`` by its digest and sign it with the ledger's key (Ed25519 is deterministic,
    so the same body always gives the same notice, id and signature: a re-run after a crash
    produces the entry already recorded, which the ledger then skips)."""
    named = {"type": NOTICE_TYPE, "v": NOTICE_VERSION, **body}
    notice_id = "N-" + hashlib.sha256(canonical(named)).hexdigest()[:16]
    doc = {
        **named,
        "notice_id": notice_id,
        "acknowledge": ack_command(notice_id, tuple(body.get("certify", ()))),
    }
    signature = base64.b64encode(ledger.keys.sign(canonical(doc))).decode()
    return Notice(doc, signature, ledger.keys.key_id)


def notice_entry(notice: Notice, actor: str) -> Entry:
    return Entry(
        kind="notice",
        batch=REMEDIES,
        item=notice.notice_id,
        outcome=notice.action,
        as_of=notice.as_of,
        actor=actor,
        digest=hashlib.sha256(notice.canonical()).hexdigest(),
        details={"notice": notice.doc, "signature": notice.signature, "key_id": notice.key_id},
    )


def recorded_notices(ledger: Ledger) -> list[Notice]:
    """Every notice, in log order."""
    return [
        Notice(doc["details"]["notice"], doc["details"]["signature"], doc["details"]["key_id"], i)
        for i, doc in ledger.entries_of("notice", batch=REMEDIES)
    ]


# -- acknowledgements ----------------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledgement:
    notice_id: str
    custodian: str
    title: str
    as_of: date
    certificate: str = ""  # destroyed | quarantined | returned, or "" for an acknowledgement
    method: str = ""
    index: int = -1


def ack_entry(ack: Acknowledgement, required: Sequence[str] = ()) -> Entry:
    """The entry of ``ack``; ``required``: the certificates its notice asked for."""
    key = canonical(
        {
            "custodian": ack.custodian,
            "title": ack.title,
            "as_of": ack.as_of.isoformat(),
            "certificate": ack.certificate,
            "method": ack.method,
        }
    )
    details: dict[str, Any] = {
        "notice": ack.notice_id,
        "custodian": ack.custodian,
        "title": ack.title,
        # What acknowledging means, in the record itself: the custodian received the notice
        # and attests that the data it names is no longer used.
        "attests": "received this notice; the data it names is no longer used",
    }
    if ack.certificate:
        details["certificate"] = {
            "kind": ack.certificate,
            "method": ack.method,
            "date": ack.as_of.isoformat(),
            "by": f"{ack.custodian}, {ack.title}",
            "required": list(required),
            "as_required": ack.certificate in required,
        }
    return Entry(
        kind="acknowledgement",
        batch=REMEDIES,
        item=f"{ack.notice_id}/{hashlib.sha256(key).hexdigest()[:16]}",
        outcome="certified" if ack.certificate else "acknowledged",
        as_of=ack.as_of,
        actor=ack.custodian,
        details=details,
    )


def recorded_acks(ledger: Ledger) -> list[Acknowledgement]:
    found = []
    for index, doc in ledger.entries_of("acknowledgement", batch=REMEDIES):
        details = doc["details"]
        certificate = details.get("certificate") or {}
        found.append(
            Acknowledgement(
                notice_id=str(details["notice"]),
                custodian=str(details["custodian"]),
                title=str(details["title"]),
                as_of=date.fromisoformat(str(doc["as_of"])),
                certificate=str(certificate.get("kind", "")),
                method=str(certificate.get("method", "")),
                index=index,
            )
        )
    return found
