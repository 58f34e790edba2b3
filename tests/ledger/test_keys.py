"""Key files: created once, 0600, refused when readable by others; the subject hash."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest

from taxgate.errors import ConfigError
from taxgate.ledger import keys


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_are_created_on_first_use_with_owner_only_permissions(tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"
    first = keys.load_or_create(key_dir)
    assert mode(key_dir / keys.SIGNING_KEY) == 0o600
    assert mode(key_dir / keys.SUBJECT_KEY) == 0o600
    assert mode(key_dir) == 0o700
    again = keys.load_or_create(key_dir)
    assert again.key_id == first.key_id  # the same key, not a new one
    assert keys.load_public_key((key_dir / keys.PUBLIC_KEY).read_bytes()) is not None


def test_a_signing_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    keys.load_or_create(tmp_path)
    (tmp_path / keys.SIGNING_KEY).chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        keys.load_or_create(tmp_path)


def test_subject_is_a_keyed_hash_not_the_tin(tmp_path: Path) -> None:
    ours = keys.load_or_create(tmp_path / "a")
    theirs = keys.load_or_create(tmp_path / "b")
    subject = ours.subject("000123456")
    assert subject == ours.subject("000-12-3456")
    assert "000123456" not in subject and len(subject) == 64
    # Keyed: without our secret, nobody can test a guessed TIN against the log.
    assert theirs.subject("000123456") != subject
    # HMAC-SHA256 of the digits under the subject secret, as RFC 2104 defines it.
    secret = bytes.fromhex((tmp_path / "a" / keys.SUBJECT_KEY).read_text().strip())
    assert subject == hmac.new(secret, b"000123456", hashlib.sha256).hexdigest()
