"""Sealing and opening a release by hand: the ``release seal`` / ``release open`` rules.

``decide`` seals its own releases; these are for operations and testing (re-sealing a
response for another key, a recipient opening what it received). Every rule lives here, so
the CLI and the service refuse the same things: an unknown recipient, a purpose or basis
taxgate never releases under, a field that cannot be released, and opening a file as of a
past date (rows decrypted now are used now).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from taxgate.errors import InputError
from taxgate.intake.agencies import I1, I2, AgencyRegistry, canonical_basis
from taxgate.model import PURPOSES
from taxgate.release.header import SealHeader
from taxgate.release.keys import (
    default_signing_key,
    load_discloser_public_key,
    load_recipient_private_key,
    load_recipient_public_key,
    load_signing_key,
)
from taxgate.release.payload import RELEASABLE_FIELDS, unknown_fields
from taxgate.release.response import ADDRESS_FIELDS, write_csv
from taxgate.release.seal import open_sealed, seal


def _one_of(names: tuple[str, ...] | list[str]) -> str:
    return "one of " + ", ".join(names)


def read_rows(path: Path) -> pa.Table:
    """A CSV with every column read as text (ZIPs like 00501 keep their zeros)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            names = next(csv.reader(handle), None)
        if not names:
            raise InputError(path, "empty file", hint="expected a CSV with a header line")
        options = pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        )
        return pacsv.read_csv(path, convert_options=options)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc
    except (UnicodeDecodeError, pa.ArrowInvalid) as exc:
        raise InputError(path, f"not a readable CSV: {exc}") from exc


def known_recipient(registry: AgencyRegistry, code: str) -> str:
    if code not in registry:
        raise InputError(
            "--recipient",
            f"{code!r} is not an agency in {registry.source}",
            hint=_one_of(sorted(registry.agencies)) + "; or pass --agencies FILE",
        )
    return code.upper()


def known_basis(text: str) -> str:
    """The canonical basis (``6103(i)(2)``): only the exceptions the law stage releases under."""
    basis = canonical_basis(text)
    if basis not in (I1, I2):
        raise InputError("--basis", f"{text!r} is not a basis for release", hint=_one_of([I1, I2]))
    return basis


@dataclass(frozen=True)
class SealRequest:
    """What a hand-sealed release is bound to (the header's terms)."""

    batch: str
    request: str
    recipient: str
    purpose: str
    basis: str
    authority: str
    officers: tuple[str, ...]
    discloser: str = "IRS"
    fields: tuple[str, ...] = ()  # empty: the address columns present in the rows
    expires: date | None = None  # None: today + valid_days
    valid_days: int = 30


def seal_file(
    rows: Path,
    recipient_key: Path,
    out: Path,
    terms: SealRequest,
    *,
    signing_key: Path | None = None,
    agencies: Path | None = None,
) -> SealHeader:
    """Seal the rows of the CSV ``rows`` to ``recipient_key`` under ``terms``; write ``out``."""
    registry = AgencyRegistry.load(agencies)
    recipient, basis = known_recipient(registry, terms.recipient), known_basis(terms.basis)
    if terms.purpose not in PURPOSES:
        raise InputError("--purpose", f"{terms.purpose!r} is not a purpose", hint=_one_of(PURPOSES))
    unknown = unknown_fields(terms.fields)
    if unknown:
        raise InputError(
            "--field", f"{unknown[0]!r} cannot be released", hint=_one_of(RELEASABLE_FIELDS)
        )
    table = read_rows(rows)
    until = terms.expires or date.today() + timedelta(terms.valid_days)
    header = SealHeader(
        batch_id=terms.batch,
        request_id=terms.request,
        discloser=terms.discloser,
        recipient=recipient,
        purpose=terms.purpose,
        basis=basis,
        statutory_authority=terms.authority,
        officers=terms.officers,
        fields=terms.fields or tuple(c for c in ADDRESS_FIELDS if c in table.column_names),
        expires=until,
    )
    return seal(
        table,
        header,
        load_recipient_public_key(recipient_key),
        load_signing_key(signing_key or default_signing_key()),
        out,
        source=rows,
    )


def open_file(
    sealed: Path, key: Path, discloser: Path, out: Path, *, as_of: date | None = None
) -> tuple[SealHeader, int]:
    """Check, decrypt and write the rows of ``sealed`` to ``out``; (header, rows written)."""
    today = date.today()
    if as_of is not None:
        # Rows decrypted now are used now: a past date would let anyone open a file after it
        # expired. `inspect` shows what a file allowed on any date without decrypting.
        if as_of < today:
            raise InputError(
                "--as-of",
                f"{as_of.isoformat()} is before today ({today.isoformat()}): a sealed file "
                "cannot be opened as of a past date",
                hint="use `taxgate release inspect` to see its dates",
            )
        today = as_of
    header, rows = open_sealed(
        sealed, load_recipient_private_key(key), load_discloser_public_key(discloser), today
    )
    write_csv(rows, out)
    return header, rows.num_rows
