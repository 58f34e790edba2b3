"""Key files: private halves 0600 from the start, too-open ones refused, kinds not mixed up."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from taxgate.errors import ConfigError, InputError
from taxgate.ledger.keys import load_or_create
from taxgate.release.keys import (
    generate_recipient_keys,
    generate_signing_key,
    key_id,
    load_discloser_public_key,
    load_recipient_private_key,
    load_recipient_public_key,
    load_signing_key,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_keys_are_written_0600(tmp_path: Path) -> None:
    for make in (generate_recipient_keys, generate_signing_key):
        private, public = make(tmp_path / "keys", f"k-{make.__name__}")
        assert mode(private) == 0o600
        assert b"PRIVATE KEY" in private.read_bytes() and b"PUBLIC KEY" in public.read_bytes()


def test_a_private_key_others_can_read_is_refused(tmp_path: Path) -> None:
    private, _ = generate_recipient_keys(tmp_path, "ice")
    private.chmod(0o644)
    with pytest.raises(ConfigError, match=r"too open.*chmod 600"):
        load_recipient_private_key(private)


def test_an_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    private, _ = generate_recipient_keys(tmp_path, "ice")
    before = private.read_bytes()
    with pytest.raises(InputError, match="already exists"):
        generate_recipient_keys(tmp_path, "ice")
    assert private.read_bytes() == before


def test_keys_of_the_wrong_kind_are_refused(tmp_path: Path) -> None:
    recipient_key, recipient_pub = generate_recipient_keys(tmp_path, "ice")
    signing_key, _ = generate_signing_key(tmp_path, "irs")
    with pytest.raises(InputError, match="not an X25519 recipient private key"):
        load_recipient_private_key(signing_key)
    with pytest.raises(InputError, match="not an Ed25519 signing key"):
        load_signing_key(recipient_key)
    with pytest.raises(InputError, match="not an Ed25519 discloser public key"):
        load_discloser_public_key(recipient_pub)
    with pytest.raises(InputError, match="not a PEM public key"):
        load_recipient_public_key(signing_key)
    with pytest.raises(InputError, match="cannot read"):
        load_recipient_public_key(tmp_path / "missing.pub")


def test_the_ledgers_signing_key_signs_releases_with_the_same_key_id(tmp_path: Path) -> None:
    ledger = load_or_create(tmp_path / "ledger-keys")
    signing = load_signing_key(tmp_path / "ledger-keys" / "ledger-signing.key")
    assert key_id(signing.public_key()) == ledger.key_id
    published = load_discloser_public_key(tmp_path / "ledger-keys" / "ledger-signing.pub")
    assert key_id(published) == ledger.key_id
