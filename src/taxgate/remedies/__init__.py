"""Remedies: when a court order changes, reach the data already handed over (contracts.md §7).

Public API (the reports and service stages code against exactly these)::

    scan(ledger, orders_dir, as_of, agencies=None) -> ScanResult   # reach, notices, recorded
    acknowledge(ledger, notice_id, custodian, title, as_of, certify=None) -> AckResult
    notice_status(ledger, as_of) -> list[NoticeStatus]              # from ledger entries only
    audit_disclosures(ledger, disclosures_csv, world, orders_dir) -> AuditResult

``reach`` decides what an order reaches (through the law stage), ``notices`` what a notice
requires, ``records`` is the one writer and reader of the stage's ledger entries, ``status``
derives states, ``files`` writes a notice out for its custodians, ``audit`` judges another
system's disclosures.
"""

from taxgate.remedies.audit import AuditResult, audit_disclosures
from taxgate.remedies.files import NoticeFiles, verify_notice, write_notice
from taxgate.remedies.scan import ScanResult, scan
from taxgate.remedies.status import STATES, AckResult, NoticeStatus, acknowledge, notice_status

__all__ = [
    "STATES",
    "AckResult",
    "AuditResult",
    "NoticeFiles",
    "NoticeStatus",
    "ScanResult",
    "acknowledge",
    "audit_disclosures",
    "notice_status",
    "scan",
    "verify_notice",
    "write_notice",
]
