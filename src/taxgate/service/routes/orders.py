"""Court orders (``taxgate orders list / check / timeline / what-if``).

A what-if asks a question and records nothing: ``law.whatif`` re-decides a batch recorded in
the ledger (or a CSV of item facts) under the orders as they are and as supposed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from taxgate.errors import InputError
from taxgate.law.facts import AgencyFacts, RequestFacts
from taxgate.law.orders import Order, check_orders, load_orders
from taxgate.law.timeline import in_force, timeline
from taxgate.law.whatif import Supposition, WhatIfAnswer, what_if_facts, what_if_recorded
from taxgate.ledger.batches import batch_records
from taxgate.model import RELEASE, REVIEW, WITHHOLD
from taxgate.service.config import ServiceConfig
from taxgate.service.routes import api_router, page_router, validated
from taxgate.service.web import Caller, Signed, render

router = api_router()
pages = page_router()

OrdersDir = Annotated[
    str | None, Query(description="Folder of order *.toml under the server's folder (built-in).")
]
AgenciesFile = Annotated[str | None, Query(description="Agency registry replacing the shipped.")]


class OrderView(BaseModel):
    id: str
    kind: str
    case: str
    court: str
    citation: str
    judge: str
    issued: date
    effective: date
    expires: date | None
    disclosers: list[str]
    recipients: list[str]
    data: list[str]
    purposes: list[str]
    exceptions: list[str]
    reaches_prior_disclosures: bool
    notice_deadline: date | None
    target: str


def order_view(order: Order) -> OrderView:
    return OrderView(
        id=order.id,
        kind=order.kind,
        case=order.case,
        court=order.court,
        citation=order.citation,
        judge=order.judge,
        issued=order.issued,
        effective=order.effective,
        expires=order.expires,
        disclosers=list(order.disclosers),
        recipients=list(order.recipients),
        data=list(order.data),
        purposes=list(order.purposes),
        exceptions=list(order.exceptions),
        reaches_prior_disclosures=order.reaches_prior_disclosures,
        notice_deadline=order.notice_deadline,
        target=order.target,
    )


class TimelineView(BaseModel):
    day: date
    in_force: list[str]
    started: list[str]
    ended: list[str]
    recorded: list[str] = Field(description="Denials taking effect that day (they bar nothing).")


class CheckView(BaseModel):
    orders: int
    problems: list[str] = Field(description="Each malformed or contradictory order: file, field.")


def _orders(config: ServiceConfig, orders: str | None, agencies: str | None) -> list[Order]:
    facts = AgencyFacts.load(config.optional(agencies, "agencies"))
    return load_orders(config.optional(orders, "orders", folder=True), facts)


@router.get("/orders", response_model=list[OrderView], tags=["orders"])
def orders_api(
    who: Signed, orders: OrdersDir = None, agencies: AgenciesFile = None
) -> list[OrderView]:
    """The orders with their dates and scope (``taxgate orders list``)."""
    who.require("orders.read")
    found = _orders(who.service.config, orders, agencies)
    return [order_view(o) for o in sorted(found, key=lambda o: (o.effective, o.id))]


@router.get("/orders/timeline", response_model=list[TimelineView], tags=["orders"])
def timeline_api(
    who: Signed, orders: OrdersDir = None, agencies: AgenciesFile = None
) -> list[TimelineView]:
    """Which orders were in force on each date where anything changed."""
    who.require("orders.read")
    return [
        TimelineView(
            day=e.day,
            in_force=list(e.in_force),
            started=list(e.started),
            ended=list(e.ended),
            recorded=list(e.recorded),
        )
        for e in timeline(_orders(who.service.config, orders, agencies))
    ]


@router.get("/orders/check", response_model=CheckView, tags=["orders"])
def check_api(who: Signed, directory: str, agencies: AgenciesFile = None) -> CheckView:
    """Every malformed or contradictory order in a folder (``taxgate orders check``)."""
    who.require("orders.check")
    config = who.service.config
    folder = config.readable(directory, "directory", folder=True)
    facts = AgencyFacts.load(config.optional(agencies, "agencies"))
    found, problems = check_orders(folder, facts)
    return CheckView(orders=len(found), problems=[str(p) for p in problems])


class WhatIfBody(BaseModel):
    """``taxgate orders what-if``'s inputs: a batch id recorded in the ledger, or ``facts``,
    a CSV of item facts (item_id, reasons, protected) with the request given here."""

    batch: str | None = Field(None, description="A batch id recorded in the ledger.")
    facts: str | None = Field(None, description="Or a CSV of item facts under the server.")
    as_of: date | None = Field(None, description="Decision date (ledger: default the batch's).")
    stay: list[str] = Field(default_factory=list, description="Suppose these orders stayed.")
    vacate: list[str] = Field(default_factory=list, description="Suppose these vacated.")
    add: list[str] = Field(default_factory=list, description="Suppose these order files added.")
    orders: str | None = Field(None, description="Folder of order *.toml (default: the batch's).")
    agencies: str | None = None
    requester: str = "ICE"
    purpose: str = "criminal"
    basis: str = "6103(i)(2)"
    data: list[str] = Field(default_factory=lambda: ["address"])
    ex_parte_order: str = ""


class Change(BaseModel):
    item: str
    before_outcome: str
    before_reasons: list[str]
    after_outcome: str
    after_reasons: list[str]


class WhatIfView(BaseModel):
    as_of: date
    batch: str | None
    items: int
    in_force_before: list[str]
    in_force_after: list[str]
    policy_before: str
    policy_after: str
    would_release: int
    would_withhold: int
    would_review: int
    summary: str = Field(description="The CLI's closing line.")
    changes: list[Change]
    notes: list[str]


def what_if(who: Caller, body: WhatIfBody) -> WhatIfView:
    who.require("orders.whatif")
    config = who.service.config
    supposition = Supposition(
        tuple(body.stay),
        tuple(body.vacate),
        tuple(config.readable(p, "add") for p in body.add),
    )
    orders = config.optional(body.orders, "orders", folder=True)
    agencies = config.optional(body.agencies, "agencies")
    if body.facts:
        request = RequestFacts(
            body.requester, body.purpose, body.basis, tuple(body.data), body.ex_parte_order
        )
        path = config.readable(body.facts, "facts")
        answer = what_if_facts(
            path, request, supposition, as_of=body.as_of, orders=orders, agencies=agencies
        )
    elif body.batch:
        answer = what_if_recorded(
            who.ledger, body.batch, supposition, as_of=body.as_of, orders=orders, agencies=agencies
        )
    else:
        raise InputError("what-if", "nothing to re-decide", hint="give batch or facts")
    return _answer(answer, body.batch)


def _answer(answer: WhatIfAnswer, batch: str | None) -> WhatIfView:
    result = answer.result
    return WhatIfView(
        as_of=answer.as_of,
        batch=batch if answer.recorded else None,
        items=answer.items,
        in_force_before=[o.id for o in in_force(answer.current, answer.as_of)],
        in_force_after=[o.id for o in in_force(answer.supposed, answer.as_of)],
        policy_before=result.before.policy_sha256,
        policy_after=result.after.policy_sha256,
        would_release=result.now(RELEASE),
        would_withhold=result.now(WITHHOLD),
        would_review=result.now(REVIEW),
        summary=result.counts(),
        changes=[
            Change(
                item=c.item_id,
                before_outcome=c.before[0],
                before_reasons=list(c.before[1]),
                after_outcome=c.after[0],
                after_reasons=list(c.after[1]),
            )
            for c in result.changes
        ],
        notes=list(answer.recorded.notes) if answer.recorded else [],
    )


@router.post("/orders/what-if", response_model=WhatIfView, tags=["orders"])
def what_if_api(body: WhatIfBody, who: Signed) -> WhatIfView:
    """Re-decide a batch under changed orders; records nothing (``taxgate orders what-if``)."""
    return what_if(who, body)


# -- console -----------------------------------------------------------------------------


@pages.get("/orders")
def orders_page(request: Request, who: Signed) -> Response:
    who.require("orders.read")
    found = sorted(load_orders(), key=lambda o: (o.effective, o.id))
    context = {
        "orders": found,
        "timeline": timeline(found),
        "batches": [r.batch for r in reversed(batch_records(who.ledger))],
        "may_ask": who.allows("orders.whatif"),
    }
    return render(request, "orders.html", context, who=who)


@pages.post("/orders/what-if")
def what_if_form(
    request: Request,
    who: Signed,
    batch: Annotated[str, Form()],
    as_of: Annotated[str, Form()] = "",
    stay: Annotated[list[str] | None, Form()] = None,
    vacate: Annotated[list[str] | None, Form()] = None,
) -> Response:
    fields = {"batch": batch, "as_of": as_of or None, "stay": stay or [], "vacate": vacate or []}
    answer = what_if(who, validated(WhatIfBody, fields))
    fragment = request.headers.get("hx-request") == "true"
    template = "whatif_result.html" if fragment else "whatif.html"
    return render(request, template, {"answer": answer}, who=who)
