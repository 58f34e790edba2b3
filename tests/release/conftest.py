"""Release fixtures: key pairs on disk, a few released rows, a header."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from taxgate.release import SealHeader
from taxgate.release.keys import (
    generate_recipient_keys,
    generate_signing_key,
    load_recipient_private_key,
    load_signing_key,
)

EXPIRES = date(2026, 1, 31)
BEFORE_EXPIRY = date(2025, 12, 1)


@dataclass(frozen=True)
class Keys:
    recipient: X25519PrivateKey
    discloser: Ed25519PrivateKey
    recipient_key: Path
    recipient_pub: Path
    discloser_key: Path
    discloser_pub: Path

    @property
    def discloser_public(self) -> Ed25519PublicKey:
        return self.discloser.public_key()


def make_keys(directory: Path) -> Keys:
    recipient_key, recipient_pub = generate_recipient_keys(directory, "ice")
    discloser_key, discloser_pub = generate_signing_key(directory, "irs")
    return Keys(
        recipient=load_recipient_private_key(recipient_key),
        discloser=load_signing_key(discloser_key),
        recipient_key=recipient_key,
        recipient_pub=recipient_pub,
        discloser_key=discloser_key,
        discloser_pub=discloser_pub,
    )


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def other_keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("other-keys"))


def released_rows() -> pa.Table:
    """Provided rows as the decide pipeline hands them to ``seal`` (A-2: released, but no
    address on file)."""
    return pa.table(
        {
            "item_id": ["A-1", "A-2", "A-3"],
            "status": ["provided", "provided", "provided"],
            "street": ["12 Elm St", "", "4 Rue Café"],
            "unit": ["Apt 2", "", ""],
            "city": ["Springfield", "", "Boston"],
            "state": ["IL", "", "MA"],
            "zip": ["62701", "", "02108"],
        }
    )


def sealed_payload() -> pa.Table:
    """What a recipient opens from ``released_rows()``: item_id and the declared fields."""
    return released_rows().drop_columns(["status"])


def header(expires: date = EXPIRES) -> SealHeader:
    return SealHeader(
        batch_id="B-0001",
        request_id="ICE-2025-0806",
        discloser="IRS",
        recipient="ICE",
        purpose="criminal",
        basis="6103(i)(2)",
        statutory_authority="8 U.S.C. 1253(a)(1)",
        officers=("Special Agent A. Rivera", "Special Agent B. Chen"),
        fields=("street", "unit", "city", "state", "zip"),
        expires=expires,
        created="2025-11-30T12:00:00Z",
    )


def decided_items() -> pa.Table:
    """Three decided items: one released, one withheld, one for review."""
    return pa.table(
        {
            "item_id": ["A-1", "A-2", "A-3"],
            "outcome": ["release", "withhold", "review"],
            "tin": ["000110001", None, "000110002"],
            "fields": pa.array([["address"], [], []], pa.list_(pa.string())),
        }
    )


def address_book() -> pa.Table:
    return pa.table(
        {
            "tin": ["000110001", "000110002"],
            "street": ["12 Elm St", "7 Oak Ave"],
            "unit": ["Apt 2", ""],
            "city": ["Springfield", "Dayton"],
            "state": ["IL", "OH"],
            "zip": ["62701", "00501"],
        }
    )
