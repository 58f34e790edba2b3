"""A sealed release: the released rows encrypted to the recipient agency, signed by the discloser.

One file, read front to back::

    b"TGSEALED" | version (1 byte) | header length (4 bytes, big-endian) | header (canonical JSON)
    | payload length (8 bytes, big-endian) | payload | Ed25519 signature (64 bytes)

The payload is the rows as an Arrow IPC stream, encrypted with AES-256-GCM under a key derived
(HKDF-SHA256) from an X25519 exchange between a fresh ephemeral key and the recipient's public
key: only the recipient's private key opens it. The AEAD's associated data is the header (see
``SealHeader.associated_data``). The discloser's signature covers every byte before it, so the
recipient can tell a file from the discloser from a forgery or an edit before decrypting.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from taxgate.errors import InputError, SealError
from taxgate.files import write_atomically
from taxgate.release.header import MalformedHeaderError, SealHeader, parse_header
from taxgate.release.keys import key_id
from taxgate.release.payload import sealable_rows

MAGIC = b"TGSEALED"
VERSION = 1
_PREFIX = struct.Struct(">8sBI")  # magic, version, header length
_PAYLOAD_LEN = struct.Struct(">Q")
_SIGNATURE_LEN = 64
_KDF_INFO = b"taxgate sealed release v1"
# AES-GCM in `cryptography` takes at most 2**31 - 1 bytes in one call.
MAX_PAYLOAD = 2**31 - 1


class NotSealedError(SealError):
    pass


class UnsupportedVersionError(SealError):
    pass


class TamperedSealError(SealError):
    pass


class WrongKeyError(SealError):
    pass


class ExpiredError(SealError):
    pass


class NotYetValidError(SealError):
    """Opened as of a date before the file existed: a backdated date, or a clock far off."""


@dataclass(frozen=True)
class _Parts:
    signed: bytes  # every byte the signature covers
    header: bytes
    payload: bytes
    signature: bytes


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _content_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    # Both public keys in `info` bind the key to this exchange (as HPKE's DHKEM does).
    kdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO + ephemeral + recipient
    )
    return kdf.derive(shared)


def _arrow_bytes(rows: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, rows.schema, options=options) as writer:
        writer.write_table(rows)
    return bytes(sink.getvalue())


def seal(
    rows: pa.Table,
    header: SealHeader,
    recipient_public_key: X25519PublicKey,
    discloser_private_key: Ed25519PrivateKey,
    out: Path,
    *,
    source: str | Path | None = None,
) -> SealHeader:
    """Encrypt ``rows`` to the recipient, sign, write ``out`` atomically; return the header
    as sealed (with row count, payload digest and key ids filled in).

    Only ``item_id`` and the columns ``header.fields`` declares are sealed, for provided items
    only; anything else in ``rows`` is an ``InputError`` naming ``source`` (the file the rows
    came from), row and column (see ``taxgate.release.payload``)."""
    if header.expires.isoformat() < header.created[:10]:
        raise SealError(
            f"{out}: expires {header.expires.isoformat()}, before it is created "
            f"({header.created[:10]}); choose a later expiry"
        )
    rows = sealable_rows(rows, header.fields, source or f"the rows to seal into {out}")
    plaintext = _arrow_bytes(rows)
    if len(plaintext) > MAX_PAYLOAD:
        raise SealError(f"{out}: {len(plaintext)} bytes is too large for one sealed file")
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw, recipient_raw = _raw(ephemeral.public_key()), _raw(recipient_public_key)
    nonce = os.urandom(12)
    header = replace(
        header,
        row_count=rows.num_rows,
        recipient_key_id=key_id(recipient_public_key),
        discloser_key_id=key_id(discloser_private_key.public_key()),
        ephemeral_public_key=ephemeral_raw.hex(),
        nonce=nonce.hex(),
        payload_sha256="",
    )
    content_key = _content_key(
        ephemeral.exchange(recipient_public_key), ephemeral_raw, recipient_raw
    )
    ciphertext = AESGCM(content_key).encrypt(nonce, plaintext, header.associated_data())
    header = replace(header, payload_sha256=hashlib.sha256(ciphertext).hexdigest())
    raw_header = header.canonical()
    signed = b"".join(
        (
            _PREFIX.pack(MAGIC, VERSION, len(raw_header)),
            raw_header,
            _PAYLOAD_LEN.pack(len(ciphertext)),
            ciphertext,
        )
    )
    write_atomically(out, signed + discloser_private_key.sign(signed))
    return header


def _split(path: Path, data: bytes) -> _Parts:
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise NotSealedError(f"{path}: not a taxgate sealed file")
    if len(data) < _PREFIX.size:
        raise TamperedSealError(f"{path}: truncated: the file ends inside its first line")
    _, version, header_len = _PREFIX.unpack_from(data)
    if version != VERSION:
        raise UnsupportedVersionError(
            f"{path}: sealed file version {version} is not supported (this taxgate reads "
            f"version {VERSION}; use the taxgate release that wrote it)"
        )
    payload_at = _PREFIX.size + header_len + _PAYLOAD_LEN.size
    if len(data) < payload_at:
        raise TamperedSealError(
            f"{path}: truncated or altered: the header length says {header_len} bytes, "
            f"the file holds {len(data)} in all"
        )
    (payload_len,) = _PAYLOAD_LEN.unpack_from(data, payload_at - _PAYLOAD_LEN.size)
    expected = payload_at + payload_len + _SIGNATURE_LEN
    if len(data) != expected:
        raise TamperedSealError(
            f"{path}: truncated or altered: its lengths add up to {expected} bytes, "
            f"the file has {len(data)}"
        )
    signed_end = payload_at + payload_len
    return _Parts(
        signed=data[:signed_end],
        header=data[_PREFIX.size : _PREFIX.size + header_len],
        payload=data[payload_at:signed_end],
        signature=data[signed_end:],
    )


def _why_unsigned(path: Path, parts: _Parts, discloser_public_key: Ed25519PublicKey) -> SealError:
    """Name the part that fails, once the signature has already failed."""
    try:
        header = parse_header(parts.header)
    except MalformedHeaderError:
        return TamperedSealError(f"{path}: tampered: the header was altered (it no longer parses)")
    given = key_id(discloser_public_key)
    if header.discloser_key_id != given:
        return WrongKeyError(
            f"{path}: the signature does not verify with discloser key {given[:16]}; the file "
            f"names key {header.discloser_key_id[:16]} (wrong discloser key, or an altered header)"
        )
    if hashlib.sha256(parts.payload).hexdigest() != header.payload_sha256:
        return TamperedSealError(
            f"{path}: tampered: the payload does not match the SHA-256 in the signed header"
        )
    return TamperedSealError(
        f"{path}: tampered: the discloser's signature does not verify (header or signature altered)"
    )


def _read_verified(path: Path, discloser_public_key: Ed25519PublicKey) -> tuple[SealHeader, _Parts]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc
    parts = _split(path, data)
    try:
        discloser_public_key.verify(parts.signature, parts.signed)
    except InvalidSignature:
        raise _why_unsigned(path, parts, discloser_public_key) from None
    try:
        header = parse_header(parts.header)
    except MalformedHeaderError as exc:
        # Signed but malformed: the discloser's software is at fault, not the channel.
        raise TamperedSealError(f"{path}: the signed header is malformed: {exc}") from None
    if hashlib.sha256(parts.payload).hexdigest() != header.payload_sha256:
        raise TamperedSealError(f"{path}: the payload does not match the SHA-256 in its header")
    return header, parts


def read_header(path: Path, discloser_public_key: Ed25519PublicKey) -> SealHeader:
    """The header of a sealed file, after checking the discloser's signature; no decryption."""
    return _read_verified(path, discloser_public_key)[0]


def _refuse_before_creation(path: Path, header: SealHeader, today: date) -> None:
    """A date before the file existed can only be a backdated one, chosen to slip under the
    expiry. ``created`` is a UTC instant; the calendar day somewhere on earth may still be the
    day before it, so that day is allowed and the one before is not."""
    try:
        created = date.fromisoformat(header.created[:10])
    except ValueError:
        raise TamperedSealError(
            f"{path}: the signed header's creation time {header.created!r} is not a date"
        ) from None
    if today < created - timedelta(days=1):
        raise NotYetValidError(
            f"{path}: opened as of {today.isoformat()}, before it was created "
            f"({header.created}); a sealed file opens only on or after its creation date"
        )


def open_sealed(
    path: Path,
    recipient_private_key: X25519PrivateKey,
    discloser_public_key: Ed25519PublicKey,
    today: date,
) -> tuple[SealHeader, pa.Table]:
    """Verify the signature, refuse a file expired (or not yet created) on ``today``, then
    decrypt: the header and the rows."""
    header, parts = _read_verified(path, discloser_public_key)
    _refuse_before_creation(path, header, today)
    if header.is_expired(today):
        raise ExpiredError(
            f"{path}: expired on {header.expires.isoformat()} (today is {today.isoformat()}); "
            "it may no longer be used: ask the discloser for a new release"
        )
    recipient_public = recipient_private_key.public_key()
    if header.recipient_key_id != key_id(recipient_public):
        raise WrongKeyError(
            f"{path}: sealed to recipient key {header.recipient_key_id[:16]}, not to the key "
            f"given ({key_id(recipient_public)[:16]})"
        )
    try:
        ephemeral_raw, nonce = (
            bytes.fromhex(header.ephemeral_public_key),
            bytes.fromhex(header.nonce),
        )
        ephemeral = X25519PublicKey.from_public_bytes(ephemeral_raw)
        content_key = _content_key(
            recipient_private_key.exchange(ephemeral), ephemeral_raw, _raw(recipient_public)
        )
        plaintext = AESGCM(content_key).decrypt(nonce, parts.payload, header.associated_data())
    except (ValueError, InvalidTag):
        raise TamperedSealError(
            f"{path}: the payload does not decrypt with this recipient key"
        ) from None
    try:
        rows = pa.ipc.open_stream(plaintext).read_all()
    except pa.ArrowInvalid as exc:
        raise TamperedSealError(f"{path}: the decrypted payload is not a table: {exc}") from None
    if rows.num_rows != header.row_count:
        raise TamperedSealError(
            f"{path}: the payload holds {rows.num_rows} rows, the header says {header.row_count}"
        )
    return header, rows
