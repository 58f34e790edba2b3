"""The JSON the report routes answer: the figures ``taxgate report`` prints, each report's
table, the signed tree head it was computed from, and where its files download."""

from __future__ import annotations

from datetime import date
from typing import Final
from urllib.parse import quote

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from taxgate.reports import ComplianceReport, DisclosureReport, PublicReport
from taxgate.reports.compliance import BREACH, BUNDLE, EXCEPTED, NOT_IN_FORCE
from taxgate.reports.compliance_files import CHECK, compliance_table
from taxgate.service.routes.ledger import TreeHeadView
from taxgate.service.routes.orders import OrderView, order_view

DISCLOSURES, PUBLIC, ORDER = "disclosures", "public", "order"
FILES: Final = {
    DISCLOSURES: ("disclosures.csv", "disclosures.html"),
    PUBLIC: ("public.csv", "public.html", "budget.json"),
    ORDER: ("compliance.csv", "compliance.html", f"{BUNDLE}.zip"),
}


class ReportRow(BaseModel):
    """One row of disclosures.csv or public.csv."""

    section: str = Field(description="requests | items | refusals | basis | review")
    recipient: str
    basis: str
    month: str
    category: str
    count: int


class DisclosuresBody(BaseModel):
    """``taxgate report disclosures``'s inputs."""

    model_config = ConfigDict(populate_by_name=True)
    start: date = Field(alias="from", description="First decision date.")
    end: date = Field(alias="to", description="Last decision date.")


class DisclosuresView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str = Field(description="Where the service keeps it: /api/reports/disclosures/{id}.")
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    tree_head: TreeHeadView = Field(description="The signed tree head every figure comes from.")
    requests: int
    items: int = Field(description="Items decided.")
    disclosed: int
    withheld: int
    review: int = Field(description="Items sent to review.")
    released_on_review: int
    withheld_on_review: int
    rows: list[ReportRow] = Field(description="disclosures.csv")
    files: dict[str, str] = Field(description="Each file of the report: its download path.")


class PublicBody(BaseModel):
    """``taxgate report public``'s inputs."""

    period: str = Field(description="The calendar year, YYYY.")
    epsilon: float = Field(description="Privacy budget this release spends (> 0).")
    agencies: str | None = Field(
        default=None, description="Agency registry replacing the shipped one."
    )


class PeriodBudgetView(BaseModel):
    epsilon: float
    delta: float
    rho: float
    rho_spent: float
    rho_remaining: float
    releases: int


class BudgetView(BaseModel):
    """budget.json's privacy terms (``reports.budget.Budget.to_json``)."""

    period: int
    privacy_unit: str
    mechanism: str
    epsilon: float
    delta: float
    rho: float
    contribution_cap: int
    l2_sensitivity: int
    noise_scale: float
    expected_abs_error_per_cell: float
    ci95_half_width_per_cell: float
    period_budget: PeriodBudgetView


class PublicView(BaseModel):
    period: int
    ledger_entry: int = Field(description="The ledger entry recording this release's spend.")
    tree_head: TreeHeadView
    budget: BudgetView
    rows: list[ReportRow] = Field(description="public.csv: noised counts; requests exact.")
    files: dict[str, str]


class OrderReportBody(BaseModel):
    """``taxgate report order``'s options (the order's id is in the path)."""

    orders: str | None = Field(
        default=None, description="Folder of order *.toml (default: built-in)."
    )
    agencies: str | None = Field(
        default=None, description="Agency registry replacing the shipped one."
    )


class CompliantRow(BaseModel):
    """One row of compliance.csv: released items of one batch on one date, by one rule set."""

    status: str = Field(description="breach | excepted | not in force")
    date: str
    batch: str
    kind: str = Field(description="decision (the batch) or verdict (an officer, on review)")
    recipient: str
    purpose: str
    basis: str
    fields: str
    items: int
    in_force: bool
    rules: str
    citations: str
    first_entry: int
    last_entry: int
    release_entry: int


class ReachedBatch(BaseModel):
    batch: str
    as_of: date
    recipient: str
    items: int
    provided: int
    decided_under_order: bool


class NoticeRow(BaseModel):
    notice_id: str
    recipient: str
    batches: list[str]
    items: int
    deadline: str
    status: str
    entry: int


class ComplianceView(BaseModel):
    id: str = Field(description="Where the service keeps it: /api/reports/order/{order}/{id}.")
    order: OrderView
    tree_head: TreeHeadView
    breach: int = Field(description="Items released in breach of the order.")
    excepted: int = Field(description="Items within reach an exception of the order let out.")
    not_in_force: int = Field(description="Items within reach released while it was stayed.")
    proofs: int = Field(description="Entries with an inclusion proof in the bundle.")
    check: str = Field(description="The command that checks the bundle with the key alone.")
    disclosed: list[CompliantRow] = Field(description="compliance.csv")
    batches: list[ReachedBatch] = Field(description="Every batch within reach since effective.")
    notices: list[NoticeRow]
    notices_note: str = Field(description="Why there are no notices, when there are none.")
    files: dict[str, str]


def file_links(base: str, kind: str) -> dict[str, str]:
    return {name: f"{base}/{name}" for name in FILES[kind]}


def table_rows(table: pa.Table) -> list[ReportRow]:
    return [ReportRow.model_validate(row) for row in table.to_pylist()]


def disclosures_view(report_id: str, report: DisclosureReport) -> DisclosuresView:
    return DisclosuresView.model_validate(
        {
            "id": report_id,
            "from": report.start,
            "to": report.end,
            "tree_head": report.head.to_dict(),
            "requests": report.total("requests"),
            "items": report.total("items"),
            "disclosed": report.total("items", "release"),
            "withheld": report.total("items", "withhold"),
            "review": report.total("items", "review"),
            "released_on_review": report.total("review", "release"),
            "withheld_on_review": report.total("review", "withhold"),
            "rows": table_rows(report.table),
            "files": file_links(f"/api/reports/disclosures/{report_id}", DISCLOSURES),
        }
    )


def public_view(report: PublicReport) -> PublicView:
    return PublicView(
        period=report.period,
        ledger_entry=report.entry,
        tree_head=TreeHeadView(**report.head.to_dict()),
        budget=BudgetView.model_validate(report.budget.to_json()),
        rows=table_rows(report.table),
        files=file_links(f"/api/reports/public/{report.period}", PUBLIC),
    )


def compliance_view(report_id: str, report: ComplianceReport) -> ComplianceView:
    order = report.order
    return ComplianceView(
        id=report_id,
        order=order_view(order),
        tree_head=TreeHeadView(**report.head.to_dict()),
        breach=report.count(BREACH),
        excepted=report.count(EXCEPTED),
        not_in_force=report.count(NOT_IN_FORCE),
        proofs=len(report.cited),
        check=CHECK,
        disclosed=[CompliantRow.model_validate(r) for r in compliance_table(report).to_pylist()],
        batches=[
            ReachedBatch(
                batch=r.batch,
                as_of=r.as_of,
                recipient=r.recipient,
                items=r.items,
                provided=r.provided,
                decided_under_order=order.id in r.orders_in_force,
            )
            for r in report.batches
        ],
        notices=[NoticeRow.model_validate(row) for row in report.notices.rows],
        notices_note=report.notices.note,
        files=file_links(f"/api/reports/order/{quote(order.id, safe='')}/{report_id}", ORDER),
    )
