"""Release: the requester's ``response.csv`` and the sealed copy for the recipient agency.

- ``build_response`` / ``write_response_csv``: provided or not-provided, only permitted fields,
  nothing about why (contracts.md §4);
- ``seal`` / ``open_sealed`` / ``read_header``: rows encrypted to the recipient's X25519 key,
  signed with the discloser's Ed25519 key, under a header naming purpose, basis, officers and
  expiry;
- ``keys``: the PEM key files both sides hold.
"""

from taxgate.errors import SealError
from taxgate.release.header import CIPHER_SUITE, SealHeader
from taxgate.release.response import (
    ADDRESS_FIELDS,
    RESPONSE_COLUMNS,
    build_response,
    last_known_addresses,
    write_response_csv,
)
from taxgate.release.seal import (
    ExpiredError,
    NotSealedError,
    NotYetValidError,
    TamperedSealError,
    UnsupportedVersionError,
    WrongKeyError,
    open_sealed,
    read_header,
    seal,
)

__all__ = [
    "ADDRESS_FIELDS",
    "CIPHER_SUITE",
    "RESPONSE_COLUMNS",
    "ExpiredError",
    "NotSealedError",
    "NotYetValidError",
    "SealError",
    "SealHeader",
    "TamperedSealError",
    "UnsupportedVersionError",
    "WrongKeyError",
    "build_response",
    "last_known_addresses",
    "open_sealed",
    "read_header",
    "seal",
    "write_response_csv",
]
