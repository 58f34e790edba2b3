"""``taxgate release ...``: recipient keys, sealing a release, and opening it on the other side.

The recipient agency generates a key pair and publishes ``NAME.pub``; the discloser seals the
released rows to it and signs with its own key; the recipient opens the file with its private
key and the discloser's published key, and taxgate refuses a file that was altered, is not
theirs, or has expired.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from taxgate.cli.options import parse_date
from taxgate.release.header import SealHeader
from taxgate.release.keys import (
    generate_recipient_keys,
    generate_signing_key,
    key_id,
    load_discloser_public_key,
    load_recipient_private_key,
    load_signing_key,
)
from taxgate.release.manual import SealRequest, open_file, seal_file
from taxgate.release.seal import read_header

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
    terms = SealRequest(
        batch=batch,
        request=request,
        recipient=recipient,
        purpose=purpose,
        basis=basis,
        authority=authority,
        officers=tuple(officer),
        discloser=discloser,
        fields=tuple(fields or ()),
        expires=parse_date(expires, "--expires") if expires else None,
        valid_days=valid_days,
    )
    sealed = seal_file(rows, recipient_key, out, terms, signing_key=signing_key, agencies=agencies)
    until = sealed.expires.isoformat()
    typer.echo(f"sealed {sealed.row_count:,} rows to {out} (expires {until})")


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
    wanted = parse_date(as_of) if as_of else None
    header, count = open_file(sealed, key, discloser, out, as_of=wanted)
    typer.echo(
        f"opened {header.batch_id}: {count:,} rows to {out}; for {header.purpose} use "
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
