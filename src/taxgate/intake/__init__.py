"""Intake: load a request, normalise it, and check each item for the statute's contents.

``load_request(manifest)`` is the stage's one entry point: manifest and item file are read and
validated (a bad file is one ``InputError``, nothing half-built is returned), names and
addresses normalised (``text``, ``normalize`` for names and ``addresses`` document the
normalised form), each item checked for the elements §6103(i)(2)(B) requires (``checks``),
and the batch screened for boilerplate (``screens``, ``templates``). ``check_as_of`` refuses a
decision dated before the request was received.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Final

import pyarrow as pa

from taxgate.errors import InputError
from taxgate.intake.agencies import AgencyRegistry
from taxgate.intake.checks import item_checks, reason_lists
from taxgate.intake.columns import clean_text_column, normalize_items
from taxgate.intake.items import load_items
from taxgate.intake.manifest import load_manifest
from taxgate.intake.screens import run_screens
from taxgate.intake.templates import NORMALISED_PARTICULARS, RAW_PARTICULARS
from taxgate.intake.words import ItemWords, Words
from taxgate.model import IntakeBatch, Manifest
from taxgate.settings import Settings, load_settings

__all__ = ["AgencyRegistry", "check_as_of", "load_request"]

# The other columns the worker splits into words once it has split the reasons, as
# (column, cleaned from raw text): the words the reason templates read. Investigation ids,
# read first, are split by the caller while the worker splits the reasons.
PREFETCH: Final = (
    *((name, True) for name in RAW_PARTICULARS),
    *((name, False) for name in NORMALISED_PARTICULARS),
    ("norm_investigation_id", False),
)


def check_as_of(manifest: Manifest, as_of: date) -> None:
    """Refuse to decide a request as of a day before it was received.

    A decision dated before the request existed would misdate the ledger's record of what
    was known when; ``taxgate orders what-if`` answers "what would a date have allowed"."""
    if as_of < manifest.received:
        raise InputError(
            manifest.path,
            f"--as-of {as_of.isoformat()} is before the request was received "
            f"({manifest.received.isoformat()})",
            field="received",
            hint="decide as of the day of the decision; `taxgate orders what-if` explores dates",
        )


def load_request(
    manifest: Path,
    *,
    agencies: Path | None = None,
    settings: Settings | None = None,
    as_of: date | None = None,
) -> IntakeBatch:
    """Load ``manifest`` and its items into a checked :class:`~taxgate.model.IntakeBatch`.

    ``agencies`` replaces the shipped registry. ``as_of`` (default: the manifest's
    ``received`` date) bounds plausible taxable years; the removal-order interval of
    8 U.S.C. 1253(a)(1) is always measured to ``received``.
    """
    chosen = settings or load_settings()
    registry = AgencyRegistry.load(agencies)
    request = load_manifest(manifest)
    if request.requester not in registry:
        raise InputError(
            manifest,
            f"requester {request.requester!r} is not in the agency registry",
            field="requester",
            hint="use a registered agency code, or pass --agencies FILE",
        )
    raw = load_items(request.items_path, max_mb=chosen.intake.max_item_file_mb)
    # One worker thread beside this one, for the second core.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake")
    try:
        # Reasons are most of a batch's text: the worker cleans them and splits them into
        # words while this thread normalises the other columns and screens officers and ids.
        reasons = pool.submit(clean_text_column, raw.column("reason"))
        reason_words = pool.submit(lambda: Words.of(reasons.result()))
        items = normalize_items(raw, reasons)
        words = ItemWords(items, pool)  # each column is split into words once for all
        words.adopt("norm_reason", reason_words)
        for column, clean in PREFETCH:
            words.prefetch(column, clean=clean)
        findings, screen_masks = run_screens(items, chosen.intake, words)
        masks, periods = item_checks(
            items, request, registry, chosen.intake, as_of or request.received, words
        )
    finally:
        pool.shutdown(cancel_futures=True)  # after a failure, no split nobody will read
    masks.update(screen_masks)
    items = items.append_column("periods", pa.chunked_array([periods]))
    items = items.append_column("reasons", pa.chunked_array([reason_lists(masks, items.num_rows)]))
    return IntakeBatch(manifest=request, items=items, screens=findings)
