"""The sealed file's header: what was released, to whom, why, under whose hand, until when.

The header travels in the clear (``taxgate release inspect`` shows it without decrypting) and
is signed with the payload. It is serialised as canonical JSON (sorted keys, no spaces, ASCII
only) so the same header is always the same bytes: the AEAD's associated data is rebuilt from
the parsed header and must match what the discloser sealed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any

from taxgate.errors import SealError

CIPHER_SUITE = "X25519-HKDF-SHA256-AES-256-GCM/Ed25519"


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class SealHeader:
    """Everything a recipient and an auditor need to know about a release, short of its rows.

    The caller fills the first block; ``seal`` fills the second (row count, digest, keys).
    """

    batch_id: str
    request_id: str
    discloser: str
    recipient: str
    purpose: str
    basis: str
    statutory_authority: str
    officers: tuple[str, ...]
    fields: tuple[str, ...]
    expires: date
    created: str = field(default_factory=utc_now)
    # Filled by ``seal``:
    row_count: int = 0
    payload_sha256: str = ""
    cipher_suite: str = CIPHER_SUITE
    recipient_key_id: str = ""
    discloser_key_id: str = ""
    ephemeral_public_key: str = ""
    nonce: str = ""

    def is_expired(self, today: date) -> bool:
        """A release may be used through its ``expires`` date, not after."""
        return today > self.expires

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["officers"] = list(self.officers)
        doc["fields"] = list(self.fields)
        doc["expires"] = self.expires.isoformat()
        return doc

    def canonical(self) -> bytes:
        return canonical_json(self.to_dict())

    def associated_data(self) -> bytes:
        """What the AEAD binds: the header with ``payload_sha256`` blank.

        The digest is of the ciphertext, which does not exist until the AEAD has run, so it
        cannot be part of its own associated data; the signature covers it instead.
        """
        return replace(self, payload_sha256="").canonical()


def canonical_json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def parse_header(raw: bytes) -> SealHeader:
    """The header in ``raw``; ``MalformedHeaderError`` unless it is exactly a canonical
    SealHeader (the caller names the file and says whether the signature held)."""
    try:
        return _parse_header(raw)
    except (ValueError, UnicodeDecodeError, TypeError) as exc:
        raise MalformedHeaderError(str(exc)) from exc


class MalformedHeaderError(SealError):
    """A sealed file's header that is not a canonical SealHeader."""


def _parse_header(raw: bytes) -> SealHeader:
    doc = json.loads(raw.decode("ascii"))
    if not isinstance(doc, dict):
        raise MalformedHeaderError("the header is not a JSON object")
    names = {f.name for f in fields(SealHeader)}
    if set(doc) != names:
        raise MalformedHeaderError(f"the header's fields are not {sorted(names)}")
    for name in ("officers", "fields"):
        if not isinstance(doc[name], list) or not all(isinstance(v, str) for v in doc[name]):
            raise MalformedHeaderError(f"header field {name!r} is not a list of names")
    if not isinstance(doc["row_count"], int) or isinstance(doc["row_count"], bool):
        raise MalformedHeaderError("header field 'row_count' is not a whole number")
    text_fields = names - {"officers", "fields", "row_count"}
    for name in text_fields:
        if not isinstance(doc[name], str):
            raise MalformedHeaderError(f"header field {name!r} is not text")
    header = SealHeader(
        **{
            **doc,
            "officers": tuple(doc["officers"]),
            "fields": tuple(doc["fields"]),
            "expires": date.fromisoformat(doc["expires"]),
        }
    )
    if header.canonical() != raw:
        raise MalformedHeaderError("the header is not in canonical form")
    return header
