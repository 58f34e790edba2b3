"""Key files for sealed releases, as PEM.

- the recipient agency's X25519 pair: the discloser seals to ``NAME.pub``; only the holder of
  ``NAME.key`` can open;
- the discloser's Ed25519 signing key: any PKCS#8 PEM file, by default the ledger's
  (``.taxgate/keys/ledger-signing.key``), so a sealed file and the ledger's tree heads are
  signed by the same published key.

Private keys are written 0600 and a private key file that others can read is refused, as ssh
does: whoever reads it can open the agency's releases or forge the discloser's seal.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from taxgate.errors import ConfigError, InputError
from taxgate.ledger.keys import SIGNING_KEY, default_key_dir

PublicKey = X25519PublicKey | Ed25519PublicKey
PrivateKey = X25519PrivateKey | Ed25519PrivateKey


def key_id(public_key: PublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo (the ledger names its key the same way)."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def default_signing_key() -> Path:
    """The ledger's signing key: ``$TAXGATE_KEY_DIR/ledger-signing.key``."""
    return default_key_dir() / SIGNING_KEY


def public_pem(public_key: PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def private_pem(private_key: PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_private_key(path: Path, private_key: PrivateKey) -> None:
    """Write ``path`` with mode 0600 from the start; never overwrite an existing key."""
    try:
        # O_EXCL: replacing a key silently would make every file sealed to it unreadable.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise InputError(path, "already exists", hint="choose another name or --out") from exc
    except OSError as exc:
        raise InputError(path, f"cannot create: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem(private_key))
        handle.flush()
        os.fsync(handle.fileno())


def generate_recipient_keys(directory: Path, name: str) -> tuple[Path, Path]:
    """Create ``NAME.key`` (X25519, 0600) and ``NAME.pub`` in ``directory``; return both paths."""
    return _generate(directory, name, X25519PrivateKey.generate())


def generate_signing_key(directory: Path, name: str) -> tuple[Path, Path]:
    """Create an Ed25519 discloser key pair ``NAME.key`` (0600) and ``NAME.pub``."""
    return _generate(directory, name, Ed25519PrivateKey.generate())


def _generate(directory: Path, name: str, private_key: PrivateKey) -> tuple[Path, Path]:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path, public_path = directory / f"{name}.key", directory / f"{name}.pub"
    if public_path.exists():
        raise InputError(public_path, "already exists", hint="choose another name or --out")
    write_private_key(private_path, private_key)
    public_path.write_bytes(public_pem(private_key.public_key()))
    return private_path, public_path


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read the key: {exc.strerror}") from exc


def _read_private(path: Path) -> bytes:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise InputError(path, f"cannot read the key: {exc.strerror}") from exc
    if mode & 0o077:
        raise ConfigError(
            f"{path}: permissions {mode:04o} are too open for a private key (run: chmod 600 {path})"
        )
    return _read(path)


def _load_private(path: Path) -> object:
    try:
        return serialization.load_pem_private_key(_read_private(path), password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(path, "not an unencrypted PEM private key") from exc


def _load_public(path: Path) -> object:
    try:
        return serialization.load_pem_public_key(_read(path))
    except ValueError as exc:
        raise InputError(path, "not a PEM public key") from exc


def load_recipient_private_key(path: Path) -> X25519PrivateKey:
    key = _load_private(path)
    if not isinstance(key, X25519PrivateKey):
        raise InputError(path, "not an X25519 recipient private key")
    return key


def load_recipient_public_key(path: Path) -> X25519PublicKey:
    key = _load_public(path)
    if not isinstance(key, X25519PublicKey):
        raise InputError(path, "not an X25519 recipient public key")
    return key


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    key = _load_private(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(path, "not an Ed25519 signing key")
    return key


def load_discloser_public_key(path: Path) -> Ed25519PublicKey:
    key = _load_public(path)
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(path, "not an Ed25519 discloser public key")
    return key
