"""C2SP checkpoints: the ledger's tree head as a signed note any transparency-log witness reads.

A checkpoint (c2sp.org/tlog-checkpoint) is a signed note (c2sp.org/signed-note) whose text is
three lines: the log's origin, the tree size, and the base64 RFC 6962 root. It is signed with
the same Ed25519 key as the JSON tree head of contracts.md §5, under the key name = origin, so
tools built for Certificate Transparency, Go's checksum database or Sigstore can watch the
ledger. The verifier key that checks it (``name+hash+base64(0x01 || public key)``) is what
``taxgate ledger key`` publishes.

Parsing follows the reference implementation (golang.org/x/mod/sumdb/note) rule for rule:
the text ends at the last blank line, a signature from an unknown key is ignored, a
signature from the known key that fails rejects the whole note, and a note no known key
verified is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from taxgate.errors import ConfigError, ProofError
from taxgate.ledger.heads import TreeHead
from taxgate.ledger.keys import key_id, load_public_key

ED25519 = 0x01  # the signed-note signature type of a plain Ed25519 signature
# A schema-less URL, as C2SP recommends, that no one can own (.invalid is reserved, RFC 6761);
# the key's own id ends it, so two ledgers never share an origin a witness tracks them by.
ORIGIN_PREFIX = "taxgate.invalid/ledger/"
DASH = "\u2014 "  # em dash and a space: how every signature line begins
MAX_SIGNATURES = 100  # the reference implementation's limit


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def origin_of(public_key: Ed25519PublicKey) -> str:
    """The ledger's origin line and key name: fixed by its signing key."""
    return ORIGIN_PREFIX + key_id(public_key)[:16]


def key_hash(name: str, public_key: Ed25519PublicKey) -> int:
    """C2SP key ID: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + raw_public(public_key))
    return int.from_bytes(digest.digest()[:4], "big")


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


@dataclass(frozen=True)
class Verifier:
    """A key that verifies notes: its name, its 32-bit id, and the Ed25519 public key."""

    name: str
    hash: int
    public_key: Ed25519PublicKey

    @classmethod
    def of(cls, public_key: Ed25519PublicKey, name: str | None = None) -> Verifier:
        name = name or origin_of(public_key)
        return cls(name, key_hash(name, public_key), public_key)

    def encode(self) -> str:
        """``name+hash+base64(0x01 || key)``, the text a verifier publishes."""
        material = base64.b64encode(bytes([ED25519]) + raw_public(self.public_key)).decode()
        return f"{self.name}+{self.hash:08x}+{material}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_verifier(text: str) -> Verifier:
    """A verifier key ``name+hash+base64``; ``ConfigError`` saying what is wrong with it."""
    name, _, rest = text.strip().partition("+")
    hash_text, _, material = rest.partition("+")
    if not _valid_name(name):
        raise ConfigError(f"verifier key {text.strip()[:40]!r}: the name is empty or has spaces")
    if len(hash_text) != 8 or hash_text != hash_text.lower() or not _is_hex(hash_text):
        raise ConfigError(f"verifier key for {name}: the key id must be 8 lower-case hex digits")
    try:
        raw = base64.b64decode(material, validate=True)
    except binascii.Error as exc:
        raise ConfigError(f"verifier key for {name}: the key is not base64") from exc
    if len(raw) != 33 or raw[0] != ED25519:
        raise ConfigError(f"verifier key for {name}: not an Ed25519 key (type 0x01, 32 bytes)")
    verifier = Verifier.of(Ed25519PublicKey.from_public_bytes(raw[1:]), name)
    if verifier.hash != int(hash_text, 16):
        raise ConfigError(f"verifier key for {name}: the key id does not match the key")
    return verifier


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdef" for ch in text)


def published_key(text: str) -> Verifier:
    """The ledger key as ``ledger key`` publishes it: a verifier-key line, a PEM block, or both
    (then they must be the same key). A bare PEM gets the ledger's own key name."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    vkeys = [line for line in lines if not line.startswith("-----") and "+" in line]
    pem_key = load_public_key(text.encode()) if "-----BEGIN" in text else None
    if vkeys and not text.lstrip().startswith("-----"):
        verifier = parse_verifier(vkeys[0])
        if pem_key is not None and raw_public(pem_key) != raw_public(verifier.public_key):
            raise ConfigError("the verifier key and the PEM key in this file differ")
        return verifier
    if pem_key is None:
        raise ConfigError("not a ledger public key: expected a verifier key line or a PEM block")
    return Verifier.of(pem_key)


# -- signed notes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    hash: int
    signature: bytes

    def line(self) -> str:
        blob = self.hash.to_bytes(4, "big") + self.signature
        return f"{DASH}{self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str  # ends in a newline; the signed bytes
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def sign_note(text: str, name: str, signing_key: Ed25519PrivateKey) -> str:
    """``text`` (ending in a newline) signed as a C2SP note by ``signing_key`` as ``name``."""
    if not text.endswith("\n") or not _clean(text) or "\n\n" in text:
        raise ProofError("a note's text ends in one newline and holds no blank line")
    verifier = Verifier.of(signing_key.public_key(), name)
    signature = Signature(name, verifier.hash, signing_key.sign(text.encode()))
    return text + "\n" + signature.line()


def read_note(data: bytes) -> str:
    """A note file's bytes as text: signed notes are UTF-8, or they are malformed."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("it is not UTF-8") from None


def _clean(text: str) -> bool:
    return all(ch == "\n" or ord(ch) >= 0x20 for ch in text)


def _malformed(why: str) -> ProofError:
    return ProofError(f"malformed note: {why}")


def _signature(line: str) -> Signature:
    if not line.startswith(DASH):
        raise _malformed("a line after the text is not a signature line")
    name, space, blob = line[len(DASH) :].partition(" ")
    if not space or not _valid_name(name) or " " in blob:
        raise _malformed(f"signature line {line[:40]!r} has a bad key name")
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error:
        raise _malformed(f"the signature of {name} is not base64") from None
    if len(raw) < 5:
        raise _malformed(f"the signature of {name} is too short")
    return Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def split_note(message: str) -> tuple[str, list[Signature]]:
    """A signed note's text (up to its LAST blank line) and its signature lines, unverified."""
    if not _clean(message):
        raise _malformed("it holds a control character")
    split = message.rfind("\n\n")
    if split < 0 or not message.endswith("\n"):
        raise _malformed("no blank line before the signatures, or no final newline")
    text, block = message[: split + 1], message[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines or len(lines) > MAX_SIGNATURES:
        raise _malformed(f"{len(lines)} signature lines")
    return text, [_signature(line) for line in lines]


def open_note(message: str, verifiers: tuple[Verifier, ...]) -> Note:
    """Parse and verify a signed note; ``ProofError`` unless a known key verifies it."""
    text, signatures = split_note(message)
    known = {(v.name, v.hash): v for v in verifiers}
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for signature in signatures:
        verifier = known.get((signature.name, signature.hash))
        if verifier is None:
            if signature not in unverified:
                unverified.append(signature)
        elif not verifier.verify(text.encode(), signature.signature):
            raise ProofError(f"invalid signature for key {signature.name}+{signature.hash:08x}")
        elif signature not in verified:
            verified.append(signature)
    if not verified:
        raise ProofError("the note has no signature from the ledger's key")
    return Note(text, tuple(verified), tuple(unverified))


# -- checkpoints --------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The body of a C2SP tlog-checkpoint: origin, tree size, RFC 6962 root."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
            raise ProofError("not a checkpoint: it needs origin, size and root on three lines")
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
            raise ProofError(f"not a checkpoint: tree size {size!r} is not a decimal number")
        try:
            digest = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise ProofError("not a checkpoint: the root hash is not base64") from None
        if len(digest) != 32:
            raise ProofError(f"not a checkpoint: the root hash has {len(digest)} bytes, not 32")
        return cls(origin, int(size), digest, tuple(lines[3:-1]))


def checkpoint_note(head: TreeHead, signing_key: Ed25519PrivateKey) -> str:
    """The signed tree head ``head`` as a C2SP checkpoint signed by the ledger's key."""
    origin = origin_of(signing_key.public_key())
    checkpoint = Checkpoint(origin, head.size, bytes.fromhex(head.root))
    return sign_note(checkpoint.text(), origin, signing_key)


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    note: str  # the whole signed note, as received


def open_checkpoint(note: str, verifier: Verifier) -> SignedCheckpoint:
    """Verify ``note`` with ``verifier`` and read its checkpoint; the origin must be the key's
    name, so a checkpoint of another log signed by the same key cannot pass for this one."""
    opened = open_note(note, (verifier,))
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != verifier.name:
        raise ProofError(
            f"the checkpoint's origin {checkpoint.origin!r} is not the key's name {verifier.name!r}"
        )
    return SignedCheckpoint(checkpoint, note)
