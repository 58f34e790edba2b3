"""The glue between stages for one batch: the small translations ``pipeline.decide`` needs.

Each function turns one stage's output into the next stage's input. They hold no policy of
their own: what is lawful lives in ``law``, who is who in ``identity``, what is sent in
``release``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from taxgate.duck import connect
from taxgate.errors import InputError
from taxgate.identity import model_is_current, resolve_items, train_model
from taxgate.intake.agencies import AgencyRegistry, canonical_basis
from taxgate.law import AgencyFacts, LawDecisions, RequestFacts
from taxgate.ledger import TreeHead
from taxgate.model import ITEM_COLUMNS, IntakeBatch, Manifest
from taxgate.release import SealHeader, build_response, last_known_addresses, seal
from taxgate.release.response import write_csv
from taxgate.settings import Settings
from taxgate.world.io import open_world, protected_sql

DECISION_COLUMNS = ("item_id", "outcome", "reasons", "rules", "tin", "match_probability")
SEAL_VALID_DAYS = 30  # a sealed copy opens for this long after the decision date


def agency_facts(registry: AgencyRegistry) -> AgencyFacts:
    """The registry as the law stage sees it: parents, blocked recipients, known codes."""
    parents = {code: agency.parent for code, agency in registry.agencies.items() if agency.parent}
    blocked = frozenset(code for code in registry.agencies if registry.safeguards_block(code))
    return AgencyFacts(
        parents=parents,
        safeguards_blocked=blocked,
        known=frozenset(parents) | set(registry.agencies),
    )


def request_facts(manifest: Manifest) -> RequestFacts:
    return RequestFacts(
        requester=manifest.requester,
        purpose=manifest.purpose,
        basis=canonical_basis(manifest.basis),
        data=tuple(manifest.data),
        ex_parte_order=manifest.ex_parte_order,
    )


def identify(
    world: Path,
    batch: IntakeBatch,
    settings: Settings,
    engine: str,
    progress: Callable[[str, str], None],
    lookup: bool = True,
) -> pa.Table:
    """Intake's findings and identity's, one row per item in batch order.

    Only items intake found sufficient are matched, and none when ``lookup`` is false (the
    statute bars the whole request): looking a taxpayer up for a request the statute does
    not allow would itself be an inspection of return information (§7213A).
    """
    items = batch.items
    order = pa.array(range(items.num_rows), pa.int64())
    sufficient = pc.and_(pc.equal(pc.list_value_length(items["reasons"]), 0), lookup)
    raw = items.select(list(ITEM_COLUMNS)).filter(sufficient)
    if raw.num_rows:
        if not model_is_current(world):
            progress("identity", "no model trained on this world as it is now: training one")
            train_model(world, identity=settings.identity)
        found = resolve_items(world, raw, identity=settings.identity, engine=engine)
    else:
        found = pa.table(
            {
                "item_id": pa.array([], pa.string()),
                "reasons": pa.array([], pa.list_(pa.string())),
                "tin": pa.array([], pa.string()),
                "match_probability": pa.array([], pa.float64()),
            }
        )
    base = pa.table({"idx": order, "item_id": items["item_id"], "intake": items["reasons"]})
    con = connect()
    try:
        con.register("base", base)
        con.register("found", found)
        return con.sql(
            """
            SELECT b.item_id, b.intake, f.reasons AS identity, f.tin, f.match_probability
            FROM base b LEFT JOIN found f USING (item_id)
            ORDER BY b.idx
            """
        ).to_arrow_table()
    finally:
        con.close()


def law_items(world: Path, matches: pa.Table) -> pa.Table:
    """The law stage's items: every finding so far, and whether the match is protected."""
    con = connect()
    try:
        open_world(con, world)
        numbered = matches.append_column("idx", pa.array(range(matches.num_rows), pa.int64()))
        con.register("numbered", numbered)
        protected = protected_sql(con, "t")
        return con.sql(
            f"""
            SELECT m.item_id,
                   list_sort(list_distinct(list_concat(coalesce(m.intake, []),
                                                       coalesce(m.identity, [])))) AS reasons,
                   CASE WHEN m.tin IS NULL THEN false ELSE {protected} END AS protected
            FROM numbered m LEFT JOIN taxpayers t ON t.tin = m.tin
            ORDER BY m.idx
            """
        ).to_arrow_table()
    finally:
        con.close()


def decisions_table(law: LawDecisions, matches: pa.Table) -> pa.Table:
    """decisions.csv's rows (contracts.md §4), with lists kept as lists until written."""
    decided = law.items
    return pa.table(
        {
            "item_id": decided["item_id"],
            "outcome": decided["outcome"],
            "reasons": decided["reasons"],
            "rules": decided["rules"],
            "tin": pc.fill_null(matches["tin"], ""),
            "match_probability": matches["match_probability"],
        }
    )


def released_fields(manifest: Manifest) -> tuple[str, ...]:
    """What a release carries: the address, when asked for. The law stage has already refused
    any category the basis does not reach (request.basis); the response has address columns
    only, so identity and filing answers are the provided/not-provided status itself."""
    return ("address",) if "address" in manifest.data else ()


def release_rows(world: Path, decisions: pa.Table, manifest: Manifest) -> pa.Table:
    """response.csv's rows: the last known address of released taxpayers, nothing else."""
    permitted = released_fields(manifest)
    released = pc.equal(decisions["outcome"], "release").to_numpy(zero_copy_only=False)
    counts = released.astype(np.int32) * len(permitted)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    values = pa.array(list(permitted) * int(released.sum()), pa.string())
    fields = pa.ListArray.from_arrays(offsets, values)
    con = connect()
    try:
        open_world(con, world)
        tins = pc.unique(pc.filter(decisions["tin"], pa.array(released)))
        addresses = last_known_addresses(con, tins)
    finally:
        con.close()
    return build_response(decisions.append_column("fields", fields), addresses)


def _csv_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return bytes(sink.getvalue().to_pybytes())


def _decisions_csv(decisions: pa.Table) -> bytes:
    probability = pc.fill_null(
        pc.cast(pc.round(decisions["match_probability"], 6), pa.string()), ""
    )
    flat = pa.table(
        {
            "item_id": decisions["item_id"],
            "outcome": decisions["outcome"],
            "reasons": pc.fill_null(pc.binary_join(decisions["reasons"], ";"), ""),
            "rules": pc.fill_null(pc.binary_join(decisions["rules"], ";"), ""),
            "tin": decisions["tin"],
            "match_probability": probability,
        }
    )
    return _csv_bytes(flat)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


@dataclass
class BatchFiles:
    """A batch's output files, staged in a hidden folder until the ledger has recorded them."""

    out: Path
    batch_id: str
    staging: Path
    decisions_csv: bytes
    response_csv: bytes
    response_rows: int
    provided: int

    @classmethod
    def stage(
        cls,
        out: Path,
        manifest: Manifest,
        as_of: date,
        decisions: pa.Table,
        response: pa.Table,
    ) -> BatchFiles:
        batch_id = f"{manifest.id}@{as_of.isoformat()}"
        staging = out / f".staging-{_safe(batch_id)}"
        try:
            if staging.exists():
                shutil.rmtree(staging)  # left by a crash: it was never published
            staging.mkdir(parents=True)
        except OSError as exc:
            raise InputError(out, f"cannot write there: {exc.strerror}") from exc
        files = cls(
            out=out,
            batch_id=batch_id,
            staging=staging,
            decisions_csv=_decisions_csv(decisions),
            response_csv=b"",
            response_rows=response.num_rows,
            provided=int(pc.sum(pc.equal(response["status"], "provided")).as_py() or 0),
        )
        write_csv(response, staging / "response.csv")
        files.response_csv = (staging / "response.csv").read_bytes()
        (staging / "decisions.csv").write_bytes(files.decisions_csv)
        return files

    @property
    def response_digest(self) -> str:
        return hashlib.sha256(self.response_csv).hexdigest()

    @property
    def decisions_digest(self) -> str:
        return hashlib.sha256(self.decisions_csv).hexdigest()

    def seal(
        self,
        batch: IntakeBatch,
        response: pa.Table,
        recipient_key: X25519PublicKey,
        signing_key: Ed25519PrivateKey,
    ) -> None:
        """The recipient's sealed copy: the provided rows only, bound to purpose and officers."""
        manifest = batch.manifest
        provided = response.filter(pc.equal(response["status"], "provided"))
        officers = batch.items.filter(pc.is_in(batch.items["item_id"], provided["item_id"]))
        names = sorted({name for name in officers["officer"].to_pylist() if name})
        created = date.today()
        header = SealHeader(
            batch_id=self.batch_id,
            request_id=manifest.id,
            discloser="IRS",
            recipient=manifest.requester,
            purpose=manifest.purpose,
            basis=manifest.basis,
            statutory_authority=manifest.statutory_authority,
            officers=tuple(names),
            fields=released_fields(manifest),
            expires=created + timedelta(days=SEAL_VALID_DAYS),
        )
        seal(
            provided,
            header,
            recipient_key,
            signing_key,
            self.staging / "release.sealed",
        )

    def publish(self, summary: dict[str, Any]) -> None:
        """Move the staged files into the output folder, summary last, and drop the stage."""
        (self.staging / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        names = ["decisions.csv", "response.csv", "release.sealed", "summary.json"]
        for name in names:
            staged = self.staging / name
            if staged.exists():
                staged.replace(self.out / name)
        shutil.rmtree(self.staging, ignore_errors=True)


def summary_document(
    batch_id: str,
    batch: IntakeBatch,
    decisions: pa.Table,
    law: LawDecisions,
    head: TreeHead,
    seconds: dict[str, float],
) -> dict[str, Any]:
    """summary.json: counts by outcome and reason, the tree head, and how to replay."""
    outcomes = Counter(decisions["outcome"].to_pylist())
    by_reason = Counter(code for codes in decisions["reasons"].to_pylist() for code in codes)
    return {
        "batch": batch_id,
        "request": batch.manifest.id,
        "requester": batch.manifest.requester,
        "as_of": law.as_of.isoformat(),
        "items": batch.size,
        "outcomes": {name: outcomes.get(name, 0) for name in ("release", "withhold", "review")},
        "reasons": dict(sorted(by_reason.items())),
        "screens": [
            {
                "code": finding.code,
                "field": finding.field,
                "value": finding.value,
                "items": finding.items,
                "share": round(finding.share, 4),
            }
            for finding in batch.screens
        ],
        "policy_sha256": law.policy_sha256,
        "orders_in_force": list(law.orders_in_force),
        "distinct_legal_contexts": law.distinct_contexts,
        "tree_head": head.to_dict(),
        "seconds": seconds,
    }
