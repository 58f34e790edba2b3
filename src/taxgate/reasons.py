"""Reason codes, contracts.md §4. Stable: add, never rename."""

from __future__ import annotations

from typing import Final

NO_NAME: Final = "request.no-name"
NO_ADDRESS: Final = "request.no-address"
NO_PERIOD: Final = "request.no-period"
NO_AUTHORITY: Final = "request.no-authority"
NO_REASON: Final = "request.no-reason"
NOT_SPECIFIC: Final = "request.not-specific"
SIGNER: Final = "request.signer"
CERTIFICATION: Final = "request.certification"
STATUTE: Final = "request.statute"
OFFICERS: Final = "request.officers"
BASIS: Final = "request.basis"
NOT_CRIMINAL: Final = "purpose.not-criminal"
MATCH_NONE: Final = "match.none"
MATCH_AMBIGUOUS: Final = "match.ambiguous"
MATCH_ADDRESS: Final = "match.address"
PROTECTED: Final = "taxpayer.protected"
SAFEGUARDS: Final = "recipient.safeguards"
ORDER_PREFIX: Final = "order."

ALL: Final[tuple[str, ...]] = (
    NO_NAME,
    NO_ADDRESS,
    NO_PERIOD,
    NO_AUTHORITY,
    NO_REASON,
    NOT_SPECIFIC,
    SIGNER,
    CERTIFICATION,
    STATUTE,
    OFFICERS,
    BASIS,
    NOT_CRIMINAL,
    MATCH_NONE,
    MATCH_AMBIGUOUS,
    MATCH_ADDRESS,
    PROTECTED,
    SAFEGUARDS,
)


def order(order_id: str) -> str:
    """The reason code for an item barred by court order ``order_id``."""
    return ORDER_PREFIX + order_id


def is_known(code: str) -> bool:
    return code in ALL or (code.startswith(ORDER_PREFIX) and len(code) > len(ORDER_PREFIX))
