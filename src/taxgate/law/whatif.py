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
from taxgate.intake.manifest import load_manifest
from taxgate.law.engine import LawDecisions, LawEngine
from taxgate.law.facts import AgencyFacts, RequestFacts, item_table
from taxgate.law.orders import Order, load_orders
from taxgate.law.timeline import in_effect
from taxgate.ledger import Ledger
from taxgate.ledger.batches import read_record
from taxgate.model import RELEASE, REVIEW, WITHHOLD, BatchRecord

UPSTREAM_PREFIXES = ("request.", "match.")
# request.basis is the statute's own refusal unless intake reported it as a finding, which the
# recorded rules show by naming the finding's forbid.
BASIS_FINDING_RULE = "finding-request-basis"
FALLBACK_DATA = ("address",)


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


def request_from_manifest(path: Path, record: BatchRecord) -> RequestFacts:
    """The request-level facts from the manifest the batch was decided from.

    Raises ``InputError`` when the file is gone, unreadable, or no longer the same request.
    """
    manifest = load_manifest(path)
    if manifest.id != record.request:
        raise InputError(path, f"now holds request {manifest.id!r}, not {record.request!r}")
    return RequestFacts.of(manifest)


def request_from_record(record: BatchRecord) -> RequestFacts:
    """The fallback: the batch record's recipient, purpose and basis, asking for addresses."""
    return RequestFacts(
        requester=record.recipient,
        purpose=record.terms.purpose,
        basis=canonical_basis(record.terms.basis),
        data=FALLBACK_DATA,
    )


def recorded_batch(record: BatchRecord, decisions: Sequence[Mapping[str, Any]]) -> RecordedBatch:
    """Rebuild a batch from its record and its decision entries (in log order)."""
    notes: list[str] = []
    try:
        if not str(record.manifest) or record.manifest == Path():
            raise InputError("release entry", "names no manifest")
        request = request_from_manifest(record.manifest, record)
        source = str(record.manifest)
    except InputError as exc:
        request, source = request_from_record(record), "the release entry"
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
    return RecordedBatch(
        batch=record.batch,
        as_of=record.as_of,
        request=request,
        request_source=source,
        items=item_table(rows),
        orders=record.orders,
        policy_hash=record.policy_sha256,
        notes=tuple(notes),
    )


def read_recorded_batch(ledger: Ledger, batch: str) -> RecordedBatch:
    """The batch ``batch`` from the ledger: its record and its item decisions."""
    release = ledger.recorded(batch, "", "release")
    if release is None:
        raise NotFoundError(
            f"--batch {batch!r}: no such file, and no batch with this id in the ledger at "
            f"{ledger.store.url} (batch ids are MANIFEST_ID@AS_OF, see summary.json)"
        )
    decisions = [entry for _, entry in ledger.entries_of("decision", batch)]
    return recorded_batch(read_record(-1, release), decisions)


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


# -- the two questions a person asks -----------------------------------------------------


@dataclass(frozen=True)
class WhatIfAnswer:
    """A what-if, with what it was asked of: the orders as they are and as supposed."""

    result: WhatIf
    as_of: date
    current: tuple[Order, ...]
    supposed: tuple[Order, ...]
    orders: Path | None  # the folder the orders came from; None: the built-in timeline
    recorded: RecordedBatch | None = None  # ledger mode: the batch as the ledger holds it

    @property
    def items(self) -> int:
        return int(self.result.before.items.num_rows)


def what_if_recorded(
    ledger: Ledger,
    batch: str,
    supposition: Supposition,
    *,
    as_of: date | None = None,
    orders: Path | None = None,
    agencies: Path | None = None,
) -> WhatIfAnswer:
    """Re-decide a batch recorded in ``ledger`` under its own orders (or ``orders``) and under
    the supposed ones, as of ``as_of`` (default: the batch's own date). Records nothing."""
    if not supposition:
        raise InputError("what-if", "nothing to suppose", hint="give --stay, --vacate or --add")
    recorded = read_recorded_batch(ledger, batch)
    day = as_of or recorded.as_of
    directory = orders or recorded.orders
    if directory is not None and not directory.is_dir():
        raise InputError(
            directory,
            f"the orders folder batch {batch} was decided under is gone",
            hint="give --orders DIR",
        )
    facts = AgencyFacts.load(agencies)
    current, changed = suppose(directory, facts, supposition, day)
    result = what_if(
        LawEngine(current, facts), LawEngine(changed, facts), recorded.request, recorded.items, day
    )
    return WhatIfAnswer(result, day, tuple(current), tuple(changed), directory, recorded)


def what_if_facts(
    path: Path,
    request: RequestFacts,
    supposition: Supposition,
    *,
    as_of: date | None,
    orders: Path | None = None,
    agencies: Path | None = None,
) -> WhatIfAnswer:
    """The same question of a CSV of item facts (``read_facts_csv``) for ``request``."""
    if not supposition:
        raise InputError("what-if", "nothing to suppose", hint="give --stay, --vacate or --add")
    if as_of is None:
        raise InputError("--as-of", "a CSV batch needs a decision date", hint="YYYY-MM-DD")
    facts = AgencyFacts.load(agencies)
    current, changed = suppose(orders, facts, supposition, as_of)
    items = read_facts_csv(path)
    result = what_if(LawEngine(current, facts), LawEngine(changed, facts), request, items, as_of)
    return WhatIfAnswer(result, as_of, tuple(current), tuple(changed), orders)
