"""The audit record of an officer looking at an item's candidate taxpayers.

``review show`` and ``identity explain`` put return information on a screen: names, dates of
birth and addresses of every candidate. Even an authorised inspection (§6103(h)(1)) is
recorded, as IRS Publication 1075 asks of every access to FTI: who, when, what event, and
which taxpayers were shown, so that browsing (§7213A) can be told from work afterwards. The
record goes into the ledger before anything is shown, like every other event, and holds
subject keys, never a TIN.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from taxgate.errors import OptionError
from taxgate.ledger import Entry, Ledger

INSPECTED = "shown"


def inspecting_officer(officer: str) -> str:
    """The officer's name, or a one-line error: every look is recorded under a name, so the
    commands check it before any work is done."""
    who = officer.strip()
    if not who:
        raise OptionError("an inspection names the officer who looks: pass --officer NAME")
    return who


def record_inspection(
    ledger: Ledger, batch: str, item_id: str, tins: Iterable[str], officer: str, how: str
) -> int:
    """Record that ``officer`` is shown the taxpayers ``tins`` for ``item_id`` of ``batch``
    now, by ``how`` (the command); returns the entry's index."""
    who = inspecting_officer(officer)
    # Each look is its own event: the item key carries the moment, so looking twice at one
    # item is recorded twice rather than merged into the first.
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    entry = Entry(
        kind="inspection",
        batch=batch,
        item=f"{item_id}@{moment}",
        outcome=INSPECTED,
        actor=who,
        details={
            "item": item_id,
            "by": how,
            "shown": [ledger.subject(tin) for tin in dict.fromkeys(tins)],
        },
    )
    head = ledger.append_batch([entry])
    return head.size - 1
