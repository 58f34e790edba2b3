"""Release: the requester's ``response.csv`` and the sealed copy for the recipient agency.

- ``build_response`` / ``write_response_csv``: provided or not-provided, only permitted fields,
  nothing about why (contracts.md §4);
- ``seal`` / ``open_sealed`` / ``read_header``: rows encrypted to the recipient's X25519 key,
  signed with the discloser's Ed25519 key, under a header naming purpose, basis, officers and
  expiry;
- ``staging``: a batch's files staged until the ledger holds them, then published;
- ``manual``: ``release seal`` / ``release open`` by hand, with the same rules;
- ``keys``: the PEM key files both sides hold.
"""

from taxgate.errors import SealError
from taxgate.release.header import CIPHER_SUITE, SealHeader
from taxgate.release.response import (
    ADDRESS_FIELDS,
    RESPONSE_COLUMNS,
    build_response,
    last_known_addresses,
    row_digest,
    row_digests,
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
from taxgate.release.staging import (
    StagedBatch,
    batch_id,
    check_output_folder,
    response_rows,
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
    "StagedBatch",
    "TamperedSealError",
    "UnsupportedVersionError",
    "WrongKeyError",
    "batch_id",
    "build_response",
    "check_output_folder",
    "last_known_addresses",
    "open_sealed",
    "read_header",
    "response_rows",
    "row_digest",
    "row_digests",
    "seal",
    "write_response_csv",
]
