"""One batch, top-down: intake → specificity screen → identity → law → ledger → release.

``decide`` is the whole of what a disclosure officer's run does; each step is one call into its
stage. Nothing reaches the output folder before the ledger has durably recorded every decision
and the release (write-ahead), so a crash at any point leaves either nothing or a batch that a
re-run completes without recording or releasing anything twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from taxgate.batch import (
    BatchFiles,
    agency_facts,
    decisions_table,
    identify,
    law_items,
    release_rows,
    released_fields,
    request_facts,
    summary_document,
)
from taxgate.errors import InputError
from taxgate.intake import load_request
from taxgate.intake.agencies import AgencyRegistry
from taxgate.law import LawEngine, item_table, load_orders
from taxgate.law.engine import RELEASE
from taxgate.ledger import Ledger
from taxgate.ledger.record import batch_entries, check_replay
from taxgate.release.keys import load_recipient_public_key
from taxgate.settings import Settings, load_settings

Progress = Callable[[str, str], None]


def _quiet(_stage: str, _message: str) -> None:
    return None


@dataclass(frozen=True)
class DecideOptions:
    """Everything a run needs besides the manifest; defaults come from settings."""

    world: Path
    as_of: date
    out: Path
    orders: Path | None = None  # None: the built-in 2025–2026 timeline
    agencies: Path | None = None  # None: the shipped agency registry
    store_url: str | None = None  # None: $TAXGATE_STORE, else ./.taxgate/taxgate.db
    key_dir: Path | None = None  # None: $TAXGATE_KEY_DIR, else ./.taxgate/keys
    recipient_key: Path | None = None  # the recipient's X25519 public key, to seal a copy
    settings: Settings | None = None
    engine: str = "duckdb"
    actor: str = "taxgate"


@dataclass(frozen=True)
class BatchResult:
    batch_id: str
    decisions: pa.Table
    summary: dict[str, Any]
    files: BatchFiles
    seconds: dict[str, float] = field(default_factory=dict)


def decide(manifest: Path, options: DecideOptions, progress: Progress = _quiet) -> BatchResult:
    """Decide one request as of ``options.as_of`` and write decisions, response and summary."""
    settings = options.settings or load_settings()
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(now - clock, 3)
        clock = now

    # Every input is read and checked before anything is written anywhere. Paths are recorded
    # in the ledger as absolute ones, so that review and what-if find them from anywhere.
    manifest = manifest.resolve()
    options = replace(
        options,
        world=options.world.resolve(),
        orders=options.orders.resolve() if options.orders else None,
        out=options.out.resolve(),
    )
    if options.out.exists() and not options.out.is_dir():
        raise InputError(options.out, "exists and is not a directory", hint="choose another --out")
    registry = AgencyRegistry.load(options.agencies)
    agencies = agency_facts(registry)
    engine = LawEngine(orders=load_orders(options.orders, agencies), agencies=agencies)
    # A key that cannot be read must stop the run here: once the ledger has recorded the
    # release, the accounting would list disclosures that never left the agency.
    recipient = (
        None if options.recipient_key is None else load_recipient_public_key(options.recipient_key)
    )

    progress("intake", f"loading {manifest}")
    batch = load_request(manifest, agencies=options.agencies, settings=settings)
    if options.as_of < batch.manifest.received:
        # A decision dated before the request existed would misdate the ledger's record of
        # what was known when; what-if answers "what would a date have allowed".
        raise InputError(
            manifest,
            f"--as-of {options.as_of.isoformat()} is before the request was received "
            f"({batch.manifest.received.isoformat()})",
            field="received",
            hint="decide as of the day of the decision; `taxgate orders what-if` explores dates",
        )
    lap("intake")  # the specificity screens run inside intake, over the whole batch

    # Would the statute release anything of this request, whoever its items name? Asked of
    # the law itself, with a perfect match and no court order. If not (a civil purpose, a
    # basis that does not reach the data, a recipient with open safeguard findings), no
    # taxpayer is looked up at all (§7213A).
    probe = LawEngine(orders=(), agencies=agencies).decide(
        request_facts(batch.manifest), item_table([("probe", (), False)]), options.as_of
    )
    lookup = probe.items["outcome"][0].as_py() == RELEASE
    progress("identity", f"resolving {batch.size:,} items against {options.world}")
    matches = identify(options.world, batch, settings, options.engine, progress, lookup)
    lap("identity")

    progress("law", f"deciding as of {options.as_of.isoformat()}")
    law = engine.decide(
        request_facts(batch.manifest), law_items(options.world, matches), options.as_of
    )
    decisions = decisions_table(law, matches)
    lap("law")

    progress("release", "staging the response")
    response = release_rows(options.world, decisions, batch.manifest)
    files = BatchFiles.stage(options.out, batch.manifest, options.as_of, decisions, response)
    lap("release")

    progress("ledger", f"recording {batch.size:,} decisions before anything is released")
    with Ledger.open(options.store_url, options.key_dir) as ledger:
        check_replay(ledger, files)  # a re-run after a crash must reproduce what was recorded
        entries = batch_entries(
            ledger, files, batch, decisions, response, released_fields(batch.manifest), law, options
        )
        head = ledger.append_batch(entries)
        if recipient is not None:
            files.seal(batch, response, recipient, ledger.keys.signing_key)
    lap("ledger")

    summary = summary_document(files.batch_id, batch, decisions, law, head, seconds)
    files.publish(summary)  # only now do files appear in the output folder
    progress("done", f"{files.batch_id}: ledger size {head.size}")
    return BatchResult(files.batch_id, decisions, summary, files, seconds)
