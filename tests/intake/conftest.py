"""Fixtures: small requests written into tmp_path (no dependency on the world generator)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxgate.model import ITEM_COLUMNS, OPTIONAL_ITEM_COLUMNS

COLUMNS = ITEM_COLUMNS + OPTIONAL_ITEM_COLUMNS


# Words for reasons that state different facts per item: 7 x 11 x 13 combinations, so no
# fact pattern recurs on more than a few items of a test batch (see test_templates.py).
ACTS: tuple[str, ...] = ("signed", "cashed", "forged", "mailed", "endorsed", "deposited", "wired")
THINGS: tuple[str, ...] = (
    "checks",
    "invoices",
    "manifests",
    "ledgers",
    "receipts",
    "contracts",
    "vouchers",
)
THINGS += ("deeds", "titles", "bonds", "notes")
PLACES: tuple[str, ...] = (
    "Dayton",
    "Tulsa",
    "Fresno",
    "Akron",
    "Boise",
    "Macon",
    "Joliet",
    "Provo",
    "Salem",
)
PLACES += ("Tempe", "Ogden", "Yuma", "Butte")


def individual_reason(n: int) -> str:
    act, thing = ACTS[n % len(ACTS)], THINGS[n // len(ACTS) % len(THINGS)]
    place = PLACES[n // (len(ACTS) * len(THINGS)) % len(PLACES)]
    return f"Subject {act} {thing} at {place} after removal order A{n:06d}"


def good_item(n: int = 1, **changes: str) -> dict[str, str]:
    """A sufficient item for an 8 U.S.C. 1253(a)(1) request received 2025-08-06."""
    item = {
        "item_id": f"I-{n:05d}",
        "given_name": "Maria",
        "middle_name": "",
        "surname": f"Gonzalez{chr(65 + n % 26)}{chr(65 + n // 26 % 26)}",
        "date_of_birth": "1985-03-14",
        "tin": f"000{n:06d}",
        "street": f"{100 + n} Oak Street",
        "unit": "",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "taxable_periods": "2022;2023",
        "investigation_id": f"INV-{n:05d}",
        "reason": individual_reason(n),
        "officer": f"Officer {chr(65 + n % 26)}{chr(65 + n // 26 % 26)} Rivera",
        "removal_order_date": "2019-05-01",
        "removal_order_case": f"A{n:09d}",
    }
    item.update(changes)
    return item


MANIFEST = {
    "id": "ICE-2025-0806",
    "requester": "ICE",
    "received": "2025-08-06",
    "purpose": "criminal",
    "basis": "6103(i)(2)",
    "statutory_authority": "8 U.S.C. 1253(a)(1)",
    "data": ["address"],
    "certification": True,
    "ex_parte_order": "",
}
SIGNER = {"name": "Jane Roe", "title": "Director", "agency": "ICE"}


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[:4].isdigit():
        return value  # a TOML date
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def manifest_text(items: str, drop: tuple[str, ...] = (), **changes: Any) -> str:
    fields = {**MANIFEST, "items": items, **changes}
    signer = {**SIGNER, **changes.pop("signer", {})} if "signer" not in drop else None
    fields.pop("signer", None)
    lines = [f"{k} = {toml_value(v)}" for k, v in fields.items() if k not in drop]
    if signer is not None:
        lines.append("[signer]")
        lines += [f"{k} = {toml_value(v)}" for k, v in signer.items()]
    return "\n".join(lines) + "\n"


WriteRequest = Callable[..., Path]


@pytest.fixture
def write_request(tmp_path: Path) -> WriteRequest:
    """Write items (CSV or Parquet) and a manifest; return the manifest path."""

    def write(
        rows: list[dict[str, str]],
        *,
        fmt: str = "csv",
        columns: tuple[str, ...] = COLUMNS,
        drop: tuple[str, ...] = (),
        **manifest: Any,
    ) -> Path:
        items = tmp_path / f"items.{fmt}"
        if fmt == "csv":
            with items.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
        else:
            table = pa.table(
                {c: pa.array([r.get(c, "") for r in rows], pa.string()) for c in columns}
            )
            pq.write_table(table, items)
        path = tmp_path / "request.toml"
        path.write_text(manifest_text(items.name, drop=drop, **manifest), encoding="utf-8")
        return path

    return write
