"""Signed tree heads (contracts.md §5).

``{"size": N, "root": HEX, "time": ISO8601, "key_id": HEX, "signature": BASE64}``; the
signature is Ed25519 over the ASCII bytes ``"{size}|{root}|{time}"``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from taxgate.errors import ProofError
from taxgate.ledger.keys import LedgerKeys, key_id


def now() -> str:
    """UTC time, ISO 8601 with microseconds and a ``Z``."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def signed_message(size: int, root: str, time: str) -> bytes:
    return f"{size}|{root}|{time}".encode("ascii")


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: str
    time: str
    key_id: str
    signature: str

    @classmethod
    def sign(cls, keys: LedgerKeys, size: int, root: bytes, time: str) -> TreeHead:
        signature = keys.sign(signed_message(size, root.hex(), time))
        return cls(size, root.hex(), time, keys.key_id, base64.b64encode(signature).decode())

    def check(self, public_key: Ed25519PublicKey) -> str | None:
        """None if the head is signed by ``public_key``, else what is wrong."""
        expected = key_id(public_key)
        if self.key_id != expected:
            return f"signed by key {self.key_id[:16]}…, not the ledger's key {expected[:16]}…"
        try:
            signature = base64.b64decode(self.signature, validate=True)
            public_key.verify(signature, signed_message(self.size, self.root, self.time))
        except (InvalidSignature, ValueError):
            return "its signature does not verify"
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> TreeHead:
        try:
            return cls(
                size=int(doc["size"]),
                root=str(doc["root"]),
                time=str(doc["time"]),
                key_id=str(doc["key_id"]),
                signature=str(doc["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProofError(f"not a tree head: {exc}") from exc
