"""Plain typed values that stages pass to each other.

Bulk per-item data travels as Arrow tables (one row per item); what is per-batch travels as
these dataclasses. A stage reads another stage's output only through these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Final, Literal

import pyarrow as pa

from taxgate.settings import Settings

# The three outcomes of contracts.md §4: one spelling everywhere.
Outcome = Literal["release", "withhold", "review"]
RELEASE: Final = "release"
WITHHOLD: Final = "withhold"
REVIEW: Final = "review"
OUTCOMES: tuple[Outcome, ...] = (RELEASE, WITHHOLD, REVIEW)
DISCLOSER: Final = "IRS"

Purpose = Literal["criminal", "civil", "tax", "other"]
PURPOSES: tuple[Purpose, ...] = ("criminal", "civil", "tax", "other")
DataCategory = Literal["address", "income", "identity", "filing"]
DATA_CATEGORIES: tuple[DataCategory, ...] = ("address", "income", "identity", "filing")

# The item columns that say who the taxpayer is and where: what identity resolution reads.
ITEM_PERSON_COLUMNS: tuple[str, ...] = (
    "item_id",
    "given_name",
    "middle_name",
    "surname",
    "date_of_birth",
    "tin",
    "street",
    "unit",
    "city",
    "state",
    "zip",
)
# Columns every item file must have (contracts.md §2); any may be empty in a given row.
ITEM_COLUMNS: tuple[str, ...] = (
    *ITEM_PERSON_COLUMNS,
    "taxable_periods",
    "investigation_id",
    "reason",
)
OPTIONAL_ITEM_COLUMNS: tuple[str, ...] = ("officer", "removal_order_date", "removal_order_case")


@dataclass(frozen=True)
class Signer:
    name: str
    title: str
    agency: str


@dataclass(frozen=True)
class Manifest:
    """A request's manifest (contracts.md §2), validated."""

    id: str
    requester: str
    received: date
    purpose: Purpose
    basis: str
    statutory_authority: str
    data: tuple[DataCategory, ...]
    items_path: Path
    certification: bool
    ex_parte_order: str
    signer: Signer
    path: Path


@dataclass(frozen=True)
class ScreenFinding:
    """Evidence for a batch-level screen (request.not-specific, request.officers).

    Recorded whole so a reviewer or court can see what was repeated and how often.
    """

    code: str
    field: str
    value: str
    items: int
    share: float
    threshold: float
    distinct_investigations: int | None = None


@dataclass(frozen=True)
class IntakeBatch:
    """A request after intake: the manifest, one row per item, and batch-level evidence.

    ``items`` holds the item columns as given, the normalised columns, and ``reasons``
    (list<string>, sorted): the intake reason codes for that item, empty when sufficient.
    """

    manifest: Manifest
    items: pa.Table
    screens: tuple[ScreenFinding, ...] = field(default=())

    @property
    def size(self) -> int:
        return int(self.items.num_rows)


@dataclass(frozen=True)
class ReleaseTerms:
    """What a disclosure from a request is bound to: its recipient, purpose, basis and the
    categories of data it carries. One value per request; every released item and the
    batch's release record carry it, so an accounting line always says the same as the
    release it belongs to."""

    recipient: str
    purpose: str
    basis: str
    fields: tuple[str, ...]

    @classmethod
    def of(cls, manifest: Manifest) -> ReleaseTerms:
        # The law stage has already refused any category the basis does not reach
        # (request.basis); a release carries the address columns only, so identity and filing
        # answers are the provided/not-provided status itself.
        fields = ("address",) if "address" in manifest.data else ()
        return cls(manifest.requester, manifest.purpose, manifest.basis, fields)


@dataclass(frozen=True)
class DecideOptions:
    """Everything a ``decide`` run needs besides the manifest; defaults come from settings."""

    world: Path
    as_of: date
    out: Path
    orders: Path | None = None  # None: the built-in 2025–2026 timeline
    agencies: Path | None = None  # None: the shipped agency registry
    store_url: str | None = None  # None: $TAXGATE_STORE, else ./.taxgate/taxgate.db
    key_dir: Path | None = None  # None: $TAXGATE_KEY_DIR, else ./.taxgate/keys
    recipient_key: Path | None = None  # the recipient's X25519 public key, to seal a copy
    settings: Settings | None = None
    engine: str = "duckdb"
    actor: str = "taxgate"


@dataclass(frozen=True)
class BatchRecord:
    """A decided batch as its ledger ``release`` entry records it.

    Written once by the ledger when the batch is recorded (``ledger.batches``) and read back
    from there by every later reader: review, what-if, remedies, reports. Enough to reopen
    the batch's inputs and to say what left the agency, to whom, under which law.
    """

    batch: str  # REQUEST@AS-OF
    request: str
    as_of: date
    terms: ReleaseTerms
    items: int
    provided: int
    response_sha256: str  # the response file as published
    decisions_sha256: str  # decisions.csv as published
    policy_sha256: str  # the exact Cedar policy text the law stage decided with
    settings_sha256: str  # the thresholds in force (settings.toml after overrides)
    orders_in_force: tuple[str, ...]
    manifest: Path
    world: Path
    orders: Path | None  # None: the built-in timeline
    actor: str = "taxgate"
    sealed_sha256: str = ""  # the recipient's sealed copy, when one was made
    index: int = -1  # the release entry's place in the log, once recorded
    recorded: str = ""  # when the release entry was recorded (ISO 8601), once recorded

    @property
    def recipient(self) -> str:
        return self.terms.recipient
