"""The demo's remedies act: what happens to data already handed over when the orders change.

On the demo's world and store: a lawful, individualised criminal request from ICE is decided
and released on 2025-08-07, before any order; then each order of the built-in timeline
arrives on its own date and a scan records it and the notices it triggers; ICE's custodian
acknowledges the D. Mass. notice two days after its deadline and then certifies quarantine;
finally the 2025 process's disclosures of the same day are audited as another system's, with
their §7431 floor, and the audit's figures are set beside the generator's truth file.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Sequence
from datetime import date
from html import escape
from pathlib import Path

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from taxgate.baseline import run_baseline
from taxgate.intake.items import load_items
from taxgate.intake.manifest import load_manifest
from taxgate.law import BUILTIN_ORDERS, load_orders
from taxgate.ledger import Ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.reasons import NO_ADDRESS
from taxgate.release.response import write_csv
from taxgate.remedies.audit import AuditResult, audit_disclosures
from taxgate.remedies.disclosures import disclosure_list
from taxgate.remedies.files import write_notice
from taxgate.remedies.scan import scan
from taxgate.remedies.status import acknowledge, notice_status
from taxgate.reports.scenario import Truth, read_truth
from taxgate.settings import load_settings
from taxgate.world.request import generate_request
from taxgate.world.request_params import default_params

RELEASED_ON = date(2025, 8, 7)
CUSTODIAN, TITLE = "Dana Whitlock", "Records Officer, ICE"  # fictional
STATUS_DAYS = (date(2026, 2, 5), date(2026, 2, 10), date(2026, 2, 11), date(2026, 2, 12))
Section = tuple[str, str]  # (heading, HTML fragment) for report.html
Rows = list[list[str]]


def _criminal_request(world: Path, folder: Path, size: int, seed: int) -> Path:
    """A clean criminal request from ICE: individual investigations of document fraud."""
    params = dataclasses.replace(
        default_params("clean-criminal"),
        requester="ICE",
        signer_agency="ICE",
        signer_title="Director",
        statutory_authority="18 U.S.C. 1546(a)",
        investigation_prefix="ICE-HSI",
        request_id=f"ICE-HSI-{RELEASED_ON:%Y%m%d}",
    )
    generate_request(world, folder, kind="clean-criminal", size=size, seed=seed, params=params)
    return folder / "request.toml"


def _table(title: str, header: Sequence[str], rows: Rows, console: Console) -> str:
    """Print ``rows`` as a Rich table and return the same as an HTML table."""
    shown = Table(title=title)
    for index, name in enumerate(header):
        shown.add_column(name, justify="left" if index < 2 else "right", overflow="fold")
    for row in rows:
        shown.add_row(*row)
    console.print(shown)
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<h3>{escape(title)}</h3><table><tr>{head}</tr>{body}</table>"


def _orders_arriving(ledger: Ledger, out: Path, console: Console) -> str:
    """Each order of the timeline copied into the known folder on its date, then a scan."""
    known = out / "orders-known"
    shutil.rmtree(known, ignore_errors=True)
    known.mkdir(parents=True)
    rows: Rows = []
    for order in sorted(load_orders(BUILTIN_ORDERS), key=lambda o: (o.effective, o.id)):
        shutil.copy(order.path, known / order.path.name)
        result = scan(ledger, known, order.effective, actor="taxgate demo")
        rows.append(
            [
                order.effective.isoformat(),
                f"{order.id} ({order.kind})",
                "yes" if order.reaches_prior_disclosures else "no",
                f"{len(result.issued)}",
                ", ".join(f"{n.recipient} {n.notice_id}" for n in result.notices) or "—",
                f"{result.reached_items:,}",
            ]
        )
    header = ("date", "order arriving", "reaches data held", "new notices", "notices", "items")
    return _table("orders arriving and the notices they trigger", header, rows, console)


def _custodian(ledger: Ledger, out: Path, console: Console) -> str:
    """ICE's custodian acknowledges two days late, then certifies quarantine."""
    notices = [n for n in notice_status(ledger, STATUS_DAYS[0]) if n.recipient == "ICE"]
    for notice in notices:
        recipient = out.parent / "keys" / "recipients" / "ICE.pub"
        write_notice(
            ledger,
            notice.notice_id,
            out / "notices",
            recipient_key=recipient if recipient.is_file() else None,
            custodians=(CUSTODIAN,),
        )
        acknowledge(ledger, notice.notice_id, CUSTODIAN, TITLE, date(2026, 2, 12))
        acknowledge(
            ledger, notice.notice_id, CUSTODIAN, TITLE, date(2026, 2, 13), "quarantined",
            method="moved to an access-controlled evidence share",
        )  # fmt: skip
    days = (*STATUS_DAYS, date(2026, 2, 13))
    states = {day: {n.notice_id: n for n in notice_status(ledger, day)} for day in days}
    rows = []
    for notice in notices:
        cells = []
        for day in days:
            found = states[day].get(notice.notice_id)
            cells.append("" if found is None else found.status + (" (late)" if found.late else ""))
        rows.append([notice.notice_id, notice.order, f"{notice.items:,}", *cells])
    header = ("notice", "order", "items", *(day.isoformat() for day in days))
    return _table("ICE's notice: its state day by day", header, rows, console)


def _audit(ledger: Ledger, out: Path, world: Path, request: Path, console: Console) -> str:
    """The 2025 process's disclosures of 2025-08-07, audited as another system's."""
    manifest = load_manifest(request)
    items = load_items(manifest.items_path, max_mb=load_settings().intake.max_item_file_mb)
    listed = disclosure_list(items, run_baseline(world, items), manifest, RELEASED_ON)
    disclosures = out / "disclosures-2025-process.csv"
    write_csv(listed, disclosures)
    result = audit_disclosures(ledger, disclosures, world, auditor="taxgate demo")
    title = f"audit of the 2025 process's {result.disclosures:,} disclosures of 2025-08-07"
    header = ("figure", "taxgate's audit", "truth file")
    rows = _audit_rows(result, _truth(listed, read_truth(request.parent / "truth.csv")))
    text = _table(title, header, rows, console)
    reasons = [[code, f"{count:,}"] for code, count in result.by_reason.items()]
    return text + _table("not lawful, by reason", ("reason", "disclosures"), reasons, console)


def _truth(listed: pa.Table, truth: dict[str, Truth]) -> dict[str, int]:
    """What the generator's truth file says of the same disclosures (as ``reports.scenario``
    scores a release; no order barred ICE on 2025-08-07)."""
    counts = {"unlawful": 0, "no_address": 0, "wrong_person": 0}
    for item, tin in zip(
        listed["item_id"].to_pylist(), listed["disclosed_tin"].to_pylist(), strict=True
    ):
        fact = truth[item]
        wrong = tin != fact.true_tin or not fact.true_tin
        counts["wrong_person"] += wrong
        counts["no_address"] += NO_ADDRESS in fact.expected_intake
        counts["unlawful"] += bool(fact.expected_intake or wrong or not fact.address_on_file)
    return counts


def _audit_rows(result: AuditResult, truth: dict[str, int]) -> Rows:
    lawful = result.disclosures - truth["unlawful"]
    return [
        ["disclosures", f"{result.disclosures:,}", f"{result.disclosures:,}"],
        ["lawful", f"{result.lawful:,}", f"{lawful:,}"],
        ["unlawful", f"{result.unlawful:,}", f"{truth['unlawful']:,}"],
        ["unsettled (a person would have had to decide)", f"{result.unsettled:,}", "—"],
        ["no usable address", f"{result.no_usable_address:,}", f"{truth['no_address']:,}"],
        ["about the wrong person (where identity is sure)", f"{result.wrong_person:,}",
         f"{truth['wrong_person']:,}"],
        ["taxpayers looked up, each recorded", f"{result.looked_up:,}", "—"],
        *(
            [f"not counted: one {finding.field} on", f"{finding.items:,} ({finding.share:.0%})",
             "—"]
            for _, finding in result.screens
        ),
        ["§7431 floor ($1,000 per unlawful disclosure)", f"${result.floor_usd:,}",
         f"${1_000 * truth['unlawful']:,}"],
    ]  # fmt: skip


def remedies_act(
    out: Path, world: Path, console: Console, seed: int = 2025, criminal_items: int = 2_000
) -> list[Section]:
    """Run the act on the demo's store (``out/store.db``, keys in ``out/keys``, the ICE-2025
    request in ``out/ice-2025``); the sections it adds to ``report.html``."""
    folder = out / "remedies"
    shutil.rmtree(folder / "notices", ignore_errors=True)  # the store is new each run
    folder.mkdir(parents=True, exist_ok=True)
    store, keys = f"sqlite:///{out / 'store.db'}", out / "keys"
    with console.status("remedies: a lawful criminal batch released on 2025-08-07"):
        manifest = _criminal_request(world, folder / "criminal", criminal_items, seed)
        recipient = out / "keys" / "recipients" / "ICE.pub"
        decide(
            manifest,
            DecideOptions(
                world=world,
                as_of=RELEASED_ON,
                out=out / "decided" / "remedies-criminal",
                store_url=store,
                key_dir=keys,
                recipient_key=recipient if recipient.is_file() else None,
                actor="taxgate demo",
            ),
        )
    with Ledger.open(store, keys) as ledger:
        arriving = _orders_arriving(ledger, folder, console)
        custody = _custodian(ledger, folder, console)
        with console.status("remedies: auditing the 2025 process's disclosures"):
            audited = _audit(ledger, folder, world, out / "ice-2025" / "request.toml", console)
    note = (
        '<p class="note">Each order is copied into the known-orders folder on its date and a '
        "scan records it (with its SHA-256) and the notices it triggers. Only the D. Mass. "
        "order reaches data already held; ICE's custodian acknowledged on 2026-02-12, two "
        "days after the deadline, and certified quarantine on 2026-02-13 (the order bars use "
        "while the case continues, so the data is preserved). The audit leaves the batch "
        "screens out of 'unlawful', so it is a lower bound; it alleges a wrong person only "
        "where identity is sure, and every other wrong-person disclosure of the truth file is "
        "judged unlawful or unsettled for another reason (no match, ambiguity, an address not "
        "on file).</p>"
    )
    return [("Remedies: when the orders changed", note + arriving + custody + audited)]
