"""The ledger as a long-running server reads it: what can no longer change is read once.

The log is append-only, and a batch's decisions are committed in the same transaction as its
release entry. So the list of release entries up to a signed size never changes (a bigger
log only adds to it), and once a batch's release entry is there, its decisions are final
(so the items it sent to review, read with a filter, are too).
The stage functions (``ledger.batches``, ``review.queue``) read through ``entries_of``; here
those reads are served from memory, so a page does not rescan the log on every request
(release entries have no index of their own: finding them is a scan of the whole log).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import select

from taxgate.ledger import Ledger
from taxgate.ledger.entries import decode
from taxgate.ledger.log import ENTRIES

Rows = list[tuple[int, dict[str, Any]]]
T = TypeVar("T")
DECIDED_BATCHES = 256  # batches whose filtered decision reads (the review queue) are kept


class CachingLedger(Ledger):
    """A ``Ledger`` whose reads of settled entries come from memory."""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__(ledger.store, ledger.keys)
        self._lock = threading.Lock()
        self._releases: Rows = []
        self._scanned = 0  # entries below this index have been searched for releases
        self._decisions: OrderedDict[tuple[str, str], Rows] = OrderedDict()

    def releases(self) -> Rows:
        """Every release entry, reading only the entries recorded since the last call."""
        with self._lock:
            size = self.size()
            if size > self._scanned:
                query = (
                    select(ENTRIES.c.idx, ENTRIES.c.body)
                    .where(
                        ENTRIES.c.kind == "release",
                        ENTRIES.c.idx >= self._scanned,
                        ENTRIES.c.idx < size,
                    )
                    .order_by(ENTRIES.c.idx)
                )
                with self.store.engine.connect() as conn:
                    rows = conn.execute(query).all()
                self._releases += [(int(idx), decode(body)) for idx, body in rows]
                self._scanned = size
            return list(self._releases)

    def entries_of(
        self, kind: str, batch: str | None = None, contains: str = ""
    ) -> list[tuple[int, dict[str, Any]]]:
        if kind == "release" and batch is None and not contains:
            return self.releases()
        if kind != "decision" or batch is None or not contains:
            # A whole batch's decisions may be a million entries: read them when asked.
            return super().entries_of(kind, batch, contains)
        key = (batch, contains)
        with self._lock:
            found = self._decisions.get(key)
            if found is not None:
                self._decisions.move_to_end(key)
                return found
        # Settled only if the release was there before the read: then the read sees all of
        # the batch's decisions (one transaction); otherwise it may see none of them yet.
        settled = self.committed(batch, "", "release")
        found = super().entries_of(kind, batch, contains)
        if settled:
            with self._lock:
                self._decisions[key] = found
                while len(self._decisions) > DECIDED_BATCHES:
                    self._decisions.popitem(last=False)
        return found


class AsOfSize:
    """Answers computed from the ledger, kept while the ledger keeps its size.

    Every change a page shows (a batch, a verdict, an inspection) is an append, so an answer
    read at one signed size holds until the size moves; a reader then computes it afresh."""

    def __init__(self, ledger: Ledger, entries: int = 1024) -> None:
        self.ledger, self.entries = ledger, entries
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        size = self.ledger.size()
        with self._lock:
            found = self._answers.get(key)
            if found is not None and found[0] == size:
                self._answers.move_to_end(key)
                return cast(T, found[1])
        answer = compute()
        with self._lock:
            self._answers[key] = (size, answer)
            while len(self._answers) > self.entries:
                self._answers.popitem(last=False)
        return answer
