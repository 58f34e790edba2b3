"""A sealed release opens only for its recipient, only unaltered, only until it expires."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxgate.errors import TaxgateError
from taxgate.release import (
    CIPHER_SUITE,
    ExpiredError,
    NotSealedError,
    NotYetValidError,
    SealError,
    SealHeader,
    TamperedSealError,
    UnsupportedVersionError,
    WrongKeyError,
    open_sealed,
    read_header,
    seal,
)
from taxgate.release.keys import key_id

from .conftest import BEFORE_EXPIRY, EXPIRES, Keys, header, released_rows, sealed_payload


@pytest.fixture(scope="module")
def sealed(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("sealed") / "release.sealed"
    seal(released_rows(), header(), keys.recipient.public_key(), keys.discloser, out)
    return out.read_bytes()


def open_bytes(
    data: bytes, path: Path, keys: Keys, today: date = BEFORE_EXPIRY
) -> tuple[SealHeader, pa.Table]:
    path.write_bytes(data)
    return open_sealed(path, keys.recipient, keys.discloser_public, today)


def test_round_trip_gives_back_the_rows_and_the_header(keys: Keys, tmp_path: Path) -> None:
    out = tmp_path / "r.sealed"
    sealed_header = seal(
        released_rows(), header(), keys.recipient.public_key(), keys.discloser, out
    )
    opened, rows = open_sealed(out, keys.recipient, keys.discloser_public, BEFORE_EXPIRY)
    assert rows.equals(sealed_payload())
    assert rows.column("zip").to_pylist() == ["62701", "", "02108"]  # leading zero kept
    assert opened == sealed_header
    assert opened.row_count == 3 and opened.cipher_suite == CIPHER_SUITE
    assert opened.recipient_key_id == key_id(keys.recipient.public_key())
    assert opened.discloser_key_id == key_id(keys.discloser_public)
    assert opened.officers == ("Special Agent A. Rivera", "Special Agent B. Chen")
    assert (opened.purpose, opened.basis, opened.expires) == ("criminal", "6103(i)(2)", EXPIRES)


def test_the_rows_are_not_readable_in_the_file_but_the_header_is(sealed: bytes) -> None:
    assert b"Springfield" not in sealed and b"62701" not in sealed and b"A-1" not in sealed
    assert b'"purpose":"criminal"' in sealed and b"Special Agent A. Rivera" in sealed


def test_two_seals_of_the_same_rows_differ(keys: Keys, tmp_path: Path, sealed: bytes) -> None:
    out = tmp_path / "again.sealed"
    seal(released_rows(), header(), keys.recipient.public_key(), keys.discloser, out)
    assert out.read_bytes() != sealed  # fresh ephemeral key and nonce every time


def test_read_header_verifies_without_the_recipient_key(
    sealed: bytes, keys: Keys, other_keys: Keys, tmp_path: Path
) -> None:
    path = tmp_path / "r.sealed"
    path.write_bytes(sealed)
    assert read_header(path, keys.discloser_public).request_id == "ICE-2025-0806"
    with pytest.raises(WrongKeyError, match="discloser key"):
        read_header(path, other_keys.discloser_public)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_flipped_byte_is_refused(
    sealed: bytes, keys: Keys, tmp_path: Path, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(sealed) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="xor")
    altered = bytearray(sealed)
    altered[position] ^= mask
    with pytest.raises(SealError) as refused:
        open_bytes(bytes(altered), tmp_path / "flipped.sealed", keys)
    assert "\n" not in str(refused.value)


def test_each_part_flipped_names_what_failed(sealed: bytes, keys: Keys, tmp_path: Path) -> None:
    header_len = struct.unpack_from(">I", sealed, 9)[0]
    cases = {
        0: (NotSealedError, "not a taxgate sealed file"),
        8: (UnsupportedVersionError, "version"),
        13 + header_len // 2: (TamperedSealError, "header"),
        13 + header_len + 8 + 5: (TamperedSealError, "payload does not match"),
        len(sealed) - 1: (TamperedSealError, "signature does not verify"),
    }
    for position, (error, words) in cases.items():
        altered = bytearray(sealed)
        altered[position] ^= 0x01
        with pytest.raises(error, match=words):
            open_bytes(bytes(altered), tmp_path / "x.sealed", keys)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_truncated_or_extended_file_is_refused(
    sealed: bytes, keys: Keys, tmp_path: Path, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(sealed) - 1), label="length")
    with pytest.raises(SealError):
        open_bytes(sealed[:cut], tmp_path / "cut.sealed", keys)
    with pytest.raises(TamperedSealError, match="lengths add up"):
        open_bytes(sealed + sealed[: cut + 1], tmp_path / "long.sealed", keys)


def test_an_empty_or_foreign_file_is_not_a_sealed_file(keys: Keys, tmp_path: Path) -> None:
    for content in (b"", b"item_id,status\nA-1,provided\n"):
        with pytest.raises(NotSealedError, match="not a taxgate sealed file"):
            open_bytes(content, tmp_path / "foreign.sealed", keys)


def test_wrong_recipient_key_is_refused(
    sealed: bytes, keys: Keys, other_keys: Keys, tmp_path: Path
) -> None:
    path = tmp_path / "r.sealed"
    path.write_bytes(sealed)
    with pytest.raises(WrongKeyError, match="sealed to recipient key"):
        open_sealed(path, other_keys.recipient, keys.discloser_public, BEFORE_EXPIRY)


def test_wrong_discloser_key_is_refused(
    sealed: bytes, keys: Keys, other_keys: Keys, tmp_path: Path
) -> None:
    path = tmp_path / "r.sealed"
    path.write_bytes(sealed)
    with pytest.raises(WrongKeyError, match="does not verify with discloser key"):
        open_sealed(path, keys.recipient, other_keys.discloser_public, BEFORE_EXPIRY)


def test_usable_through_the_expiry_date_refused_after(
    sealed: bytes, keys: Keys, tmp_path: Path
) -> None:
    _, rows = open_bytes(sealed, tmp_path / "r.sealed", keys, today=EXPIRES)
    assert rows.num_rows == 3
    with pytest.raises(ExpiredError, match="expired on 2026-01-31 \\(today is 2026-02-01\\)"):
        open_bytes(sealed, tmp_path / "r.sealed", keys, today=EXPIRES + timedelta(days=1))


def test_a_date_before_creation_is_refused_so_expiry_cannot_be_dodged(
    sealed: bytes, keys: Keys, tmp_path: Path
) -> None:
    # created 2025-11-30T12:00:00Z; the day before is still that instant somewhere on earth.
    _, rows = open_bytes(sealed, tmp_path / "r.sealed", keys, today=date(2025, 11, 29))
    assert rows.num_rows == 3
    for backdated in (date(2025, 11, 28), date(2020, 1, 1)):
        with pytest.raises(NotYetValidError, match="before it was created"):
            open_bytes(sealed, tmp_path / "r.sealed", keys, today=backdated)


def test_signature_is_checked_before_expiry(sealed: bytes, keys: Keys, tmp_path: Path) -> None:
    altered = bytearray(sealed)
    altered[-1] ^= 0x80
    with pytest.raises(TamperedSealError):
        open_bytes(bytes(altered), tmp_path / "r.sealed", keys, today=date(2030, 1, 1))


def _with_header(sealed: bytes, edit: Mapping[str, object]) -> tuple[bytes, bytes]:
    """The file with its header rewritten (lengths fixed up), and the part a signature covers."""
    header_len = struct.unpack_from(">I", sealed, 9)[0]
    doc = json.loads(sealed[13 : 13 + header_len])
    doc.update(edit)
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    body = sealed[:9] + struct.pack(">I", len(raw)) + raw + sealed[13 + header_len : -64]
    return body + sealed[-64:], body


def test_an_edited_header_is_detected(sealed: bytes, keys: Keys, tmp_path: Path) -> None:
    for edit in ({"expires": "2099-12-31"}, {"purpose": "civil"}, {"officers": ["X"]}):
        forged, _ = _with_header(sealed, edit)
        with pytest.raises(TamperedSealError, match="signature does not verify"):
            open_bytes(forged, tmp_path / "forged.sealed", keys)


def test_a_header_edited_and_re_signed_by_someone_else_is_refused(
    sealed: bytes, keys: Keys, other_keys: Keys, tmp_path: Path
) -> None:
    forged_id = key_id(other_keys.discloser_public)
    _, body = _with_header(sealed, {"expires": "2099-12-31", "discloser_key_id": forged_id})
    forged = body + other_keys.discloser.sign(body)
    with pytest.raises(WrongKeyError, match="wrong discloser key"):
        open_bytes(forged, tmp_path / "forged.sealed", keys)


def test_the_header_is_bound_to_the_ciphertext(keys: Keys, tmp_path: Path) -> None:
    """Even the discloser cannot reuse a ciphertext under a different header: the AEAD's
    associated data is the header."""
    out = tmp_path / "r.sealed"
    seal(released_rows(), header(), keys.recipient.public_key(), keys.discloser, out)
    _, body = _with_header(out.read_bytes(), {"purpose": "civil"})
    with pytest.raises(TamperedSealError, match="does not decrypt"):
        open_bytes(body + keys.discloser.sign(body), out, keys)


def test_errors_are_taxgate_errors_naming_the_file(
    sealed: bytes, keys: Keys, tmp_path: Path
) -> None:
    path = tmp_path / "named.sealed"
    with pytest.raises(TaxgateError) as refused:
        open_bytes(sealed[:100], path, keys)
    assert str(refused.value).startswith(f"{path}: ")


def test_a_release_cannot_be_sealed_already_expired(keys: Keys, tmp_path: Path) -> None:
    stale = header(expires=date(2025, 11, 29))  # created 2025-11-30
    with pytest.raises(SealError, match="before it is created"):
        seal(released_rows(), stale, keys.recipient.public_key(), keys.discloser, tmp_path / "x")
    assert not (tmp_path / "x").exists()
