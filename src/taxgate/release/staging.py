"""A batch's release, staged: the files exist in a hidden folder until the ledger holds them.

``StagedBatch.stage`` builds ``response.csv`` (the last known address of released taxpayers,
permitted fields only) and ``decisions.csv`` in ``OUT/.staging-BATCH/``; ``seal`` adds the
recipient's sealed copy there; ``publish`` moves them into ``OUT`` (summary last) once the
ledger has durably recorded every decision and the release (write-ahead). A crash at any
point leaves either nothing in ``OUT`` or a batch a re-run completes.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
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
from taxgate.errors import ConflictError, InputError
from taxgate.model import DISCLOSER, RELEASE, BatchRecord, IntakeBatch, ReleaseTerms
from taxgate.release.header import SealHeader
from taxgate.release.response import PROVIDED, build_response, last_known_addresses, write_csv
from taxgate.release.seal import seal
from taxgate.world.io import open_world

SEAL_VALID_DAYS = 30  # a sealed copy opens for this long after the day it was sealed
SEALED = "release.sealed"
PUBLISHED = ("decisions.csv", "response.csv", SEALED, "summary.json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def batch_id(request: str, as_of: date) -> str:
    """A batch is a request decided as of a date: ``REQUEST@AS-OF``."""
    return f"{request}@{as_of.isoformat()}"


def response_rows(world: Path, decisions: pa.Table, terms: ReleaseTerms) -> pa.Table:
    """response.csv's rows: the last known address of released taxpayers, nothing else."""
    released = pc.equal(decisions["outcome"], RELEASE).to_numpy(zero_copy_only=False)
    counts = released.astype(np.int32) * len(terms.fields)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    values = pa.array(list(terms.fields) * int(released.sum()), pa.string())
    fields = pa.ListArray.from_arrays(offsets, values)
    con = connect()
    try:
        open_world(con, world)
        tins = pc.unique(pc.filter(decisions["tin"], pa.array(released)))
        addresses = last_known_addresses(con, tins)
    finally:
        con.close()
    return build_response(decisions.append_column("fields", fields), addresses)


def check_output_folder(out: Path) -> None:
    """Refuse an output path that can never hold the batch's files, before any work."""
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a directory", hint="choose another --out")


def _csv_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return bytes(sink.getvalue().to_pybytes())


def decisions_csv(decisions: pa.Table) -> bytes:
    """decisions.csv (contracts.md §4): lists joined by ``;``, probability to six places."""
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
class StagedBatch:
    """A batch's output files, staged in a hidden folder until the ledger has recorded them."""

    out: Path
    batch_id: str
    staging: Path
    kept: Path  # a crashed run's sealed copy, set aside until the ledger says whose it is
    response: pa.Table
    decisions_csv: bytes
    response_csv: bytes

    @classmethod
    def stage(
        cls, out: Path, batch_id: str, decisions: pa.Table, response: pa.Table
    ) -> StagedBatch:
        check_output_folder(out)
        staging = out / f".staging-{_safe(batch_id)}"
        kept = out / f".sealed-{_safe(batch_id)}"
        try:
            if staging.exists():
                # Left by a crash: never published. Its sealed copy may be the one the ledger
                # recorded, which a re-run must publish rather than seal anew.
                if (staging / SEALED).is_file():
                    kept.mkdir(parents=True, exist_ok=True)
                    (staging / SEALED).replace(kept / SEALED)
                shutil.rmtree(staging)
            staging.mkdir(parents=True)
        except OSError as exc:
            raise InputError(out, f"cannot write there: {exc.strerror}") from exc
        write_csv(response, staging / "response.csv")
        staged = cls(
            out=out,
            batch_id=batch_id,
            staging=staging,
            kept=kept,
            response=response,
            decisions_csv=decisions_csv(decisions),
            response_csv=(staging / "response.csv").read_bytes(),
        )
        (staging / "decisions.csv").write_bytes(staged.decisions_csv)
        return staged

    @property
    def provided(self) -> int:
        return int(pc.sum(pc.equal(self.response["status"], PROVIDED)).as_py() or 0)

    @property
    def response_digest(self) -> str:
        return hashlib.sha256(self.response_csv).hexdigest()

    @property
    def decisions_digest(self) -> str:
        return hashlib.sha256(self.decisions_csv).hexdigest()

    def seal(
        self,
        batch: IntakeBatch,
        terms: ReleaseTerms,
        recipient_key: X25519PublicKey,
        signing_key: Ed25519PrivateKey,
        *,
        earlier: BatchRecord | None = None,
    ) -> str:
        """The recipient's sealed copy, staged: the provided rows only, bound to purpose and
        officers; returns its SHA-256 for the ledger's record of the batch.

        Sealing draws a fresh key, so a re-run of a batch the ledger already holds
        (``earlier``) cannot reproduce the bytes it recorded: it finds that copy again (still
        staged, or already published), or refuses rather than publish a copy the ledger
        never saw."""
        if earlier is not None:
            if not earlier.sealed_sha256:
                raise ConflictError(
                    f"batch {self.batch_id} was recorded without a sealed copy; a copy made "
                    "now would be a disclosure the ledger never recorded: decide it under a "
                    "new --as-of date"
                )
            return self._recorded_seal(earlier.sealed_sha256)
        manifest = batch.manifest
        provided = self.response.filter(pc.equal(self.response["status"], PROVIDED))
        officers = batch.items.filter(pc.is_in(batch.items["item_id"], provided["item_id"]))
        names = sorted({name for name in officers["officer"].to_pylist() if name})
        created = date.today()
        header = SealHeader(
            batch_id=self.batch_id,
            request_id=manifest.id,
            discloser=DISCLOSER,
            recipient=terms.recipient,
            purpose=terms.purpose,
            basis=terms.basis,
            statutory_authority=manifest.statutory_authority,
            officers=tuple(names),
            fields=terms.fields,
            expires=created + timedelta(days=SEAL_VALID_DAYS),
        )
        seal(provided, header, recipient_key, signing_key, self.staging / SEALED)
        return _sha256(self.staging / SEALED)

    def _recorded_seal(self, digest: str) -> str:
        for place in (self.kept / SEALED, self.out / SEALED):
            if place.is_file() and _sha256(place) == digest:
                if place != self.staging / SEALED:
                    shutil.copy2(place, self.staging / SEALED)
                return digest
        raise ConflictError(
            f"batch {self.batch_id} was recorded with a sealed copy (sha256 {digest[:16]}…) "
            f"that is no longer in {self.out}: restore it, or decide under a new --as-of date"
        )

    def publish(self, summary: dict[str, Any]) -> None:
        """Move the staged files into the output folder, summary last, and drop the stage."""
        (self.staging / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        for name in PUBLISHED:
            staged = self.staging / name
            if staged.exists():
                staged.replace(self.out / name)
        shutil.rmtree(self.staging, ignore_errors=True)
        shutil.rmtree(self.kept, ignore_errors=True)
