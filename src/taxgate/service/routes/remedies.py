"""Remedies (``taxgate remedies scan / status / ack / audit``): notices and their states.

A custodian sees and acknowledges only the notices addressed to their own agency: each
notice is authorised on its own (``notices.read`` / ``notices.ack`` on the recipient agency),
and the acknowledgement is recorded under the signed-in custodian's name. An audit of
another system's disclosures looks taxpayers up, so it runs as a background job.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from taxgate.errors import NotFoundError
from taxgate.ledger import Ledger
from taxgate.progress import Progress
from taxgate.remedies import NoticeStatus, acknowledge, audit_disclosures, notice_status, scan
from taxgate.service.authz import Resource
from taxgate.service.routes import api_router, page_router, validated
from taxgate.service.routes.decide import JobView
from taxgate.service.web import Caller, Signed, render

router = api_router()
pages = page_router()


class NoticeView(BaseModel):
    notice_id: str
    order: str
    recipient: str
    batches: list[str]
    items: int
    deadline: date | None
    status: str = Field(
        description="pending | acknowledged | overdue | certified | released | superseded"
    )
    index: int
    issued: date | None
    action: str
    acknowledged: date | None
    certificate: str
    late: bool
    superseded_by: str


class ScanBody(BaseModel):
    as_of: date
    orders: str | None = Field(None, description="Folder of order *.toml (default: built-in).")
    agencies: str | None = None


class ScanView(BaseModel):
    as_of: date
    notices: list[NoticeView]
    issued: list[str] = Field(description="The notices this scan recorded.")
    reached_items: int


class AckBody(BaseModel):
    """``taxgate remedies ack``'s inputs; the custodian is the signed-in user."""

    title: str = Field(description="The custodian's title.")
    as_of: date
    certify: Literal["destroyed", "quarantined", "returned"] | None = None
    method: str = Field("", description="How it was done (e.g. 'moved to sealed storage').")


class AckView(BaseModel):
    notice_id: str
    index: int = Field(description="The acknowledgement's ledger entry.")
    recorded: bool = Field(description="False: the same acknowledgement was already recorded.")
    status: NoticeView


class AuditBody(BaseModel):
    disclosures: str = Field(description="CSV of disclosures (contracts.md §7), under --root.")
    world: str
    orders: str | None = None
    agencies: str | None = None


def notice_view(notice: NoticeStatus) -> NoticeView:
    return NoticeView.model_validate(notice.to_full_json())


def visible(who: Caller, as_of: date) -> list[NoticeView]:
    """The notices on ``as_of`` this user may read (a custodian: their agency's only)."""
    who.require("notices.list")
    return [
        notice_view(n)
        for n in notice_status(who.ledger, as_of)
        if who.allows("notices.read", Resource.agency(n.recipient))
    ]


@router.post("/remedies/scan", response_model=ScanView, tags=["remedies"])
def scan_api(body: ScanBody, who: Signed) -> ScanView:
    """Issue one signed notice per (order, recipient agency) for the recorded releases the
    orders in force reach (``taxgate remedies scan``); idempotent."""
    who.require("remedies.scan")
    config = who.service.config
    result = scan(
        who.ledger,
        config.optional(body.orders, "orders", folder=True),
        body.as_of,
        agencies=config.optional(body.agencies, "agencies"),
    )
    return ScanView(
        as_of=result.as_of,
        notices=[notice_view(n) for n in result.notices],
        issued=list(result.issued),
        reached_items=result.reached_items,
    )


@router.get("/remedies/status", response_model=list[NoticeView], tags=["remedies"])
def status_api(who: Signed, as_of: Annotated[date | None, Query()] = None) -> list[NoticeView]:
    """Each notice's state on a day (``taxgate remedies status``), from ledger entries only;
    a custodian sees their own agency's notices."""
    return visible(who, as_of or date.today())


def _recipient(ledger: Ledger, notice_id: str) -> str:
    for notice in notice_status(ledger, date.today()):
        if notice.notice_id == notice_id:
            return notice.recipient
    raise NotFoundError(f"no notice {notice_id!r} (see `taxgate remedies status`)")


def ack(who: Caller, notice_id: str, body: AckBody) -> AckView:
    who.require("notices.ack", Resource.agency(_recipient(who.ledger, notice_id)))
    result = acknowledge(
        who.ledger,
        notice_id,
        who.user.name,
        body.title,
        body.as_of,
        body.certify,
        method=body.method,
    )
    return AckView(
        notice_id=result.notice_id,
        index=result.index,
        recorded=result.recorded,
        status=notice_view(result.status),
    )


@router.post("/remedies/notices/{notice_id}/ack", response_model=AckView, tags=["remedies"])
def ack_api(notice_id: str, body: AckBody, who: Signed) -> AckView:
    """A custodian acknowledges a notice to their agency, optionally certifying what was done
    with the data (``taxgate remedies ack``)."""
    return ack(who, notice_id, body)


@router.post("/remedies/audit", response_model=JobView, status_code=202, tags=["remedies"])
def audit_api(body: AuditBody, who: Signed) -> JobView:
    """Judge disclosures made by another system (``taxgate remedies audit``), as a background
    job: each taxpayer lookup is recorded as an inspection by the signed-in user."""
    who.require("remedies.audit")
    config = who.service.config

    def given(path: Path | None) -> str | None:
        return str(path) if path else None

    params = {
        "disclosures": str(config.readable(body.disclosures, "disclosures")),
        "world": str(config.readable(body.world, "world", folder=True)),
        "orders": given(config.optional(body.orders, "orders", folder=True)),
        "agencies": given(config.optional(body.agencies, "agencies")),
        "keys": str(config.key_dir),
        "actor": who.user.name,
    }
    return JobView(**who.service.jobs.submit("audit", who.user.name, params).to_dict())


def run_audit(params: dict[str, Any], store_url: str, progress: Progress) -> dict[str, Any]:
    """The job: ``remedies.audit_disclosures`` as ``taxgate remedies audit`` runs it."""

    def path(name: str) -> Path | None:
        return Path(params[name]) if params.get(name) else None

    with Ledger.open(store_url, Path(params["keys"])) as ledger:
        result = audit_disclosures(
            ledger,
            Path(params["disclosures"]),
            Path(params["world"]),
            path("orders"),
            agencies=path("agencies"),
            auditor=params["actor"],
            progress=lambda message: progress("audit", message),
        )
    found: dict[str, Any] = result.to_json()
    return found


# -- console -----------------------------------------------------------------------------


@pages.get("/notices")
def notices_page(request: Request, who: Signed, as_of: date | None = None) -> Response:
    day = as_of or date.today()
    context = {
        "notices": visible(who, day),
        "as_of": day.isoformat(),
        "may_ack": {
            n.notice_id
            for n in notice_status(who.ledger, day)
            if who.allows("notices.ack", Resource.agency(n.recipient))
        },
    }
    return render(request, "notices.html", context, who=who)


@pages.post("/notices/{notice_id}/ack")
def ack_form(
    request: Request,
    notice_id: str,
    who: Signed,
    title: Annotated[str, Form()],
    as_of: Annotated[str, Form()],
    certify: Annotated[str, Form()] = "",
) -> Response:
    fields = {"title": title, "as_of": as_of, "certify": certify or None}
    result = ack(who, notice_id, validated(AckBody, fields))
    context = {"notices": [result.status], "as_of": as_of, "may_ack": set(), "acked": result}
    return render(request, "notices.html", context, who=who)
