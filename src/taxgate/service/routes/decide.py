"""Deciding a request (``taxgate decide``) as a background job, and the decided batches.

``POST /api/decide`` checks what it can at once (paths under the server's folder, the date,
the settings file), then queues ``pipeline.decide`` with the signed-in officer as the batch's
actor; ``GET /api/jobs/{id}`` follows it. A batch's page reads the ledger only.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from taxgate.ledger import Ledger
from taxgate.ledger.batches import batch_records, find_batch
from taxgate.model import OUTCOMES, RELEASE, REVIEW, BatchRecord, DecideOptions
from taxgate.pipeline import decide
from taxgate.progress import Progress
from taxgate.reports.html import reason_table, score_bars
from taxgate.reports.scenario import Score
from taxgate.review import pending
from taxgate.service.jobs import Job
from taxgate.service.routes import api_router, page_router, validated
from taxgate.service.web import Caller, Signed, render
from taxgate.settings import load_settings

router = api_router()
pages = page_router()


class DecideRequest(BaseModel):
    """``taxgate decide``'s inputs; paths are files under the server's folder (``--root``)."""

    manifest: str = Field(description="The request manifest (request.toml).")
    world: str = Field(description="The taxpayer master file (a world folder).")
    as_of: date | None = Field(None, description="Decide under the law in force on this date.")
    orders: str | None = Field(None, description="Folder of order *.toml (default: built-in).")
    agencies: str | None = Field(None, description="Agency registry replacing the shipped one.")
    recipient_key: str | None = Field(None, description="Recipient's key: also seal a copy.")
    settings: str | None = Field(None, description="Settings file overriding defaults.")
    engine: Literal["duckdb", "spark"] = "duckdb"


class JobView(BaseModel):
    id: str
    kind: str
    owner: str
    state: str = Field(description="queued | running | done | failed")
    stage: str
    message: str
    percent: int
    params: dict[str, Any]
    result: dict[str, Any] | None = Field(
        description="When done: the batch id, summary.json's content and the output folder."
    )
    error: str = Field(description="When failed: the one line the CLI would print.")
    created: str
    updated: str


def _view(job: Job) -> JobView:
    return JobView(**job.to_dict())


def start_decide(who: Caller, body: DecideRequest) -> Job:
    """Check the request's inputs now, then queue the decide (``run_decide``)."""
    who.require("decide")
    config = who.service.config

    def given(path: Path | None) -> str | None:
        return str(path) if path else None

    settings = config.optional(body.settings, "settings")
    load_settings(settings)  # a broken settings file is the caller's mistake, now
    params = {
        "manifest": str(config.readable(body.manifest, "manifest")),
        "world": str(config.readable(body.world, "world", folder=True)),
        "as_of": (body.as_of or date.today()).isoformat(),
        "out": str(config.work / "decided" / uuid.uuid4().hex[:12]),
        "orders": given(config.optional(body.orders, "orders", folder=True)),
        "agencies": given(config.optional(body.agencies, "agencies")),
        "recipient_key": given(config.optional(body.recipient_key, "recipient_key")),
        "settings": given(settings),
        "engine": body.engine,
        "actor": who.user.name,
        "keys": str(config.key_dir),
    }
    return who.service.jobs.submit("decide", who.user.name, params)


def run_decide(params: dict[str, Any], store_url: str, progress: Progress) -> dict[str, Any]:
    """The job: ``pipeline.decide`` as ``taxgate decide`` runs it (in the job's process)."""

    def path(name: str) -> Path | None:
        return Path(params[name]) if params.get(name) else None

    options = DecideOptions(
        world=Path(params["world"]),
        as_of=date.fromisoformat(params["as_of"]),
        out=Path(params["out"]),
        orders=path("orders"),
        agencies=path("agencies"),
        store_url=store_url,
        key_dir=Path(params["keys"]),
        recipient_key=path("recipient_key"),
        settings=load_settings(path("settings")),
        engine=params["engine"],
        actor=params["actor"],
    )
    options.out.parent.mkdir(parents=True, exist_ok=True)
    result = decide(Path(params["manifest"]), options, progress)
    return {"batch": result.batch_id, "summary": result.summary, "out": str(options.out)}


@router.post("/decide", response_model=JobView, status_code=202, tags=["decide"])
def decide_api(body: DecideRequest, who: Signed) -> JobView:
    """Decide a request item by item, record every decision, then write the release
    (``taxgate decide``), as a background job: follow it at ``/api/jobs/{id}``."""
    return _view(start_decide(who, body))


@router.get("/jobs", response_model=list[JobView], tags=["decide"])
def jobs_api(who: Signed) -> list[JobView]:
    """The most recent jobs, newest first."""
    who.require("jobs.read")
    return [_view(job) for job in who.service.jobs.recent()]


@router.get("/jobs/{job_id}", response_model=JobView, tags=["decide"])
def job_api(job_id: str, who: Signed) -> JobView:
    """One job's state and progress; its result once done."""
    who.require("jobs.read")
    return _view(who.service.jobs.get(job_id))


# -- batches -----------------------------------------------------------------------------


class BatchInfo(BaseModel):
    batch: str
    request: str
    as_of: date
    recipient: str
    purpose: str
    basis: str
    fields: list[str]
    items: int
    provided: int
    orders_in_force: list[str]
    policy_sha256: str
    actor: str = Field(description="Who started the batch.")
    entry: int = Field(description="The index of the batch's release entry in the ledger.")
    recorded: str


class BatchDetail(BatchInfo):
    outcomes: dict[str, int] = Field(description="Items by outcome as decided.")
    reasons: dict[str, int] = Field(description="Items by reason code as decided.")
    verdicts: dict[str, int] = Field(description="Officers' verdicts by outcome.")
    waiting: int = Field(description="Items still waiting for an officer.")


def batch_info(record: BatchRecord) -> BatchInfo:
    return BatchInfo(
        batch=record.batch,
        request=record.request,
        as_of=record.as_of,
        recipient=record.recipient,
        purpose=record.terms.purpose,
        basis=record.terms.basis,
        fields=list(record.terms.fields),
        items=record.items,
        provided=record.provided,
        orders_in_force=list(record.orders_in_force),
        policy_sha256=record.policy_sha256,
        actor=record.actor,
        entry=record.index,
        recorded=record.recorded,
    )


@lru_cache(maxsize=256)
def _counts(ledger: Ledger, batch: str, entry: int) -> tuple[dict[str, int], dict[str, int]]:
    """Items by outcome and by reason. A batch's decisions are recorded with its release
    entry in one transaction and never change, so this is read once per (batch, entry)."""
    outcomes: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for _, doc in ledger.entries_of("decision", batch=batch):
        outcomes[str(doc.get("outcome", ""))] += 1
        found.update(doc.get("reasons", ()))
    return {name: outcomes.get(name, 0) for name in OUTCOMES}, dict(sorted(found.items()))


def batch_detail(ledger: Ledger, batch: str) -> BatchDetail:
    record = find_batch(ledger, batch)
    outcomes, found = _counts(ledger, record.batch, record.index)
    verdicts = Counter(str(doc.get("outcome")) for _, doc in ledger.entries_of("verdict", batch))
    waiting = len(pending(ledger, batch)) if outcomes.get(REVIEW) else 0
    return BatchDetail(
        **batch_info(record).model_dump(),
        outcomes=outcomes,
        reasons=found,
        verdicts=dict(sorted(verdicts.items())),
        waiting=waiting,
    )


@router.get("/batches", response_model=list[BatchInfo], tags=["batches"])
def batches_api(who: Signed) -> list[BatchInfo]:
    """Every decided batch, in the order their releases were recorded."""
    who.require("batches.read")
    return [batch_info(record) for record in batch_records(who.ledger)]


@router.get("/batches/{batch}", response_model=BatchDetail, tags=["batches"])
def batch_api(batch: str, who: Signed) -> BatchDetail:
    """One batch: its record, items by outcome and reason, verdicts, and what still waits."""
    who.require("batches.read")
    return who.service.answers.get(("batch", batch), lambda: batch_detail(who.ledger, batch))


class Decision(BaseModel):
    item: str
    outcome: str
    reasons: list[str]
    rules: list[str]
    match_probability: float | None
    entry: int


@router.get("/batches/{batch}/decisions", response_model=list[Decision], tags=["batches"])
def decisions_api(
    batch: str,
    who: Signed,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Decision]:
    """The batch's decisions as the ledger records them (subjects, never TINs)."""
    who.require("batches.read")
    return batch_decisions(who.ledger, batch, offset, limit)


def batch_decisions(ledger: Ledger, batch: str, offset: int, limit: int) -> list[Decision]:
    record = find_batch(ledger, batch)
    rows = ledger.entries_of("decision", batch=record.batch)[offset : offset + limit]
    return [
        Decision(
            item=str(doc.get("item", "")),
            outcome=str(doc.get("outcome", "")),
            reasons=list(doc.get("reasons", ())),
            rules=list(doc.get("rules", ())),
            match_probability=None if doc.get("match_bp") is None else doc["match_bp"] / 10_000,
            entry=index,
        )
        for index, doc in rows
    ]


# -- console -----------------------------------------------------------------------------


@pages.get("/")
def home(request: Request, who: Signed) -> Response:
    return render(request, "home.html", {}, who=who)


@pages.get("/decide")
def decide_page(request: Request, who: Signed) -> Response:
    who.require("decide")
    context = {"jobs": who.service.jobs.recent(20), "today": date.today().isoformat()}
    return render(request, "decide.html", context, who=who)


@pages.post("/decide")
def decide_form(
    who: Signed,
    manifest: Annotated[str, Form()],
    world: Annotated[str, Form()],
    as_of: Annotated[str, Form()] = "",
    orders: Annotated[str, Form()] = "",
) -> Response:
    fields = {
        "manifest": manifest,
        "world": world,
        "as_of": as_of or None,
        "orders": orders or None,
    }
    body = validated(DecideRequest, fields)
    job = start_decide(who, body)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@pages.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, who: Signed) -> Response:
    who.require("jobs.read")
    return render(request, "job.html", {"job": who.service.jobs.get(job_id)}, who=who)


@pages.get("/jobs/{job_id}/progress")
def job_progress(request: Request, job_id: str, who: Signed) -> Response:
    """The live part of a job's page, polled by htmx until the job ends."""
    who.require("jobs.read")
    return render(request, "job_progress.html", {"job": who.service.jobs.get(job_id)}, who=who)


@pages.get("/batches")
def batches_page(request: Request, who: Signed) -> Response:
    who.require("batches.read")
    records = list(reversed(batch_records(who.ledger)))
    return render(request, "batches.html", {"batches": records}, who=who)


def _charts(ledger: Ledger, detail: BatchDetail) -> tuple[str, str]:
    """The demo report's charts: this request's batches by date, released and in review."""
    siblings = [r for r in batch_records(ledger) if r.request == detail.request]
    scores = []
    for record in sorted({r.batch: r for r in siblings}.values(), key=lambda r: r.as_of):
        outcomes, found = _counts(ledger, record.batch, record.index)
        scores.append(
            Score(
                system="taxgate",
                as_of=record.as_of.isoformat(),
                items=record.items,
                released=outcomes.get(RELEASE, 0),
                unlawful=0,
                wrong_person=0,
                review=outcomes.get(REVIEW, 0),
                seconds=0.0,
                withheld_by_reason=found,
            )
        )
    charts = score_bars(scores, "released", "released") + score_bars(
        scores, "review", "sent to review"
    )
    return charts, reason_table(scores)


@pages.get("/batches/{batch}")
def batch_page(
    request: Request, batch: str, who: Signed, offset: Annotated[int, Query(ge=0)] = 0
) -> Response:
    who.require("batches.read")
    detail = who.service.answers.get(("batch", batch), lambda: batch_detail(who.ledger, batch))
    charts, reasons = _charts(who.ledger, detail)
    context = {
        "batch": detail,
        "charts": charts,
        "reason_table": reasons,
        "decisions": batch_decisions(who.ledger, batch, offset, 100),
        "offset": offset,
    }
    return render(request, "batch.html", context, who=who)
