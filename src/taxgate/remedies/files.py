"""A notice as files a custodian can keep and check alone.

``NOTICE.json`` is the notice's canonical JSON, byte for byte what was signed and recorded;
``NOTICE.json.sig`` is the discloser's detached Ed25519 signature over it (base64), and
``ledger-signing.pub`` the published key that checks it (``taxgate remedies verify``). With a
recipient key, ``NOTICE.sealed`` is the same notice sealed to the recipient agency for its
named custodians by the release stage's ``seal``: its header says it is a notice (batch
``NOTICE <id>``, purpose ``court-order notice``, the order as authority) and its one row holds
the notice's canonical JSON in the ``item_id`` column, the only free-text column a sealed file
carries. Files are written whole or not at all; the ledger already holds the notice.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from cryptography.exceptions import InvalidSignature

from taxgate.errors import InputError, NotFoundError, OptionError, ProofError
from taxgate.files import SHARED, write_atomically
from taxgate.ledger import Ledger
from taxgate.ledger.entries import canonical
from taxgate.ledger.keys import PUBLIC_KEY, load_public_key, public_pem
from taxgate.model import DISCLOSER
from taxgate.release import SealHeader, seal
from taxgate.release.keys import load_recipient_public_key
from taxgate.remedies.records import Notice, recorded_notices

SIGNATURE_SUFFIX = ".sig"
# A notice is part of the accounting of a disclosure: kept at least five years (5 U.S.C.
# §552a(c)(2)); the sealed copy stays openable that long.
SEALED_YEARS = 5


@dataclass(frozen=True)
class NoticeFiles:
    notice: Path
    signature: Path
    public_key: Path
    sealed: Path | None


def find_notice(ledger: Ledger, notice_id: str) -> Notice:
    found = next((n for n in recorded_notices(ledger) if n.notice_id == notice_id), None)
    if found is None:
        raise NotFoundError(
            f"unknown notice {notice_id!r}: no notice with that id is in the ledger "
            "(see `taxgate remedies status --as-of DATE`)"
        )
    return found


def write_notice(
    ledger: Ledger,
    notice_id: str,
    out: Path,
    *,
    recipient_key: Path | None = None,
    custodians: tuple[str, ...] = (),
) -> NoticeFiles:
    """Write ``notice_id`` into ``out`` as signed JSON and, with ``recipient_key``, sealed."""
    notice = find_notice(ledger, notice_id)
    if recipient_key is not None and not any(name.strip() for name in custodians):
        raise OptionError("a sealed notice names its custodians: pass --custodian NAME")
    recipient = load_recipient_public_key(recipient_key) if recipient_key else None
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a directory", hint="choose another --out")
    body = notice.canonical()
    path = out / f"{notice_id}.json"
    signature = path.with_name(path.name + SIGNATURE_SUFFIX)
    public_key = out / PUBLIC_KEY
    write_atomically(path, body, mode=SHARED)
    write_atomically(signature, notice.signature.encode() + b"\n", mode=SHARED)
    write_atomically(public_key, public_pem(ledger.keys.public_key), mode=SHARED)
    sealed = None
    if recipient is not None:
        order = notice.doc["order"]
        header = SealHeader(
            batch_id=f"NOTICE {notice_id}",
            request_id=str(order["id"]),
            discloser=DISCLOSER,
            recipient=notice.recipient,
            purpose="court-order notice",
            basis=str(order["citation"]),
            statutory_authority=f"court order {order['id']} ({order['court']})",
            officers=tuple(name.strip() for name in custodians if name.strip()),
            fields=(),
            expires=max(date.today(), notice.as_of) + timedelta(days=365 * SEALED_YEARS),
        )
        sealed = out / f"{notice_id}.sealed"
        rows = pa.table({"item_id": [body.decode()]})
        seal(rows, header, recipient, ledger.keys.signing_key, sealed, source=path)
    return NoticeFiles(path, signature, public_key, sealed)


def verify_notice(path: Path, public_key: Path | None = None) -> dict[str, Any]:
    """The notice in ``path`` once its detached signature checks with the published key
    (default: ``ledger-signing.pub`` beside it); ``ProofError`` (exit 1) when it does not."""
    key_path = public_key or path.with_name(PUBLIC_KEY)
    signature_path = path.with_name(path.name + SIGNATURE_SUFFIX)
    try:
        body, signature = path.read_bytes(), signature_path.read_text().strip()
        key = load_public_key(key_path.read_bytes())
    except OSError as exc:
        raise InputError(exc.filename or path, f"cannot read: {exc.strerror}") from exc
    try:
        doc = json.loads(body)
        key.verify(base64.b64decode(signature, validate=True), body)
    except (ValueError, InvalidSignature):
        raise ProofError(
            f"{path}: the notice does not match its signature {signature_path.name} under "
            f"{key_path}: it was altered, or signed by another key"
        ) from None
    if not isinstance(doc, dict) or canonical(doc) != body:
        raise ProofError(f"{path}: signed, but not a notice in canonical form")
    return doc
