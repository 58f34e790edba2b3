"""Reports (``taxgate report disclosures / public / order``), made by the functions the CLI
calls into the service's work folder (kept there by ``service.published``). Each answer is
JSON with the figures the CLI prints and the report's table (``report_views``); the console
shows the report's own page, and its files download from the API.

Who (``policies/roles.cedar``): the disclosure report is an auditor's (``reports.read``); a
compliance report an auditor's or counsel's (``reports.order``). The public report is made by
an officer (``reports.publish``): it spends the period's privacy budget in the ledger, a
decision about what leaves the agency, not an audit. Anyone reads it, the public too
(``reports.public``): the latest release of each period, and only while its ``public.csv``
is the file whose digest the release's ledger entry records.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import Body, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from taxgate.errors import NotFoundError, TamperedError
from taxgate.law.facts import AgencyFacts
from taxgate.law.orders import load_orders
from taxgate.ledger.batches import batch_records
from taxgate.reports import make_compliance_report, make_disclosure_report, make_public_report
from taxgate.reports.budget import BUDGET_KIND, budget_batch
from taxgate.reports.compliance import BUNDLE
from taxgate.reports.html import page_body
from taxgate.reports.public import parse_period
from taxgate.service import published
from taxgate.service.routes import api_router, page_router, validated
from taxgate.service.routes.report_views import (
    DISCLOSURES,
    FILES,
    ORDER,
    PUBLIC,
    ComplianceView,
    DisclosuresBody,
    DisclosuresView,
    OrderReportBody,
    PublicBody,
    PublicView,
    compliance_view,
    disclosures_view,
    public_view,
)
from taxgate.service.web import Caller, Signed, render

router = api_router()
pages = page_router()

MEDIA: Final = {
    "csv": "text/csv",
    "html": "text/html",
    "json": "application/json",
    "zip": "application/zip",
}


def _suffix(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _download(kind: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the media types a file route sends."""
    types = sorted({MEDIA[_suffix(name)] for name in FILES[kind]})
    return {200: {"content": {media: {} for media in types}, "description": "The file."}}


# -- making and finding them -----------------------------------------------------------------


def make_disclosures(who: Caller, body: DisclosuresBody) -> DisclosuresView:
    who.require("reports.read")
    work, report_id = who.service.config.work, published.new_id()
    with published.draft(work) as out:
        report, _ = make_disclosure_report(who.ledger, body.start, body.end, out)
        view = disclosures_view(report_id, report)
        published.keep(out, view, published.folder(work, DISCLOSURES, report_id))
    return view


def kept_disclosures(who: Caller, report_id: str) -> tuple[DisclosuresView, Path]:
    who.require("reports.read")
    path = published.folder(who.service.config.work, DISCLOSURES, report_id)
    return published.load(path, DisclosuresView, f"no disclosure report {report_id!r}"), path


def make_public(who: Caller, body: PublicBody) -> PublicView:
    who.require("reports.publish")
    config = who.service.config
    agencies = config.optional(body.agencies, "agencies")
    with published.draft(config.work) as out:
        report = make_public_report(
            who.ledger, body.period, body.epsilon, out, agencies=agencies, actor=who.user.name
        )
        view = public_view(report)
        target = published.public_folder(config.work, report.period, report.entry)
        published.keep(out, view, target)
    return view


def latest_public(who: Caller, period_text: str) -> tuple[PublicView, Path]:
    """The period's latest release and its folder, if its public.csv is the one recorded."""
    who.require("reports.public")
    period = parse_period(period_text)
    spends = who.ledger.entries_of(BUDGET_KIND, batch=budget_batch(period))
    if not spends:
        raise NotFoundError(f"no public report has been released for {period}")
    index, entry = spends[-1]
    path = published.public_folder(who.service.config.work, period, index)
    view = published.load(
        path,
        PublicView,
        f"the {period} public report of ledger entry {index} was released by `taxgate report "
        "public`, not by this service: its files are where that command wrote them",
    )
    digest = hashlib.sha256((path / "public.csv").read_bytes()).hexdigest()
    if digest != entry.get("digest"):
        raise TamperedError(
            index,
            f"the {period} public report the service keeps is not the one ledger entry {index} "
            f"records (its public.csv has digest {digest[:16]}…); it is not shown",
        )
    return view, path


def make_compliance(who: Caller, order_id: str, body: OrderReportBody) -> ComplianceView:
    who.require("reports.order")
    config = who.service.config
    orders = config.optional(body.orders, "orders", folder=True)
    agencies = config.optional(body.agencies, "agencies")
    report_id = published.new_id()
    with published.draft(config.work) as out:
        report = make_compliance_report(who.ledger, order_id, out, orders=orders, agencies=agencies)
        view = compliance_view(report_id, report)
        published.keep(out, view, published.folder(config.work, ORDER, report_id))
    return view


def kept_compliance(who: Caller, order_id: str, report_id: str) -> tuple[ComplianceView, Path]:
    who.require("reports.order")
    path = published.folder(who.service.config.work, ORDER, report_id)
    view = published.load(path, ComplianceView, f"no compliance report {report_id!r}")
    if view.order.id != order_id:
        raise NotFoundError(f"compliance report {report_id!r} is about {view.order.id}")
    return view, path


def download(path: Path, name: str, kind: str) -> Response:
    """One file of a kept report; the proof bundle as a zip made while it is sent."""
    what = f"the {kind} report"
    if name == f"{BUNDLE}.zip" and kind == ORDER:
        bundle = path / BUNDLE
        if not bundle.is_dir():
            raise NotFoundError(f"{what} has no proof bundle")
        return StreamingResponse(
            published.zipped(bundle, BUNDLE),
            media_type=MEDIA["zip"],
            headers={"Content-Disposition": f'attachment; filename="{BUNDLE}.zip"'},
        )
    found = published.file_in(path, name, FILES[kind], what)
    return FileResponse(found, media_type=MEDIA[_suffix(name)], filename=name)


# -- the API ---------------------------------------------------------------------------------


@router.post("/reports/disclosures", response_model=DisclosuresView, tags=["reports"])
def disclosures_api(body: DisclosuresBody, who: Signed) -> DisclosuresView:
    """Requests, items and disclosures by recipient, basis and month; refusals by reason;
    officers' verdicts (``taxgate report disclosures``), from the latest signed tree head."""
    return make_disclosures(who, body)


@router.get("/reports/disclosures/{report_id}", response_model=DisclosuresView, tags=["reports"])
def disclosures_kept_api(report_id: str, who: Signed) -> DisclosuresView:
    """A disclosure report the service made, as it answered then."""
    return kept_disclosures(who, report_id)[0]


@router.get(
    "/reports/disclosures/{report_id}/{name}",
    response_class=Response,
    responses=_download(DISCLOSURES),
    tags=["reports"],
)
def disclosures_file_api(report_id: str, name: str, who: Signed) -> Response:
    """disclosures.csv or disclosures.html."""
    return download(kept_disclosures(who, report_id)[1], name, DISCLOSURES)


@router.post("/reports/public", response_model=PublicView, tags=["reports"])
def public_api(body: PublicBody, who: Signed) -> PublicView:
    """The public transparency report under differential privacy (``taxgate report public``):
    the spend is recorded in the ledger first; a release past the period's budget is 409."""
    return make_public(who, body)


@router.get("/reports/public/{period}", response_model=PublicView, tags=["reports"])
def public_latest_api(period: str, who: Signed) -> PublicView:
    """The latest public report of a period: anyone may read it."""
    return latest_public(who, period)[0]


@router.get(
    "/reports/public/{period}/{name}",
    response_class=Response,
    responses=_download(PUBLIC),
    tags=["reports"],
)
def public_file_api(period: str, name: str, who: Signed) -> Response:
    """public.csv, public.html or budget.json of the period's latest public report."""
    return download(latest_public(who, period)[1], name, PUBLIC)


@router.post("/reports/order/{order_id}", response_model=ComplianceView, tags=["reports"])
def order_api(
    order_id: str, who: Signed, body: Annotated[OrderReportBody | None, Body()] = None
) -> ComplianceView:
    """Compliance with one court order (``taxgate report order``): every release within its
    reach since it took effect, its notices, and a proof bundle to check offline."""
    return make_compliance(who, order_id, body or OrderReportBody())


@router.get(
    "/reports/order/{order_id}/{report_id}", response_model=ComplianceView, tags=["reports"]
)
def order_kept_api(order_id: str, report_id: str, who: Signed) -> ComplianceView:
    """A compliance report the service made, as it answered then."""
    return kept_compliance(who, order_id, report_id)[0]


@router.get(
    "/reports/order/{order_id}/{report_id}/{name}",
    response_class=Response,
    responses=_download(ORDER),
    tags=["reports"],
)
def order_file_api(order_id: str, report_id: str, name: str, who: Signed) -> Response:
    """compliance.csv, compliance.html, or proof-bundle.zip (proofs.jsonl, tree-head.json,
    checkpoint.note, ledger.pub) for ``taxgate ledger check-proof``."""
    return download(kept_compliance(who, order_id, report_id)[1], name, ORDER)


# -- console ---------------------------------------------------------------------------------


def public_releases(who: Caller) -> list[dict[str, Any]]:
    """Each year with decided batches, and its public releases so far (read by batch key,
    an index read: never a scan of the log)."""
    years = sorted({record.as_of.year for record in batch_records(who.ledger)}, reverse=True)
    found = []
    for year in years:
        spends = who.ledger.entries_of(BUDGET_KIND, batch=budget_batch(year))
        details = [entry["details"] for _, entry in spends]
        found.append(
            {
                "period": year,
                "releases": len(spends),
                "entry": spends[-1][0] if spends else None,
                "epsilon": details[-1]["epsilon"] if details else "",
                "rho_spent": sum(float(d["rho"]) for d in details),
                "rho": float(details[-1]["period_rho"]) if details else None,
                "kept": bool(spends)
                and published.public_folder(who.service.config.work, year, spends[-1][0]).is_dir(),
            }
        )
    return found


def _recent(who: Caller, kind: str, model: type[Any], action: str) -> list[Any]:
    if not who.allows(action):
        return []
    base = who.service.config.work / published.REPORTS / kind
    folders = sorted(base.glob("*/" + published.VIEW), key=lambda p: p.stat().st_mtime)
    return [model.model_validate_json(p.read_text()) for p in reversed(folders[-10:])]


@pages.get("/reports")
def reports_page(request: Request, who: Signed) -> Response:
    who.require("reports.public")
    records = batch_records(who.ledger)
    days = [r.as_of for r in records] or [date.today()]
    may_order = who.allows("reports.order")
    context = {
        "public": public_releases(who),
        "may_read": who.allows("reports.read"),
        "may_publish": who.allows("reports.publish"),
        "may_order": may_order,
        "first": min(days).isoformat(),
        "last": max(days).isoformat(),
        "orders": sorted(o.id for o in load_orders(None, AgencyFacts.load(None)) if o.bars)
        if may_order
        else [],
        "disclosures": _recent(who, DISCLOSURES, DisclosuresView, "reports.read"),
        "compliance": _recent(who, ORDER, ComplianceView, "reports.order"),
    }
    return render(request, "reports.html", context, who=who)


def _report_page(
    request: Request, who: Caller, title: str, path: Path, page: str, links: dict[str, str]
) -> Response:
    body = page_body((path / page).read_text(encoding="utf-8"))
    context = {"title": title, "body": body, "links": links}
    return render(request, "report.html", context, who=who)


@pages.post("/reports/disclosures")
def disclosures_form(
    who: Signed,
    start: Annotated[str, Form(alias="from")],
    end: Annotated[str, Form(alias="to")],
) -> Response:
    view = make_disclosures(who, validated(DisclosuresBody, {"from": start, "to": end}))
    return RedirectResponse(f"/reports/disclosures/{view.id}", status_code=303)


@pages.get("/reports/disclosures/{report_id}")
def disclosures_page(request: Request, report_id: str, who: Signed) -> Response:
    view, path = kept_disclosures(who, report_id)
    title = f"Disclosures {view.start} to {view.end}"
    return _report_page(request, who, title, path, "disclosures.html", view.files)


@pages.post("/reports/public")
def public_form(
    who: Signed, period: Annotated[str, Form()], epsilon: Annotated[str, Form()]
) -> Response:
    view = make_public(who, validated(PublicBody, {"period": period, "epsilon": epsilon}))
    return RedirectResponse(f"/reports/public/{view.period}", status_code=303)


@pages.get("/reports/public/{period}")
def public_page(request: Request, period: str, who: Signed) -> Response:
    view, path = latest_public(who, period)
    title = f"Public report {view.period}"
    return _report_page(request, who, title, path, "public.html", view.files)


@pages.post("/reports/order")
def order_form(who: Signed, order: Annotated[str, Form()]) -> Response:
    view = make_compliance(who, order, OrderReportBody())
    return RedirectResponse(
        f"/reports/order/{quote(view.order.id, safe='')}/{view.id}", status_code=303
    )


@pages.get("/reports/order/{order_id}/{report_id}")
def order_page(request: Request, order_id: str, report_id: str, who: Signed) -> Response:
    view, path = kept_compliance(who, order_id, report_id)
    links = {**view.files, "ledger key (check the bundle with it)": "/ledger/key.pub"}
    return _report_page(request, who, f"Compliance {order_id}", path, "compliance.html", links)
