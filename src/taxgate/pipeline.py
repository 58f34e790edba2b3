"""One batch, top-down: intake → identity → law → release (staged) → ledger → publish.

``decide`` is the whole of what a disclosure officer's run does; each step is one call into
its stage. Nothing reaches the output folder before the ledger has durably recorded every
decision and the release (write-ahead), so a crash at any point leaves either nothing or a
batch that a re-run completes without recording or releasing anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from taxgate.identity import identify
from taxgate.intake import check_as_of, load_request
from taxgate.law import LawDecisions, LawEngine, RequestFacts, decisions_table, law_items
from taxgate.ledger import Ledger
from taxgate.ledger.batches import record_batch, recorded_release
from taxgate.memory import use_batch_pool
from taxgate.model import BatchRecord, DecideOptions, IntakeBatch, ReleaseTerms
from taxgate.progress import Laps, Progress, quiet
from taxgate.release import StagedBatch, batch_id, check_output_folder, response_rows, row_digests
from taxgate.release.keys import load_recipient_public_key
from taxgate.reports.summary import batch_summary
from taxgate.settings import load_settings
from taxgate.world.io import check_world


@dataclass(frozen=True)
class BatchResult:
    batch_id: str
    decisions: pa.Table
    summary: dict[str, Any]
    files: StagedBatch
    record: BatchRecord
    seconds: dict[str, float] = field(default_factory=dict)


def decide(manifest: Path, options: DecideOptions, progress: Progress = quiet) -> BatchResult:
    """Decide one request as of ``options.as_of`` and write decisions, response and summary."""
    settings, laps = options.settings or load_settings(), Laps()
    use_batch_pool()  # column-sized temporaries reuse freed pages (see taxgate.memory)
    # Every input is read and checked before anything is written anywhere. Paths are recorded
    # in the ledger as absolute ones, so that review and what-if find them from anywhere.
    manifest, options = manifest.resolve(), _absolute(options)
    check_world(options.world)
    check_output_folder(options.out)
    law = LawEngine.load(options.orders, options.agencies)
    # A key that cannot be read must stop the run here: once the ledger has recorded the
    # release, the accounting would list disclosures that never left the agency.
    key = options.recipient_key
    recipient = load_recipient_public_key(key) if key is not None else None

    progress("intake", f"loading {manifest.name}")
    batch = load_request(manifest, agencies=options.agencies, settings=settings)
    check_as_of(batch.manifest, options.as_of)
    progress("intake", "checked", done=batch.size, total=batch.size)
    request, terms = RequestFacts.of(batch.manifest), ReleaseTerms.of(batch.manifest)
    laps.done("intake")  # the specificity screens run inside intake, over the whole batch

    progress("identity", f"resolving {batch.size:,} items against {options.world}")
    # A request the statute bars whatever its items name looks no taxpayer up (§7213A).
    lookup = law.statute_only().releases_flawless(request, options.as_of)
    say = partial(progress, "identity")
    matches = identify(
        options.world, batch, settings, engine=options.engine, lookup=lookup, progress=say
    )
    laps.done("identity")

    progress("law", f"deciding as of {options.as_of.isoformat()}")
    decided = law.decide(request, law_items(options.world, matches), options.as_of)
    decisions = decisions_table(decided, matches)
    laps.done("law")

    progress("release", "staging the response")
    name = batch_id(batch.manifest.id, options.as_of)
    response = response_rows(options.world, decisions, terms)
    files = StagedBatch.stage(options.out, name, decisions, response)
    record = _record(name, batch, terms, files, decided, settings.sha256, options)
    laps.done("release")

    progress("ledger", "recording every decision before anything is released")
    entries = batch.size + 1  # the items' decisions and the batch's release

    def recorded(done: int) -> None:
        progress("ledger", "recording decisions", done=done, total=entries)

    with Ledger.open(options.store_url, options.key_dir) as ledger:
        if recipient is not None:  # staged first: the record names the sealed copy's digest
            earlier = recorded_release(ledger, name)
            sealed = files.seal(batch, terms, recipient, ledger.keys.signing_key, earlier=earlier)
            record = replace(record, sealed_sha256=sealed)
        head = record_batch(ledger, record, decisions, row_digests(response), recorded)
    laps.done("ledger")

    summary = batch_summary(name, batch, decisions, decided, head, laps.seconds)
    files.publish(summary)  # only now do files appear in the output folder
    progress("done", f"{name}: ledger size {head.size}")
    return BatchResult(name, decisions, summary, files, record, laps.seconds)


def _absolute(options: DecideOptions) -> DecideOptions:
    return replace(
        options,
        world=options.world.resolve(),
        orders=options.orders.resolve() if options.orders else None,
        out=options.out.resolve(),
    )


def _record(
    name: str,
    batch: IntakeBatch,
    terms: ReleaseTerms,
    files: StagedBatch,
    decided: LawDecisions,
    settings_sha256: str,
    options: DecideOptions,
) -> BatchRecord:
    """The batch as the ledger will record it: what was released, to whom, under which law
    and thresholds, from which inputs."""
    return BatchRecord(
        batch=name,
        request=batch.manifest.id,
        as_of=options.as_of,
        terms=terms,
        items=batch.size,
        provided=files.provided,
        response_sha256=files.response_digest,
        decisions_sha256=files.decisions_digest,
        policy_sha256=decided.policy_sha256,
        settings_sha256=settings_sha256,
        orders_in_force=decided.orders_in_force,
        manifest=batch.manifest.path,
        world=options.world,
        orders=options.orders,
        actor=options.actor,
    )
