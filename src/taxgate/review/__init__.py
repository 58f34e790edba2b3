"""Review: the items a batch sent to a person, and the officer's verdict on each.

- ``pending(ledger, batch=None)``: the queue, read from the ledger (``queue``);
- ``show_case(ledger, batch, item, officer)``: the item as requested beside its candidate
  taxpayers and their match weights, recorded as shown (``case``, ``inspection``);
- ``give_verdict(ledger, batch, item, VerdictRequest(...), out)``: the verdict, through the
  law stage again, into the ledger, then the one-row response amendment when released
  (``verdict``);
- ``explain_for_officer(ledger, manifest, item, world, officer)``: ``identity explain`` for
  a sufficient item, recorded as shown (``explain``).
"""

from taxgate.review.case import Candidate, ReviewCase, open_case, show_case
from taxgate.review.explain import explain_for_officer
from taxgate.review.queue import ReviewItem, pending
from taxgate.review.verdict import (
    VerdictRequest,
    VerdictResult,
    amendment_path,
    decide_case,
    give_verdict,
)

__all__ = [
    "Candidate",
    "ReviewCase",
    "ReviewItem",
    "VerdictRequest",
    "VerdictResult",
    "amendment_path",
    "decide_case",
    "explain_for_officer",
    "give_verdict",
    "open_case",
    "pending",
    "show_case",
]
