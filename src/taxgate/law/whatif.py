"""What if the orders had been different? Re-decide a batch under supposed orders.

A what-if asks a question and records nothing. Its batch is either a CSV of item facts or a
batch already decided and recorded in the ledger. From the ledger, each item's upstream
findings are rebuilt from its recorded reasons: Cedar reports every forbid an item satisfies,
so a withheld item's reasons hold every finding intake and identity made, and a released item
had none. Intake's and identity's codes (``request.*``, ``match.*``) are kept; the statute's
(``request.basis``, ``purpose.not-criminal``, ``recipient.safeguards``) and the orders' codes
are recomputed from the request, the agencies and the orders, since those are what a
supposition may change. ``taxpayer.protected`` becomes the item's protected flag.
"""

from __future__ import annotations

import csv
import dataclasses
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from taxgate import reasons
from taxgate.errors import InputError, NotFoundError
from taxgate.intake.agencies import canonical_basis
from taxgate.law.engine import RELEASE, REVIEW, WITHHOLD, LawDecisions, LawEngine
from taxgate.law.facts import AgencyFacts, RequestFacts, item_table
from taxgate.law.orders import Order, load_orders
from taxgate.law.timeline import in_effect
from taxgate.ledger import Ledger

UPSTREAM_PREFIXES = ("request.", "match.")
# request.basis is the statute's own refusal unless intake reported it as a finding, which the
# recorded rules show by naming the finding's forbid.
BASIS_FINDING_RULE = "finding-request-basis"
FALLBACK_DATA = ("address",)
BUILTIN = "built-in"


@dataclass(frozen=True)
class Supposition:
    """The changes to the orders a what-if supposes."""

    stay: tuple[str, ...] = ()
    vacate: tuple[str, ...] = ()
    add: tuple[Path, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.stay or self.vacate or self.add)

    def describe(self) -> str:
        parts = [f"stay {i}" for i in self.stay] + [f"vacate {i}" for i in self.vacate]
        return ", ".join(parts + [f"add {p}" for p in self.add])


def suppose(
    directory: Path | None, agencies: AgencyFacts, supposition: Supposition, as_of: date
) -> tuple[list[Order], list[Order]]:
    """The orders as they are in ``directory`` and as supposed, both checked.

    A supposed stay or vacatur takes effect on ``as_of`` and has no end date.
    """
    current = load_orders(directory, agencies)
    changed = load_orders(directory, agencies, extra=supposition.add) if supposition.add else []
    orders = changed or list(current)
    known = {order.id: order for order in orders}
    for option, kind, targets in (
        ("--stay", "stay-of-order", supposition.stay),
        ("--vacate", "vacatur", supposition.vacate),
    ):
        for target in dict.fromkeys(targets):
            if target not in known:
                raise InputError(option, f"no order has id {target!r}", hint="see orders list")
            base = known[target]
            orders.append(
                dataclasses.replace(
                    base,
                    id=f"what-if-{kind}-{target}",
                    kind=kind,
                    target=target,
                    issued=as_of,
                    effective=as_of,
                    expires=None,
                    exceptions=(),
                )
            )
    in_effect(orders, as_of)  # a supposed stay must not create a cycle
    return current, orders


# -- batches to replay -------------------------------------------------------------------


def read_facts_csv(path: Path) -> pa.Table:
    """A what-if batch CSV: ``item_id``, ``reasons`` (``;``-separated), ``protected``."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
            header = rows[0].keys() if rows else []
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot be read: {exc}") from exc
    if "item_id" not in header:
        raise InputError(
            path, "lacks the item_id column", hint="columns: item_id,reasons,protected"
        )
    batch = []
    for number, row in enumerate(rows, start=1):
        flag = (row.get("protected") or "").strip().lower()
        if flag not in ("", "true", "false", "1", "0"):
            raise InputError(path, f"{flag!r} is not true/false", row=number, field="protected")
        codes = [c.strip() for c in (row.get("reasons") or "").split(";") if c.strip()]
        batch.append((row["item_id"], codes, flag in ("true", "1")))
    return item_table(batch)


def upstream_findings(recorded: Iterable[str], rules: Iterable[str] = ()) -> tuple[list[str], bool]:
    """Intake's and identity's findings, and the protected flag, from a recorded reason set."""
    codes = set(recorded)
    keep_basis = BASIS_FINDING_RULE in set(rules)
    found = sorted(
        code
        for code in codes
        if code.startswith(UPSTREAM_PREFIXES) and (code != reasons.BASIS or keep_basis)
    )
    return found, reasons.PROTECTED in codes


@dataclass(frozen=True)
class RecordedBatch:
    """A decided batch as the ledger holds it, ready to decide again."""

    batch: str
    as_of: date
    request: RequestFacts
    request_source: str  # the manifest read, or "the release entry"
    items: pa.Table  # item_id, reasons (upstream findings), protected
    orders: Path | None  # the batch's orders folder; None: the built-in timeline
    policy_hash: str
    notes: tuple[str, ...]  # what could not be read as recorded, and what stood in for it


def request_from_manifest(path: Path, release: Mapping[str, Any]) -> RequestFacts:
    """The request-level facts from the manifest the batch was decided from.

    Raises ``InputError`` when the file is gone, unreadable, or no longer the same request.
    """
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot be read ({type(exc).__name__})") from exc
    expected = release.get("details", {}).get("request")
    if expected is not None and raw.get("id") != expected:
        raise InputError(path, f"now holds request {raw.get('id')!r}, not {expected!r}")
    data = raw.get("data", [])
    if not isinstance(data, list) or not all(isinstance(d, str) for d in data):
        raise InputError(path, "is not a list of categories", field="data")
    return RequestFacts(
        requester=str(raw.get("requester", "")).upper(),
        purpose=str(raw.get("purpose", "")),
        basis=canonical_basis(str(raw.get("basis", ""))),
        data=tuple(data),
        ex_parte_order=str(raw.get("ex_parte_order", "")),
    )


def request_from_release(release: Mapping[str, Any]) -> RequestFacts:
    """The fallback: the release entry's recipient, purpose and basis, asking for addresses."""
    return RequestFacts(
        requester=str(release.get("recipient", "")),
        purpose=str(release.get("purpose", "")),
        basis=canonical_basis(str(release.get("basis", ""))),
        data=FALLBACK_DATA,
    )


def recorded_batch(
    release: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]]
) -> RecordedBatch:
    """Rebuild a batch from its release entry and its decision entries (in log order)."""
    details = release.get("details", {})
    notes: list[str] = []
    manifest = details.get("manifest")
    try:
        if not manifest:
            raise InputError("release entry", "names no manifest")
        request, source = request_from_manifest(Path(manifest), release), str(manifest)
    except InputError as exc:
        request, source = request_from_release(release), "the release entry"
        notes.append(
            f"{exc}: using the release entry's recipient {request.requester}, purpose "
            f"{request.purpose}, basis {request.basis} and data {list(request.data)}"
        )
    rows = []
    rebuilt: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[list[str], bool]] = {}
    for entry in decisions:
        # A batch holds few distinct reason sets: rebuild each once.
        key = (tuple(entry.get("reasons", ())), tuple(entry.get("rules", ())))
        if key not in rebuilt:
            rebuilt[key] = upstream_findings(*key)
        rows.append((str(entry["item"]), *rebuilt[key]))
    orders = details.get("orders", BUILTIN)
    return RecordedBatch(
        batch=str(release["batch"]),
        as_of=date.fromisoformat(str(release["as_of"])),
        request=request,
        request_source=source,
        items=item_table(rows),
        orders=None if orders == BUILTIN else Path(orders),
        policy_hash=str(release.get("policy_hash", "")),
        notes=tuple(notes),
    )


def read_recorded_batch(ledger: Ledger, batch: str) -> RecordedBatch:
    """The batch ``batch`` from the ledger: its release entry and its item decisions."""
    release = ledger.recorded(batch, "", "release")
    if release is None:
        raise NotFoundError(
            f"--batch {batch!r}: no such file, and no batch with this id in the ledger at "
            f"{ledger.store.url} (batch ids are MANIFEST_ID@AS_OF, see summary.json)"
        )
    decisions = [entry for _, entry in ledger.entries_of("decision", batch)]
    return recorded_batch(release, decisions)


# -- the comparison ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    item_id: str
    before: tuple[str, tuple[str, ...]]  # outcome, reasons
    after: tuple[str, tuple[str, ...]]

    @property
    def outcome_changes(self) -> bool:
        return self.before[0] != self.after[0]


@dataclass(frozen=True)
class WhatIf:
    before: LawDecisions  # under the orders as they are
    after: LawDecisions  # under the supposed orders
    changes: tuple[Change, ...]  # outcome changes first, then reason-only changes

    def now(self, outcome: str) -> int:
        """How many items would now get ``outcome`` that did not before."""
        return sum(1 for c in self.changes if c.outcome_changes and c.after[0] == outcome)

    def counts(self) -> str:
        flips = sum(1 for c in self.changes if c.outcome_changes)
        return (
            f"would now release {self.now(RELEASE)}, would now withhold {self.now(WITHHOLD)}, "
            f"would now go to review {self.now(REVIEW)} ({flips} change outcome, "
            f"{len(self.changes) - flips} change reasons only)"
        )


def what_if(
    engine_before: LawEngine,
    engine_after: LawEngine,
    request: RequestFacts,
    items: pa.Table,
    as_of: date,
) -> WhatIf:
    """Decide ``items`` under both engines as of ``as_of`` and list what differs."""
    before = engine_before.decide(request, items, as_of)
    after = engine_after.decide(request, items, as_of)
    old, new = before.items, after.items
    outcome_differs = pc.not_equal(old["outcome"], new["outcome"])
    differs = pc.or_(outcome_differs, pc.not_equal(_reason_text(old), _reason_text(new)))
    changes: list[Change] = []
    # Outcome changes first, then reason-only changes, each group in batch order.
    for mask in (outcome_differs, pc.and_not(differs, outcome_differs)):
        was, now = old.filter(mask).to_pylist(), new.filter(mask).to_pylist()
        changes += [
            Change(
                o["item_id"],
                (o["outcome"], tuple(o["reasons"])),
                (n["outcome"], tuple(n["reasons"])),
            )
            for o, n in zip(was, now, strict=True)
        ]
    return WhatIf(before, after, tuple(changes))


def _reason_text(decisions: pa.Table) -> pa.ChunkedArray:
    return pc.fill_null(pc.binary_join(decisions["reasons"], ";"), "")
