"""``remedies audit``: judge disclosures another system made, each as of its own date.

Each disclosure (``remedies.disclosures`` reads them) is judged the way taxgate would have
judged the request item behind it, on the day it went out:

1. **intake**'s item checks (``intake.checks``): a name, a *usable* address, taxable periods,
   a specific reason and, when the authority is given, the cited statute's elements. The
   request-level checks (signer, certification) need the request itself, which a list of
   disclosures is not: they are not judged. The batch screens (one reason or investigation
   on many items, one officer everywhere) are run over each recipient's disclosures and
   reported as evidence (``screens``), but not counted: a share measured among the
   disclosures is not the share in the request the screen is defined on. So the unlawful
   count is a lower bound, as in the demo's scoring (``reports.scenario``).
2. **identity** (``identity.identify``) for the items intake found sufficient, and only when the
   statute does not bar the request whole: looking anyone else up would itself be an
   inspection without a lawful purpose (§7213A). Every lookup is recorded in the ledger as an
   ``inspection`` entry (the same record ``review.inspection`` keeps) before any result is
   returned.
3. **law** (``LawEngine.decide``) as of the disclosure's date, with the orders in force then.

A disclosure is **unlawful** when the law would have refused it, or when identity found the
item named someone other than the taxpayer whose information went out (``audit.wrong-person``,
a finding of this audit, not a decision reason of contracts.md §4). It is **unsettled** when
the law would have sent it to a person (its only reason is ``match.ambiguous``): nobody can
say from the record whether it named the right taxpayer, so it is not counted in the floor.
The floor is 26 U.S.C. §7431(c)(1)(A)'s $1,000 per unauthorised disclosure.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from taxgate import reasons
from taxgate.duck import connect
from taxgate.identity import identify
from taxgate.intake.agencies import AgencyRegistry
from taxgate.intake.checks import (
    no_address,
    no_name,
    no_reason,
    reason_lists,
    removal_elements_missing,
    taxable_periods,
)
from taxgate.intake.columns import normalize_items
from taxgate.intake.screens import run_screens
from taxgate.law import AgencyFacts, LawEngine, RequestFacts, law_items, load_orders
from taxgate.ledger import Entry, Ledger
from taxgate.model import RELEASE, REVIEW, IntakeBatch, Manifest, ScreenFinding, Signer
from taxgate.remedies.disclosures import read_disclosures
from taxgate.review.inspection import INSPECTED, inspecting_officer
from taxgate.settings import Settings, load_settings
from taxgate.world.io import check_world

WRONG_PERSON: Final = "audit.wrong-person"
FLOOR_PER_DISCLOSURE_USD: Final = 1_000  # 26 U.S.C. §7431(c)(1)(A)
LAWFUL, UNLAWFUL, UNSETTLED = "lawful", "unlawful", "unsettled"
_GROUP = (
    "disclosed",
    "received",
    "recipient",
    "purpose",
    "basis",
    "data_key",
    "statutory_authority",
    "ex_parte_order",
)


# What ``_judge`` returns, for a list that holds no disclosure.
_NONE_JUDGED: Final = pa.table(
    {
        "item_id": pa.array([], pa.string()),
        "disclosed": pa.array([], pa.date32()),
        "verdict": pa.array([], pa.string()),
        "reasons": pa.array([], pa.list_(pa.string())),
        "no_usable_address": pa.array([], pa.bool_()),
        "wrong_person": pa.array([], pa.bool_()),
        "tin": pa.array([], pa.string()),
    }
)


@dataclass(frozen=True)
class AuditResult:
    source: Path
    audit: str  # the ledger batch under which the lookups were recorded
    disclosures: int
    lawful: int
    unlawful: int
    unsettled: int
    no_usable_address: int  # intake found no usable taxpayer address
    wrong_person: int  # identity named someone else than the taxpayer disclosed
    looked_up: int  # items identity looked up (each recorded as an inspection)
    by_reason: dict[str, int]  # over unlawful and unsettled disclosures; one may have several
    screens: tuple[tuple[str, ScreenFinding], ...]  # (recipient, finding), evidence only
    judged: pa.Table = field(repr=False)  # item_id, disclosed, verdict, reasons, tin

    @property
    def floor_usd(self) -> int:
        return FLOOR_PER_DISCLOSURE_USD * self.unlawful

    def to_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "audit": self.audit,
            "disclosures": self.disclosures,
            "lawful": self.lawful,
            "unlawful": self.unlawful,
            "unsettled": self.unsettled,
            "no_usable_address": self.no_usable_address,
            "wrong_person": self.wrong_person,
            "looked_up": self.looked_up,
            "by_reason": self.by_reason,
            "screens": [
                {"recipient": recipient, **asdict(finding)} for recipient, finding in self.screens
            ],
            "per_disclosure_usd": FLOOR_PER_DISCLOSURE_USD,
            "floor_usd": self.floor_usd,
        }


def _manifest(source: Path, group: dict[str, Any]) -> Manifest:
    """The request behind a group of disclosures, as far as the list says: what the item checks
    read (the authority and the date) and what the law reads (recipient, purpose, basis,
    data). Unknown request-level facts are not judged (see the module docstring)."""
    return Manifest(
        id=f"audit-{group['recipient']}-{group['disclosed'].isoformat()}",
        requester=group["recipient"],
        # Without a ``received`` column this is the disclosure's own date: the request came on
        # or before it, so measuring the removal order's age to it can only accept more.
        received=group["received"],
        purpose=group["purpose"],
        basis=group["basis"],
        statutory_authority=group["statutory_authority"],
        data=tuple(group["data_key"].split(";")),
        items_path=source,
        certification=True,
        ex_parte_order=group["ex_parte_order"],
        signer=Signer("", "", group["recipient"]),
        path=source,
    )


def _intake_reasons(items: pa.Table, manifest: Manifest, settings: Settings) -> pa.ListArray:
    """intake.checks' item-level masks for one group, as sorted reason lists."""
    _, missing_period = taxable_periods(items, manifest.received)
    masks = {
        reasons.NO_NAME: no_name(items),
        reasons.NO_ADDRESS: no_address(items),
        reasons.NO_PERIOD: missing_period,
        reasons.NO_REASON: no_reason(items),
        reasons.STATUTE: removal_elements_missing(items, manifest, settings.intake),
    }
    return reason_lists(masks, items.num_rows)


def audit_batch(source: Path) -> str:
    """The ledger batch under which an audit of ``source`` records its lookups."""
    return "AUDIT-" + hashlib.sha256(source.read_bytes()).hexdigest()[:16]


def _group_mask(table: pa.Table, group: dict[str, Any]) -> pa.ChunkedArray:
    mask = None
    for name in _GROUP:
        equal = pc.equal(table[name], pa.scalar(group[name], table.schema.field(name).type))
        mask = equal if mask is None else pc.and_(mask, equal)
    assert mask is not None
    return mask


def audit_disclosures(
    ledger: Ledger,
    disclosures: Path,
    world: Path,
    orders_dir: Path | None = None,
    *,
    agencies: Path | None = None,
    settings: Settings | None = None,
    auditor: str = "taxgate remedies audit",
    progress: Callable[[str], None] = lambda _message: None,
) -> AuditResult:
    """Judge every disclosure in ``disclosures`` against ``world`` and the orders."""
    chosen = settings or load_settings()
    who = inspecting_officer(auditor)
    facts = AgencyFacts.load(agencies)
    engine = LawEngine(load_orders(orders_dir, facts), facts)
    check_world(world)
    table = read_disclosures(
        disclosures, max_mb=chosen.intake.max_item_file_mb, registry=AgencyRegistry.load(agencies)
    )
    if table.num_rows == 0:
        return _summary(disclosures, audit_batch(disclosures), _NONE_JUDGED, 0, ())
    table = table.append_column("data_key", pc.binary_join(table["data"], ";"))
    table = normalize_items(table)
    groups = []
    for group in table.group_by(list(_GROUP)).aggregate([]).to_pylist():
        manifest = _manifest(disclosures, group)
        groups.append((group, manifest, RequestFacts.of(manifest), _group_mask(table, group)))

    progress(f"intake: {table.num_rows:,} disclosures in {len(groups):,} groups")
    # 1. intake, per group: its date bounds the taxable years and the statute's interval
    checked, lookup = [], []
    for group, manifest, request, mask in groups:
        items = table.filter(mask)
        found = _intake_reasons(items, manifest, chosen)
        checked.append(items.append_column("reasons", pa.chunked_array([found])))
        allowed = engine.statute_only().releases_flawless(request, group["disclosed"])
        lookup.append(pa.array(np.full(items.num_rows, allowed)))
    items = pa.concat_tables(checked)
    items = items.append_column("lookup", pa.chunked_array(lookup)).sort_by("row")

    # 2. identity, only for what the judgement needs; the lookups recorded before any result
    batch = IntakeBatch(groups[0][1], items.filter(items["lookup"]))
    progress("identity: looking up the sufficient items only")
    found = _with_matches(items, identify(world, batch, chosen, progress=progress))
    audit = audit_batch(disclosures)
    looked_up = _record_lookups(ledger, audit, found, who)

    # 3. the law, as of each disclosure's own date
    progress("law: as of each disclosure's date")
    law = law_items(world, found)
    decided = []
    for group, _, request, _ in groups:
        mask = _group_mask(items, group)
        outcome = engine.decide(request, law.filter(mask), group["disclosed"])
        decided.append(outcome.items.append_column("row", pc.filter(items["row"], mask)))
    verdicts = _judge(items, found, pa.concat_tables(decided).sort_by("row"))
    screens = tuple(
        (recipient, finding)
        for recipient in sorted(pc.unique(table["recipient"]).to_pylist())
        for finding in run_screens(
            table.filter(pc.equal(table["recipient"], recipient)), chosen.intake
        )[0]
    )
    return _summary(disclosures, audit, verdicts, looked_up, screens)


def _with_matches(items: pa.Table, matches: pa.Table) -> pa.Table:
    """Every disclosure in input order with intake's findings and identity's (null where not
    looked up): the columns ``law.law_items`` reads."""
    con = connect()
    try:
        con.register("items", items.select(["item_id", "row", "reasons"]))
        con.register("matches", matches.select(["item_id", "identity", "tin"]))
        return con.sql(
            """
            SELECT i.item_id, i.row, i.reasons AS intake, m.identity, m.tin
            FROM items i LEFT JOIN matches m USING (item_id)
            ORDER BY i.row
            """
        ).to_arrow_table()
    finally:
        con.close()


def _record_lookups(ledger: Ledger, batch: str, found: pa.Table, who: str) -> int:
    """One ``inspection`` entry per item identity looked up, all in one append."""
    looked = found.filter(pc.is_valid(found["identity"]))
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    entries = (
        Entry(
            kind="inspection",
            batch=batch,
            item=f"{item_id}@{moment}",
            outcome=INSPECTED,
            actor=who,
            details={
                "item": item_id,
                "by": "remedies audit",
                "shown": [ledger.subject(tin)] if tin else [],
            },
        )
        for item_id, tin in zip(
            looked["item_id"].to_pylist(), looked["tin"].to_pylist(), strict=True
        )
    )
    if looked.num_rows:
        ledger.append_batch(entries)
    return int(looked.num_rows)


def _judge(items: pa.Table, found: pa.Table, decided: pa.Table) -> pa.Table:
    """Per disclosure: verdict, reasons (the law's, plus a wrong person), in input order."""
    facts = pa.table(
        {
            "row": items["row"],
            "item_id": items["item_id"],
            "disclosed": items["disclosed"],
            "disclosed_tin": items["disclosed_tin"],
            "intake": items["reasons"],
            "tin": found["tin"],
            "outcome": decided["outcome"],
            "law": decided["reasons"],
        }
    )
    con = connect()
    try:
        con.register("facts", facts)
        return con.sql(
            f"""
            WITH marked AS (
                SELECT *, coalesce(tin <> '' AND disclosed_tin <> '' AND tin <> disclosed_tin,
                                   false) AS wrong_person
                FROM facts
            )
            SELECT item_id, disclosed,
                CASE WHEN wrong_person OR outcome NOT IN ('{RELEASE}', '{REVIEW}')
                        THEN '{UNLAWFUL}'
                     WHEN outcome = '{REVIEW}' THEN '{UNSETTLED}'
                     ELSE '{LAWFUL}' END AS verdict,
                list_sort(list_concat(law, CASE WHEN wrong_person THEN ['{WRONG_PERSON}']
                                                ELSE []::VARCHAR[] END)) AS reasons,
                list_contains(intake, '{reasons.NO_ADDRESS}') AS no_usable_address,
                wrong_person,
                tin
            FROM marked ORDER BY row
            """
        ).to_arrow_table()
    finally:
        con.close()


def _summary(
    source: Path,
    batch: str,
    judged: pa.Table,
    looked_up: int,
    screens: tuple[tuple[str, ScreenFinding], ...],
) -> AuditResult:
    verdicts = Counter(judged["verdict"].to_pylist())
    refused = judged.filter(pc.not_equal(judged["verdict"], LAWFUL))
    by_reason = Counter(pc.list_flatten(refused["reasons"]).to_pylist())
    return AuditResult(
        source=source,
        audit=batch,
        disclosures=judged.num_rows,
        lawful=verdicts[LAWFUL],
        unlawful=verdicts[UNLAWFUL],
        unsettled=verdicts[UNSETTLED],
        no_usable_address=int(pc.sum(judged["no_usable_address"]).as_py() or 0),
        wrong_person=int(pc.sum(judged["wrong_person"]).as_py() or 0),
        looked_up=looked_up,
        by_reason=dict(sorted(by_reason.items())),
        screens=screens,
        judged=judged,
    )
