"""The order-compliance report's files: ``compliance.csv``, ``compliance.html`` and the proof
bundle an auditor checks offline:

    proof-bundle/proofs.jsonl     one ``taxgate ledger prove`` document per cited entry
    proof-bundle/tree-head.json   the signed tree head every proof ends at
    proof-bundle/checkpoint.note  the same head as a C2SP checkpoint
    proof-bundle/ledger.pub       the published key (verifier key line and PEM)

``taxgate ledger check-proof proof-bundle/proofs.jsonl --key ledger.pub`` checks every proof;
the key must of course come from where the ledger publishes it, not from the bundle.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from taxgate.files import replaced_atomically
from taxgate.law.timeline import timeline
from taxgate.ledger import Ledger
from taxgate.ledger.bundle import inclusion_proofs, proof_line
from taxgate.ledger.checkpoint import Verifier, checkpoint_note
from taxgate.ledger.keys import public_pem
from taxgate.reports.compliance import BREACH, BUNDLE, EXCEPTED, NOT_IN_FORCE, ComplianceReport
from taxgate.reports.html import bar_chart, html_table, page, tree_head_note
from taxgate.reports.write import check_out, csv_bytes, publish

CSV_COLUMNS = (
    "status",
    "date",
    "batch",
    "kind",
    "recipient",
    "purpose",
    "basis",
    "fields",
    "items",
    "in_force",
    "rules",
    "citations",
    "first_entry",
    "last_entry",
    "release_entry",
)
CHECK = "taxgate ledger check-proof proof-bundle/proofs.jsonl --key ledger.pub"


def compliance_table(report: ComplianceReport) -> pa.Table:
    rows = [
        (
            d.status,
            d.as_of.isoformat(),
            d.record.batch,
            d.kind,
            d.record.recipient,
            d.record.terms.purpose,
            d.record.terms.basis,
            ";".join(d.record.terms.fields),
            d.items,
            d.in_force,
            ";".join(d.rules),
            " | ".join(filter(None, d.citations)),
            d.first_entry,
            d.last_entry,
            d.record.index,
        )
        for d in report.disclosed
    ]
    columns = {name: [row[i] for row in rows] for i, name in enumerate(CSV_COLUMNS)}
    types = {"items": pa.int64(), "in_force": pa.bool_()}
    types |= {"first_entry": pa.int64(), "last_entry": pa.int64(), "release_entry": pa.int64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in CSV_COLUMNS])
    return pa.table(columns, schema=schema)


def compliance_page(report: ComplianceReport, orders_timeline: list[tuple[str, str]]) -> str:
    order = report.order
    facts = [
        ("order", order.id),
        ("case", f"{order.case} ({order.court})"),
        ("citation", order.citation),
        ("kind", order.kind),
        (
            "effective",
            f"{order.effective}" + (f", expires {order.expires}" if order.expires else ""),
        ),
        ("recipients barred", ", ".join(order.recipients) or "(none)"),
        ("data", ", ".join(order.data) or "(none)"),
        ("purposes", ", ".join(order.purposes) or "(none)"),
        ("exceptions", ", ".join(order.exceptions) or "none"),
        ("reaches prior disclosures", "yes" if order.reaches_prior_disclosures else "no"),
    ]
    counts = [(status, report.count(status)) for status in (BREACH, EXCEPTED, NOT_IN_FORCE)]
    rows = [
        (
            d.status,
            d.as_of.isoformat(),
            d.record.batch,
            d.kind,
            d.record.recipient,
            d.items,
            ", ".join(d.rules),
            "; ".join(filter(None, d.citations)) or "(none recorded)",
            f"{d.first_entry}–{d.last_entry}",
        )
        for d in report.disclosed
    ]
    breaches = report.count(BREACH)
    verdict = (
        f'<p class="bad">{breaches:,} item(s) were released in breach of this order.</p>'
        if breaches
        else '<p class="good">No item was released in breach of this order.</p>'
    )
    notice_rows = [
        (r["notice_id"], r["recipient"], r["items"], r["deadline"], r["status"], r["entry"])
        for r in report.notices.rows
    ]
    parts = [
        tree_head_note(report.head),
        "<h2>The order</h2>",
        html_table(("field", "value"), facts),
        html_table(("date", "orders in force from that date"), orders_timeline),
        "<h2>Disclosures within its reach since it took effect</h2>",
        verdict,
        bar_chart("released items within reach, by status", counts, ("#b00020", "#05712f", "#666")),
        html_table(
            (
                "status",
                "date",
                "batch",
                "by",
                "recipient",
                "items",
                "rules",
                "citations",
                "entries",
            ),
            rows,
        ),
        "<h2>Batches within its reach since it took effect</h2>",
        html_table(
            ("batch", "date", "recipient", "items decided", "provided", "decided under it"),
            [
                (
                    r.batch,
                    r.as_of.isoformat(),
                    r.recipient,
                    r.items,
                    r.provided,
                    "yes" if order.id in r.orders_in_force else "no",
                )
                for r in report.batches
            ],
        ),
        "<h2>Notices</h2>",
        html_table(("notice", "recipient", "items", "deadline", "status", "entry"), notice_rows)
        if notice_rows
        else f'<p class="note">{report.notices.note}.</p>',
        "<h2>Proofs</h2>",
        f'<p class="note">{len(report.cited):,} cited entries (every released item above, the '
        "release record of every batch within reach and each notice) have an inclusion proof in "
        f"<code>{BUNDLE}/proofs.jsonl</code>. Check them offline with the ledger's published "
        f"key: <code>{CHECK}</code>.</p>",
    ]
    return page(f"taxgate: compliance with {order.id}", parts)


def write_compliance_report(report: ComplianceReport, ledger: Ledger, out: Path) -> list[Path]:
    """The bundle first (it is the bulk), then the CSV and the page that cite it."""
    check_out(out)
    bundle = out / BUNDLE
    bundle.mkdir(exist_ok=True)
    proofs = bundle / "proofs.jsonl"
    written = []
    if report.cited:  # no batch ever came within reach: there is nothing to prove
        with replaced_atomically(proofs) as temp, temp.open("w", encoding="utf-8") as handle:
            head = json.dumps(report.head.to_dict(), separators=(",", ":"))
            for proof in inclusion_proofs(ledger, report.cited, report.head):
                handle.write(proof_line(proof, head))
        written.append(proofs)
    public_key = ledger.keys.public_key
    published = Verifier.of(public_key).encode() + "\n" + public_pem(public_key).decode()
    written += publish(
        bundle,
        {
            "tree-head.json": (report.head.to_json() + "\n").encode(),
            "checkpoint.note": checkpoint_note(report.head, ledger.keys.signing_key).encode(),
            "ledger.pub": published.encode(),
        },
    )
    changes = [
        (entry.day.isoformat(), ", ".join(entry.in_force) or "(none)")
        for entry in timeline(report.orders)
    ]
    written += publish(
        out,
        {
            "compliance.csv": csv_bytes(compliance_table(report)),
            "compliance.html": compliance_page(report, changes).encode(),
        },
    )
    return written
