"""Plain typed values that stages pass to each other.

Bulk per-item data travels as Arrow tables (one row per item); what is per-batch travels as
these dataclasses. A stage reads another stage's output only through these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import pyarrow as pa

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
