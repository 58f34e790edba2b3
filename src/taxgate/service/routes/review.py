"""The review queue (``taxgate review list / show / decide``).

Showing a case is an inspection of return information: ``review.show_case`` records it in
the ledger under the signed-in officer's name before anything is returned, as the CLI does.
An officer may not see or decide the cases of a batch they started (``separation.cedar``);
the refusal comes before anything is read from the world or recorded.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from taxgate.ledger.batches import find_batch
from taxgate.review import (
    ReviewCase,
    VerdictRequest,
    explain_for_officer,
    give_verdict,
    pending,
    show_case,
)
from taxgate.service.authz import Resource
from taxgate.service.routes import api_router, page_router, validated
from taxgate.service.web import Caller, Signed, render

router = api_router()
pages = page_router()


class WaitingItem(BaseModel):
    batch: str
    item: str
    match_probability: float | None
    as_of: date


class Candidate(BaseModel):
    rank: int
    tin: str
    name: str
    date_of_birth: str
    last_address: str
    addresses_on_file: int
    protected: bool
    match_weight: float = Field(description="Bits, the total; positive favours a match.")
    match_probability: float


class Weight(BaseModel):
    rank: int
    tin: str
    comparison: str
    level: str
    item_value: str
    taxpayer_value: str
    match_weight: float


class Case(BaseModel):
    batch: str
    item: str
    decision: dict[str, Any] = Field(description="The item's decision entry as recorded.")
    requested: dict[str, str] = Field(description="The item as the requester sent it.")
    intake_findings: list[str]
    candidates: list[Candidate]
    weights: list[Weight] = Field(description="Per-comparison match weights (the waterfall).")


class VerdictBody(BaseModel):
    """``taxgate review decide``'s inputs; the officer is the signed-in user."""

    outcome: Literal["release", "withhold"]
    reason: str = Field(description="The written reason (mandatory).")
    tin: str = Field("", description="To release: the candidate taxpayer identified.")
    as_of: date | None = Field(None, description="Apply the law in force on this date (today).")


class Verdict(BaseModel):
    outcome: str = Field(description="What was recorded: a release the law refuses is withheld.")
    reasons: list[str]
    rules: list[str]
    rank: int | None
    amendment: str | None = Field(description="The response amendment written, if released.")


def _batch_resource(who: Caller, batch: str) -> Resource:
    record = find_batch(who.ledger, batch)
    return Resource.batch(record.batch, record.actor)


def _case(case: ReviewCase) -> Case:
    requested = case.item.to_pylist()[0]
    return Case(
        batch=case.record.batch,
        item=case.item_id,
        decision=case.decision,
        requested={k: "" if v is None else str(v) for k, v in requested.items()},
        intake_findings=list(case.intake_findings),
        candidates=[
            Candidate(
                rank=c.rank,
                tin=c.taxpayer.tin,
                name=c.taxpayer.name,
                date_of_birth=c.taxpayer.date_of_birth,
                last_address=c.taxpayer.last_address,
                addresses_on_file=c.taxpayer.addresses_on_file,
                protected=c.taxpayer.protected,
                match_weight=c.match_weight,
                match_probability=c.match_probability,
            )
            for c in case.candidates
        ],
        weights=[
            Weight.model_validate({k: "" if v is None else v for k, v in row.items()})
            for row in case.weights.to_pylist()
        ],
    )


def show(who: Caller, batch: str, item: str) -> Case:
    who.require("review.show", _batch_resource(who, batch))
    return _case(show_case(who.ledger, batch, item, who.user.name))


def verdict(who: Caller, batch: str, item: str, body: VerdictBody) -> Verdict:
    who.require("review.verdict", _batch_resource(who, batch))
    request = VerdictRequest(
        outcome=body.outcome,
        officer=who.user.name,
        reason=body.reason,
        as_of=body.as_of or date.today(),
        tin=body.tin.strip(),
    )
    # One folder per batch for its response amendments, named so any batch id is a safe name.
    folder = who.service.config.work / "amendments" / re.sub(r"[^\w@.-]", "_", batch)
    result = give_verdict(who.ledger, batch, item, request, folder)
    return Verdict(
        outcome=result.outcome,
        reasons=list(result.reasons),
        rules=list(result.rules),
        rank=result.rank,
        amendment=str(result.amendment) if result.amendment else None,
    )


class ExplainBody(BaseModel):
    """``taxgate identity explain``'s inputs; paths under the server's folder."""

    manifest: str = Field(description="The request manifest.")
    item: str = Field(description="The item id.")
    world: str = Field(description="The taxpayer master file (a world folder).")
    candidates: int = Field(3, ge=1, le=10, description="How many candidates to explain.")


@router.post("/identity/explain", response_model=list[Weight], tags=["review"])
def explain_api(body: ExplainBody, who: Signed) -> list[Weight]:
    """Why a sufficient item matched whom: per-comparison match weights of its best candidates
    (``taxgate identity explain``). Recorded in the ledger as an inspection by the officer."""
    who.require("identity.explain")
    config = who.service.config
    table = explain_for_officer(
        who.ledger,
        config.readable(body.manifest, "manifest"),
        body.item,
        config.readable(body.world, "world", folder=True),
        who.user.name,
        candidates=body.candidates,
    )
    return [
        Weight.model_validate({k: "" if v is None else v for k, v in row.items()})
        for row in table.to_pylist()
    ]


@router.get("/review", response_model=list[WaitingItem], tags=["review"])
def queue_api(who: Signed, batch: str | None = None) -> list[WaitingItem]:
    """Items waiting for an officer's verdict (``taxgate review list``)."""
    who.require("review.list")
    return who.service.answers.get(("review", batch), lambda: waiting(who, batch))


def waiting(who: Caller, batch: str | None) -> list[WaitingItem]:
    return [
        WaitingItem(
            batch=i.batch, item=i.item, match_probability=i.match_probability, as_of=i.as_of
        )
        for i in pending(who.ledger, batch)
    ]


@router.get("/review/{batch}/{item}", response_model=Case, tags=["review"])
def case_api(batch: str, item: str, who: Signed) -> Case:
    """A waiting item beside its candidate taxpayers and their match weights (``taxgate review
    show``). Recorded in the ledger as an inspection by the signed-in officer."""
    return show(who, batch, item)


@router.post("/review/{batch}/{item}/verdict", response_model=Verdict, tags=["review"])
def verdict_api(batch: str, item: str, body: VerdictBody, who: Signed) -> Verdict:
    """Release or withhold a waiting item with a written reason (``taxgate review decide``);
    a verdict is final."""
    return verdict(who, batch, item, body)


# -- console -----------------------------------------------------------------------------


@pages.get("/review")
def queue_page(request: Request, who: Signed, batch: str | None = None) -> Response:
    who.require("review.list")
    waiting = pending(who.ledger, batch)
    return render(request, "review.html", {"waiting": waiting, "batch": batch}, who=who)


@pages.get("/review/{batch}/{item}")
def case_page(request: Request, batch: str, item: str, who: Signed) -> Response:
    case = show(who, batch, item)
    top = max([abs(w.match_weight) for w in case.weights] + [1.0])
    context = {"case": case, "top": top, "today": date.today().isoformat()}
    return render(request, "case.html", context, who=who)


@pages.post("/review/{batch}/{item}/verdict")
def verdict_form(
    request: Request,
    batch: str,
    item: str,
    who: Signed,
    outcome: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    tin: Annotated[str, Form()] = "",
    as_of: Annotated[str, Form()] = "",
) -> Response:
    fields = {"outcome": outcome, "reason": reason, "tin": tin, "as_of": as_of or None}
    result = verdict(who, batch, item, validated(VerdictBody, fields))
    context = {"batch": batch, "item": item, "verdict": result, "asked": outcome}
    return render(request, "verdict.html", context, who=who)
