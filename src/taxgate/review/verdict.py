"""An officer's verdict on a review case: through the law stage again, into the ledger, and
only then, when released, out as a one-row amendment to the batch's response.

A release verdict names the taxpayer the officer identified. The item's findings become what
the pipeline would have found had identity matched that taxpayer itself (intake's findings,
``match.address``, protection), and the law stage decides them as of the verdict's date with
the batch's orders folder: an order that arrived since the batch withholds the item whatever
the officer concluded. A withhold verdict needs no law: withholding is always lawful.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa

from taxgate import reasons
from taxgate.errors import ConflictError, InputError, OptionError
from taxgate.law import LawEngine, RequestFacts, item_table
from taxgate.ledger import Entry, Ledger
from taxgate.ledger.batches import disclosed
from taxgate.model import RELEASE, WITHHOLD, ReleaseTerms
from taxgate.release import RESPONSE_COLUMNS, response_rows, row_digest
from taxgate.release.response import write_csv
from taxgate.review.case import ReviewCase, open_case
from taxgate.review.findings import identity_findings
from taxgate.settings import Settings, load_settings

OFFICER_WITHHELD = "review.officer-withheld"  # the rule id of a withhold an officer decided


@dataclass(frozen=True)
class VerdictRequest:
    """What the officer decided, and on what date the law is to be applied."""

    outcome: str  # release | withhold
    officer: str
    reason: str  # the written reason, mandatory
    as_of: date
    tin: str = ""  # the chosen candidate; required to release


@dataclass(frozen=True)
class VerdictResult:
    outcome: str  # what was recorded: a release the law refused is recorded as withhold
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    rank: int | None  # the chosen candidate's rank
    amendment: Path | None  # the response amendment, written only for a release


def amendment_path(out: Path, item_id: str) -> Path:
    return out / f"response-amendment-{item_id}.csv"


def _check_writable(out: Path) -> None:
    """The amendment is written only once the ledger holds the verdict, and a verdict is
    final: a folder that cannot take the file must stop the verdict before it is recorded,
    or the accounting would list a disclosure whose response never existed."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".taxgate-probe-"):
            pass
    except OSError as exc:
        raise InputError(out, f"cannot write the response amendment there: {exc.strerror}") from exc


def check_request(verdict: VerdictRequest, queued: date | None = None) -> None:
    """Refuse an incomplete verdict; ``queued`` is the as-of date of the item's batch."""
    if verdict.outcome not in (RELEASE, WITHHOLD):
        raise OptionError("a verdict is --release or --withhold, exactly one of them")
    if not verdict.reason.strip():
        raise OptionError("a verdict needs a written reason: pass --reason TEXT")
    if not verdict.officer.strip():
        raise OptionError("a verdict names the officer who decided it: pass --officer NAME")
    if verdict.outcome == RELEASE and not verdict.tin.strip():
        raise OptionError("--release names the taxpayer identified: pass --tin with a candidate")
    if verdict.as_of > date.today():
        raise OptionError(
            f"--as-of {verdict.as_of} is in the future: a verdict applies the law "
            "in force when it is made"
        )
    if queued is not None and verdict.as_of < queued:
        # The law before the batch's date may have allowed what it did not: no backdating.
        raise OptionError(
            f"--as-of {verdict.as_of} is before the batch's own date {queued}: a verdict cannot "
            "be dated before the item was sent to review"
        )


def _law(
    case: ReviewCase,
    tin: str,
    as_of: date,
    agencies: Path | None,
    settings: Settings,
) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
    """(outcome, reasons, rules, policy hash) for the item matched to ``tin`` as of ``as_of``."""
    found, protected = identity_findings(case.world, case.item, tin, settings.identity)
    engine = LawEngine.load(case.orders, agencies)
    items = item_table([(case.item_id, [*case.intake_findings, *found], protected)])
    decided = engine.decide(RequestFacts.of(case.batch.manifest), items, as_of)
    row = decided.items.to_pylist()[0]
    return row["outcome"], tuple(row["reasons"]), tuple(row["rules"]), decided.policy_sha256


def _response_row(case: ReviewCase, tin: str, terms: ReleaseTerms) -> pa.Table:
    """The amendment's one row: the released taxpayer's last known address, permitted fields."""
    decision = pa.table({"item_id": [case.item_id], "outcome": [RELEASE], "tin": [tin]})
    return response_rows(case.world, decision, terms).select(list(RESPONSE_COLUMNS))


def decide_case(
    ledger: Ledger,
    case: ReviewCase,
    verdict: VerdictRequest,
    out: Path,
    *,
    agencies: Path | None = None,
    settings: Settings | None = None,
) -> VerdictResult:
    """Decide ``case`` as ``verdict`` says, record it, and write the amendment if released."""
    check_request(verdict, case.record.as_of)
    if verdict.outcome == RELEASE:
        _check_writable(out)
    chosen = settings or load_settings()
    candidate = case.candidate(verdict.tin) if verdict.tin else None
    terms = ReleaseTerms.of(case.batch.manifest)
    if verdict.outcome == RELEASE:
        outcome, found, rules, policy = _law(case, verdict.tin, verdict.as_of, agencies, chosen)
    else:
        # The officer could not (or would not) settle who the item names: the ambiguity stands.
        decision = case.decision
        outcome, found, rules = WITHHOLD, (reasons.MATCH_AMBIGUOUS,), (OFFICER_WITHHELD,)
        policy = str(decision.get("policy_hash", ""))
    released = outcome == RELEASE
    row = _response_row(case, verdict.tin, terms) if released else None
    digest = row_digest(row.to_pylist()[0]) if row is not None else ""
    entry = Entry(
        kind="verdict",
        batch=case.record.batch,
        item=case.item_id,
        outcome=outcome,
        reasons=found,
        rules=rules,
        policy_hash=policy,
        as_of=verdict.as_of,
        actor=verdict.officer.strip(),
        subject=ledger.subject(verdict.tin) if verdict.tin else "",
        match_bp=round(candidate.match_probability * 10_000) if candidate else None,
        digest=digest,
        details={
            "verdict": verdict.outcome,
            "reason": verdict.reason.strip(),
            "candidate_rank": candidate.rank if candidate else None,
            "candidates": len(case.candidates),
        },
        **(disclosed(terms) if released else {}),
    )
    ledger.append_batch([entry])
    recorded = ledger.recorded(entry.batch, entry.item, "verdict")
    mine = recorded is not None and (
        recorded.get("actor") == entry.actor
        and recorded.get("details") == dict(entry.details)
        and recorded.get("subject", "") == entry.subject
    )
    if not mine:
        raise ConflictError(
            f"another verdict on item {case.item_id} of batch {case.record.batch} was recorded "
            "meanwhile; nothing was released. See `taxgate review show`"
        )
    amendment = None
    if row is not None:  # only now, after the ledger holds the verdict (write-ahead)
        amendment = amendment_path(out, case.item_id)
        write_csv(row, amendment)
    return VerdictResult(outcome, found, rules, candidate.rank if candidate else None, amendment)


def give_verdict(
    ledger: Ledger,
    batch: str,
    item_id: str,
    verdict: VerdictRequest,
    out: Path,
    *,
    world: Path | None = None,
    manifest: Path | None = None,
    agencies: Path | None = None,
) -> VerdictResult:
    """An officer's verdict on a waiting item, from its batch and item ids."""
    check_request(verdict)  # before any world or model is opened
    case = open_case(ledger, batch, item_id, world=world, manifest=manifest, agencies=agencies)
    return decide_case(ledger, case, verdict, out, agencies=agencies)
