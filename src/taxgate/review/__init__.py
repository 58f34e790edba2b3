"""Review: the items a batch sent to a person, and the officer's verdict on each.

- ``pending(ledger, batch=None)``: the queue, read from the ledger (``queue``);
- ``open_case(ledger, batch, item)``: the item as requested beside its candidate taxpayers
  and their match weights (``case``);
- ``decide_case(ledger, case, VerdictRequest(...), out)``: the verdict, through the law stage
  again, into the ledger, then the one-row response amendment when released (``verdict``).
"""

from taxgate.review.case import Candidate, ReviewCase, open_case
from taxgate.review.queue import BatchRecord, ReviewItem, pending
from taxgate.review.verdict import VerdictRequest, VerdictResult, amendment_path, decide_case

__all__ = [
    "BatchRecord",
    "Candidate",
    "ReviewCase",
    "ReviewItem",
    "VerdictRequest",
    "VerdictResult",
    "amendment_path",
    "decide_case",
    "open_case",
    "pending",
]
