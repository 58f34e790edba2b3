"""``taxgate release ...``: recipient keys, sealing a release, and opening it on the other side.

The recipient agency generates a key pair and publishes ``NAME.pub``; the discloser seals the
released rows to it and signs with its own key; the recipient opens the file with its private
key and the discloser's published key, and taxgate refuses a file that was altered, is not
theirs, or has expired.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.csv as pacsv
import typer

from taxgate.errors import InputError
from taxgate.intake.agencies import I1, I2, AgencyRegistry, canonical_basis
from taxgate.model import PURPOSES
from taxgate.release.header import SealHeader
from taxgate.release.keys import (
    default_signing_key,
    generate_recipient_keys,
    generate_signing_key,
    key_id,
    load_discloser_public_key,
    load_recipient_private_key,
    load_recipient_public_key,
    load_signing_key,
)
from taxgate.release.payload import RELEASABLE_FIELDS, unknown_fields
from taxgate.release.response import ADDRESS_FIELDS
from taxgate.release.response import write_csv as write_csv_atomically
from taxgate.release.seal import open_sealed, read_header, seal

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="markdown",
    help=(
        "Sealed releases: encrypted to the recipient agency, signed by the discloser, with a "
        "header naming purpose, basis, officers and expiry.\n\n"
        "Example: `taxgate release open ICE-2025-0806.sealed --key ice.key "
        "--discloser irs.pub --out rows.csv`"
    ),
)

DiscloserKey = Annotated[
    Path,
    typer.Option("--discloser", help="The discloser's published Ed25519 public key (PEM)."),
]


def _read_rows(path: Path) -> pa.Table:
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


def _show(header: SealHeader, today: date) -> str:
    state = "EXPIRED" if header.is_expired(today) else "valid"
    lines = [
        f"batch        {header.batch_id} (request {header.request_id})",
        f"from → to    {header.discloser} → {header.recipient}",
        f"purpose      {header.purpose}, basis {header.basis}",
        f"authority    {header.statutory_authority}",
        f"officers     {'; '.join(header.officers) or '(none named)'}",
        f"fields       {', '.join(header.fields)}",
        f"rows         {header.row_count:,}",
        f"created      {header.created}",
        f"expires      {header.expires.isoformat()} ({state} on {today.isoformat()})",
        f"cipher       {header.cipher_suite}",
        f"recipient    key {header.recipient_key_id}",
        f"discloser    key {header.discloser_key_id} (signature verified)",
        f"payload      sha256 {header.payload_sha256}",
    ]
    return "\n".join(lines)


@app.command("keygen")
def keygen(
    name: Annotated[str, typer.Argument(help="File stem: writes NAME.key and NAME.pub.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the key files.")] = Path(),
    signing: Annotated[
        bool,
        typer.Option("--signing", help="A discloser's Ed25519 signing key instead of X25519."),
    ] = False,
) -> None:
    """Create a key pair: the private key (mode 0600) stays here, publish NAME.pub.

    Example: `taxgate release keygen ice --out keys/` (the recipient agency, once)
    """
    make = generate_signing_key if signing else generate_recipient_keys
    private_path, public_path = make(out, name)
    loaded = (
        load_signing_key(private_path).public_key()
        if signing
        else load_recipient_private_key(private_path).public_key()
    )
    typer.echo(f"wrote {private_path} (keep secret) and {public_path} (publish)")
    typer.echo(f"key id {key_id(loaded)}")


@app.command("seal")
def seal_command(
    rows: Annotated[Path, typer.Argument(help="CSV of the rows to release (e.g. response.csv).")],
    recipient_key: Annotated[
        Path, typer.Option("--recipient-key", help="The recipient agency's public key (PEM).")
    ],
    out: Annotated[Path, typer.Option("--out", help="The sealed file to write.")],
    batch: Annotated[str, typer.Option("--batch", help="Batch id.")],
    request: Annotated[str, typer.Option("--request", help="Request id from the manifest.")],
    recipient: Annotated[str, typer.Option("--recipient", help="Recipient agency code.")],
    purpose: Annotated[str, typer.Option("--purpose", help="Purpose of the request.")],
    basis: Annotated[str, typer.Option("--basis", help="The exception invoked.")],
    authority: Annotated[
        str, typer.Option("--authority", help="Statutory authority of the investigation.")
    ],
    officer: Annotated[
        list[str],
        typer.Option("--officer", help="An officer personally and directly engaged (repeat)."),
    ],
    discloser: Annotated[str, typer.Option("--discloser", help="Disclosing agency.")] = "IRS",
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            help="A field released (repeat; default: the address columns present in ROWS).",
        ),
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Last day of use, YYYY-MM-DD.")
    ] = None,
    valid_days: Annotated[
        int, typer.Option("--valid-days", help="Days of use from today when --expires is absent.")
    ] = 30,
    signing_key: Annotated[
        Path | None,
        typer.Option(
            "--signing-key",
            help="The discloser's Ed25519 private key (default: the ledger's signing key).",
        ),
    ] = None,
    agencies: Annotated[
        Path | None,
        typer.Option("--agencies", help="Agency registry replacing the default."),
    ] = None,
) -> None:
    """Encrypt ROWS to the recipient agency and sign them (for operations and testing; the
    `decide` pipeline seals its own releases).

    Example: `taxgate release seal response.csv --recipient-key ice.pub --out r.sealed
    --batch B1 --request ICE-2025-0806 --recipient ICE --purpose criminal --basis 6103(i)(2)
    --authority "8 U.S.C. 1253(a)(1)" --officer "A. Agent" --expires 2026-03-31`
    """
    registry = AgencyRegistry.load(agencies)
    recipient, basis = _known_recipient(registry, recipient), _known_basis(basis)
    if purpose not in PURPOSES:
        raise InputError("--purpose", f"{purpose!r} is not a purpose", hint=_one_of(PURPOSES))
    unknown = unknown_fields(fields or [])
    if unknown:
        raise InputError(
            "--field", f"{unknown[0]!r} cannot be released", hint=_one_of(RELEASABLE_FIELDS)
        )
    table = _read_rows(rows)
    until = _parse_date(expires, "--expires") if expires else date.today() + timedelta(valid_days)
    header = SealHeader(
        batch_id=batch,
        request_id=request,
        discloser=discloser,
        recipient=recipient,
        purpose=purpose,
        basis=basis,
        statutory_authority=authority,
        officers=tuple(officer),
        fields=tuple(fields or [c for c in ADDRESS_FIELDS if c in table.column_names]),
        expires=until,
    )
    sealed = seal(
        table,
        header,
        load_recipient_public_key(recipient_key),
        load_signing_key(signing_key or default_signing_key()),
        out,
        source=rows,
    )
    typer.echo(f"sealed {sealed.row_count:,} rows to {out} (expires {until.isoformat()})")


def _one_of(names: tuple[str, ...] | list[str]) -> str:
    return "one of " + ", ".join(names)


def _known_recipient(registry: AgencyRegistry, code: str) -> str:
    if code not in registry:
        raise InputError(
            "--recipient",
            f"{code!r} is not an agency in {registry.source}",
            hint=_one_of(sorted(registry.agencies)) + "; or pass --agencies FILE",
        )
    return code.upper()


def _known_basis(text: str) -> str:
    """The canonical basis (``6103(i)(2)``): only the exceptions the law stage releases under."""
    basis = canonical_basis(text)
    if basis not in (I1, I2):
        raise InputError("--basis", f"{text!r} is not a basis for release", hint=_one_of([I1, I2]))
    return basis


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(option, f"{text!r} is not a date", hint="use YYYY-MM-DD") from None


@app.command("open")
def open_command(
    sealed: Annotated[Path, typer.Argument(help="The sealed file received.")],
    key: Annotated[Path, typer.Option("--key", help="The recipient's private key (PEM).")],
    discloser: DiscloserKey,
    out: Annotated[Path, typer.Option("--out", help="CSV to write the released rows to.")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Check expiry as of this date, today or later (default: today).",
        ),
    ] = None,
) -> None:
    """Check the discloser's signature, refuse an expired or altered file, decrypt the rows.

    Example: `taxgate release open r.sealed --key ice.key --discloser irs.pub --out rows.csv`
    """
    today = date.today()
    if as_of:
        wanted = _parse_date(as_of, "--as-of")
        # Rows decrypted now are used now: a past date would let anyone open a file after it
        # expired. `inspect` shows what a file allowed on any date without decrypting.
        if wanted < today:
            raise InputError(
                "--as-of",
                f"{as_of} is before today ({today.isoformat()}): a sealed file cannot be opened "
                "as of a past date",
                hint="use `taxgate release inspect` to see its dates",
            )
        today = wanted
    header, rows = open_sealed(
        sealed, load_recipient_private_key(key), load_discloser_public_key(discloser), today
    )
    write_csv_atomically(rows, out)
    typer.echo(
        f"opened {header.batch_id}: {rows.num_rows:,} rows to {out}; for {header.purpose} use "
        f"under {header.basis} until {header.expires.isoformat()}"
    )


@app.command("inspect")
def inspect_command(
    sealed: Annotated[Path, typer.Argument(help="A sealed file.")],
    discloser: DiscloserKey,
    as_json: Annotated[bool, typer.Option("--json", help="Print the header as JSON.")] = False,
) -> None:
    """Show the header after checking the discloser's signature; nothing is decrypted.

    Example: `taxgate release inspect r.sealed --discloser irs.pub`
    """
    header = read_header(sealed, load_discloser_public_key(discloser))
    if as_json:
        typer.echo(json.dumps(header.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(_show(header, date.today()))
