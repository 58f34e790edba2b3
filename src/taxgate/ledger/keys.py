"""The ledger's secrets, kept in files outside the database.

- ``ledger-signing.key``: the Ed25519 key that signs tree heads (PKCS#8 PEM, mode 0600);
- ``ledger-signing.pub``: its public half, to publish (verifiers need only this);
- ``subject-hmac.key``: the HMAC-SHA256 key that turns a TIN into the entry's ``subject``.

Both secrets are generated on first use by a command that records (``load_or_create``);
readers use ``load``, which never creates a key. A secret file that others can read is refused, as
ssh does: whoever reads the signing key can forge tree heads.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from taxgate.errors import ConfigError, NoLedgerError

KEY_DIR_ENV = "TAXGATE_KEY_DIR"
SIGNING_KEY = "ledger-signing.key"
PUBLIC_KEY = "ledger-signing.pub"
SUBJECT_KEY = "subject-hmac.key"


def default_key_dir() -> Path:
    """``$TAXGATE_KEY_DIR``, else ``./.taxgate/keys``."""
    return Path(os.environ.get(KEY_DIR_ENV) or Path(".taxgate") / "keys")


def key_id(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, as RFC 6962 names a log's key."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise ConfigError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("the ledger's public key must be Ed25519")
    return key


@dataclass(frozen=True)
class LedgerKeys:
    signing_key: Ed25519PrivateKey
    subject_secret: bytes

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.signing_key.sign(message)

    def subject(self, tin: str) -> str:
        """The keyed hash recorded instead of a TIN (digits only, so 000-12-3456 = 000123456)."""
        # A batch keys every matched TIN: the common all-digit TIN skips the character walk,
        # and the one-shot HMAC skips building an HMAC object (same bytes either way).
        digits = tin if tin.isdigit() else "".join(ch for ch in tin if ch.isdigit())
        return hmac.digest(self.subject_secret, digits.encode(), "sha256").hex()


def _write_secret(path: Path, data: bytes) -> None:
    # O_EXCL: two processes starting together must not each write a different key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _read_secret(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path}: permissions {mode:04o} are too open for a secret key (run: chmod 600 {path})"
        )
    return path.read_bytes()


def load_or_create(key_dir: Path | None = None) -> LedgerKeys:
    """Read the keys in ``key_dir`` (default ``default_key_dir()``), creating missing ones."""
    key_dir = key_dir or default_key_dir()
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    signing_path, subject_path = key_dir / SIGNING_KEY, key_dir / SUBJECT_KEY
    try:
        if not signing_path.exists():
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            _write_secret(signing_path, pem)
        if not subject_path.exists():
            _write_secret(subject_path, secrets.token_hex(32).encode())
    except FileExistsError:
        pass  # another process created it first; read theirs
    except OSError as exc:
        raise ConfigError(f"{key_dir}: cannot create the ledger keys: {exc.strerror}") from exc
    keys = _read(key_dir)
    public_path = key_dir / PUBLIC_KEY
    if not public_path.exists():
        public_path.write_bytes(public_pem(keys.public_key))
    return keys


def load(key_dir: Path | None = None) -> LedgerKeys:
    """Read the keys in ``key_dir`` (default ``default_key_dir()``); ``NoLedgerError`` if they
    were never created there (a mistyped ``--keys`` must not mint a key that signs nothing)."""
    key_dir = key_dir or default_key_dir()
    for name in (SIGNING_KEY, SUBJECT_KEY):
        if not (key_dir / name).is_file():
            raise NoLedgerError(
                f"{key_dir}: no ledger keys there ({name} is missing: nothing has been recorded "
                "with keys from this directory); check --keys"
            )
    return _read(key_dir)


def _read(key_dir: Path) -> LedgerKeys:
    signing_path, subject_path = key_dir / SIGNING_KEY, key_dir / SUBJECT_KEY
    try:
        signing = serialization.load_pem_private_key(_read_secret(signing_path), password=None)
        subject_secret = bytes.fromhex(_read_secret(subject_path).decode().strip())
    except OSError as exc:
        raise ConfigError(f"{key_dir}: cannot read the ledger keys: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"{key_dir}: the ledger keys are damaged: {exc}") from exc
    if not isinstance(signing, Ed25519PrivateKey):
        raise ConfigError(f"{signing_path}: not an Ed25519 private key")
    return LedgerKeys(signing_key=signing, subject_secret=subject_secret)
