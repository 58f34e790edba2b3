"""One review case: the item as requested, beside its candidate taxpayers and why each scored.

The item is read again through intake from the manifest the batch recorded, so the officer
sees exactly what the requester sent, and intake's findings are recomputed rather than
trusted from memory. The candidates and their per-comparison match weights come from
``identity.explain_item`` with the world's saved model.

Showing candidates is an inspection of return information. The officer is an employee of
the discloser whose official duty is to decide this very disclosure, which is inspection
§6103(h)(1) permits; ``show_case`` records each showing in the ledger before returning the
case (``review.inspection``), for every caller, the CLI and the service alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from taxgate.errors import ConflictError, NotFoundError, OptionError
from taxgate.identity import explain_item, model_is_current
from taxgate.intake import load_request
from taxgate.ledger import Ledger
from taxgate.model import ITEM_COLUMNS, BatchRecord, IntakeBatch
from taxgate.review.findings import Taxpayer, taxpayers
from taxgate.review.inspection import inspecting_officer, record_inspection
from taxgate.review.queue import waiting_item
from taxgate.settings import Settings, load_settings

CANDIDATES = 3


@dataclass(frozen=True)
class Candidate:
    rank: int  # 1 = the best
    taxpayer: Taxpayer
    match_weight: float  # bits, the total
    match_probability: float


@dataclass(frozen=True)
class ReviewCase:
    """Everything an officer needs to decide one waiting item."""

    record: BatchRecord
    decision: dict[str, Any]
    batch: IntakeBatch  # the request, re-read through intake
    item: pa.Table  # the item's row, raw item columns
    intake_findings: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    weights: pa.Table  # identity.explain's EXPLANATION_SCHEMA, top candidates
    world: Path
    orders: Path | None

    @property
    def item_id(self) -> str:
        return str(self.item["item_id"][0].as_py())

    def candidate(self, tin: str) -> Candidate:
        """The candidate with ``tin``, or a one-line error listing who may be chosen."""
        for candidate in self.candidates:
            if candidate.taxpayer.tin == tin:
                return candidate
        ranks = ", ".join(f"{c.rank}" for c in self.candidates) or "none"
        raise OptionError(
            f"TIN {tin!r} is not among the candidates shown for item {self.item_id} "
            f"(candidate ranks: {ranks}); see `taxgate review show {self.record.batch} "
            f"{self.item_id}`"
        )


def _existing(path: Path, what: str, batch: str, option: str = "") -> Path:
    if not path.exists():
        instead = f", or pass {option}" if option else ""
        raise NotFoundError(
            f"the {what} recorded for batch {batch}, {path}, is not there (paths are recorded "
            f"as given to `taxgate decide`: run from the folder it ran in{instead})"
        )
    return path


def _candidates(world: Path, weights: pa.Table) -> tuple[Candidate, ...]:
    totals = weights.filter(pc.equal(weights["comparison"], "total")).to_pylist()
    people = taxpayers(world, [row["tin"] for row in totals])
    found = []
    for row in totals:
        weight = float(row["match_weight"])
        found.append(
            Candidate(
                rank=int(row["rank"]),
                taxpayer=people.get(
                    row["tin"], Taxpayer(row["tin"], "(not in the world)", "", "", 0, False)
                ),
                match_weight=weight,
                match_probability=1 / (1 + 2 ** (-weight)),
            )
        )
    return tuple(found)


def open_case(
    ledger: Ledger,
    batch: str,
    item_id: str,
    *,
    world: Path | None = None,
    manifest: Path | None = None,
    agencies: Path | None = None,
    settings: Settings | None = None,
) -> ReviewCase:
    """The case of ``item_id`` in ``batch``; ``world`` and ``manifest`` replace the paths the
    batch recorded (when it ran elsewhere; the manifest must be the same request). The orders
    folder is always the batch's own: a verdict answers to the orders the batch did."""
    record, decision = waiting_item(ledger, batch, item_id)
    chosen_world = world or _existing(record.world, "world", batch, "--world")
    chosen_manifest = manifest or _existing(record.manifest, "manifest", batch, "--manifest")
    orders = _existing(record.orders, "orders folder", batch) if record.orders else None
    if not model_is_current(chosen_world):
        raise ConflictError(
            f"{chosen_world} has no identity model trained on it as it is now: it is not (or no "
            f"longer) the world batch {batch} was decided against; pass --world"
        )
    request = load_request(chosen_manifest, agencies=agencies, settings=settings or load_settings())
    if request.manifest.id != record.request:
        raise ConflictError(
            f"{chosen_manifest} is request {request.manifest.id!r}, but batch {batch} decided "
            f"request {record.request!r}; pass the manifest of that request with --manifest"
        )
    row = request.items.filter(pc.equal(request.items["item_id"], item_id))
    if row.num_rows != 1:
        raise ConflictError(
            f"item {item_id!r} is no longer in {request.manifest.items_path}: the request "
            "changed since the batch was decided"
        )
    item = row.select(list(ITEM_COLUMNS))
    weights = explain_item(
        chosen_world, item, item_id, candidates=CANDIDATES, source=str(chosen_manifest)
    )
    return ReviewCase(
        record=record,
        decision=decision,
        batch=request,
        item=item,
        intake_findings=tuple(row["reasons"][0].as_py() or ()),
        candidates=_candidates(chosen_world, weights),
        weights=weights,
        world=chosen_world,
        orders=orders,
    )


def show_case(
    ledger: Ledger,
    batch: str,
    item_id: str,
    officer: str,
    *,
    world: Path | None = None,
    manifest: Path | None = None,
    agencies: Path | None = None,
) -> ReviewCase:
    """The case, for ``officer`` to see: the showing is recorded in the ledger first."""
    inspecting_officer(officer)  # before any world or model is opened
    case = open_case(ledger, batch, item_id, world=world, manifest=manifest, agencies=agencies)
    shown = [candidate.taxpayer.tin for candidate in case.candidates]
    record_inspection(ledger, case.record.batch, case.item_id, shown, officer, "review show")
    return case
