"""``taxgate ledger ...``: read, prove and verify the tamper-evident ledger (contracts.md §5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from taxgate.cli.options import Agencies, Keys, Orders, Store
from taxgate.errors import ConfigError, InputError
from taxgate.ledger import Ledger, LedgerError, ProofError, TreeHead
from taxgate.ledger import keys as keyfiles
from taxgate.ledger.bundle import check_documents, proof_documents
from taxgate.ledger.checkpoint import Verifier, checkpoint_note, published_key
from taxgate.ledger.keys import public_pem
from taxgate.ledger.proofs import InclusionProof
from taxgate.ledger.verify import PUBLIC_KEY_FILE, verify_export
from taxgate.ledger.witness import AuditRequest, run_audit

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="markdown",
    help=(
        "The tamper-evident ledger of decisions and disclosures: signed tree heads, inclusion "
        "and consistency proofs, verification, and the accounting of disclosures per "
        "taxpayer.\n\nExample: `taxgate ledger verify --store sqlite:///.taxgate/taxgate.db`"
    ),
)

Size = Annotated[
    int | None,
    typer.Option("--size", help="Use the signed tree head of this size (default: the latest)."),
]


# "prove -1" must reach the index check, not fail in the parser as an unknown option "-1".
NEGATIVE_ARGUMENTS = {"ignore_unknown_options": True}


def _print_json(doc: object) -> None:
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))


@contextmanager
def _reading(store: str | None, keys: Path | None) -> Iterator[Ledger]:
    """The existing ledger, read-only: never creates a store or a key, and a store damaged
    beyond what the command can read is one line pointing at ``verify``, not a traceback."""
    with Ledger.open(store, keys, create=False) as ledger:
        try:
            yield ledger
        except DBAPIError as exc:
            reason = " ".join(str(exc.orig or exc).split())
            raise LedgerError(
                f"the store cannot be read ({reason}); run 'taxgate ledger verify'"
            ) from exc


def _not_negative(value: int, what: str) -> None:
    if value < 0:
        raise LedgerError(f"{what} {value}: entries are numbered from 0; give 0 or more")


@app.command("head")
def head(store: Store = None, keys: Keys = None) -> None:
    """Print the latest signed tree head as JSON.

    Example: `taxgate ledger head > head-2025-08-06.json` (publish it: later heads must prove
    consistent with it).
    """
    with _reading(store, keys) as ledger:
        typer.echo(ledger.head().to_json())


@app.command("verify")
def verify(
    store: Store = None,
    keys: Keys = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Verify an exported directory instead of the store."),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Public key PEM for --export (default: the export's own)."),
    ] = None,
) -> None:
    """Recompute every hash and check every signed tree head; exit 1 naming the first bad entry.

    Example: `taxgate ledger verify` or, as an outside auditor,
    `taxgate ledger verify --export ledger-export/ --key published.pub`
    """
    if export is not None:
        key_path = key or export / PUBLIC_KEY_FILE
        try:
            public_key = published_key(key_path.read_text("utf-8", "replace")).public_key
            result = verify_export(export, public_key)
        except OSError as exc:
            raise InputError(exc.filename or export, f"cannot read: {exc.strerror}") from exc
        except (ValueError, ConfigError, ProofError) as exc:
            raise InputError(export, f"not a ledger export: {exc}") from exc
    else:
        with Ledger.open(store, keys, create=False) as ledger:
            result = ledger.verify()
    typer.echo(str(result))
    if not result.ok:
        raise typer.Exit(1)


@app.command("prove", context_settings=NEGATIVE_ARGUMENTS)
def prove(
    entry: Annotated[int, typer.Argument(help="Index of the entry (0 is the first).")],
    size: Size = None,
    store: Store = None,
    keys: Keys = None,
) -> None:
    """Print a proof that an entry is in the signed tree (checkable with the public key alone).

    Example: `taxgate ledger prove 41 > proof.json && taxgate ledger check-proof proof.json`
    """
    _not_negative(entry, "entry")
    with _reading(store, keys) as ledger:
        proof = ledger.prove(entry, size)
        proof.check(ledger.keys.public_key)  # never hand out a proof that does not verify
    _print_json(proof.to_dict())


@app.command("consistency", context_settings=NEGATIVE_ARGUMENTS)
def consistency(
    old_size: Annotated[int, typer.Argument(help="Size of the earlier tree.")],
    size: Size = None,
    store: Store = None,
    keys: Keys = None,
) -> None:
    """Print a proof that the signed tree extends its first OLD_SIZE entries unchanged.

    Example: `taxgate ledger consistency 1200 > consistency.json`
    """
    _not_negative(old_size, "old size")
    with _reading(store, keys) as ledger:
        proof = ledger.consistency(old_size, size)
        proof.check(ledger.keys.public_key)
    _print_json(proof.to_dict())


@app.command("check-proof")
def check_proof(
    proof_file: Annotated[
        Path,
        typer.Argument(
            help="A document printed by prove or consistency, or a bundle of them (one per line)."
        ),
    ],
    key: Annotated[
        Path | None,
        typer.Option("--key", help="The ledger's published key (`ledger key` output, or PEM)."),
    ] = None,
    keys: Keys = None,
) -> None:
    """Check inclusion or consistency proofs with the public key alone; exit 1 if one fails.

    Example: `taxgate ledger check-proof proof.json --key published.pub`
    """
    try:
        published = key.read_text("utf-8", "replace") if key else None
    except OSError as exc:
        raise InputError(exc.filename or key or "--key", f"cannot read: {exc.strerror}") from exc
    public_key = (
        published_key(published).public_key if published else keyfiles.load(keys).public_key
    )
    try:
        count, proof = check_documents(proof_documents(proof_file), public_key)
    except ProofError as exc:
        typer.echo(f"FAILED: {exc}")
        raise typer.Exit(1) from None
    if count > 1:
        typer.echo(f"ok: all {count} proofs verify")
    elif isinstance(proof, InclusionProof):
        typer.echo(f"ok: entry {proof.index} is in the signed tree of size {proof.tree_head.size}")
    else:
        typer.echo(f"ok: the tree of size {proof.tree_head.size} extends size {proof.old_size}")


@app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="Directory to write (created if missing).")],
    store: Store = None,
    keys: Keys = None,
) -> None:
    """Write entries.jsonl, tree-heads.jsonl, tree-head.json and the public key for auditors.

    Example: `taxgate ledger export ledger-export/`
    """
    with _reading(store, keys) as ledger:
        head = ledger.export(out)
    typer.echo(f"exported {head.size} entries and their signed tree heads to {out}")


@app.command("key")
def key(
    keys: Keys = None,
    vkey_only: Annotated[
        bool, typer.Option("--vkey", help="Print only the C2SP verifier key line.")
    ] = False,
) -> None:
    """Print the public key that verifies tree heads and checkpoints, to publish: the C2SP
    verifier key (`name+hash+base64`, for witnesses and `ledger audit`), then the same key
    as PEM (for `check-proof` and `verify --export`, which also accept this whole output).

    Example: `taxgate ledger key > taxgate-ledger.pub`
    """
    public_key = keyfiles.load(keys).public_key
    typer.echo(Verifier.of(public_key).encode())
    if not vkey_only:
        typer.echo(public_pem(public_key).decode(), nl=False)


@app.command("checkpoint")
def checkpoint(size: Size = None, store: Store = None, keys: Keys = None) -> None:
    """Print the signed tree head as a C2SP tlog-checkpoint signed note (origin, size, base64
    root, Ed25519 signature line), for transparency-log witnesses and `ledger audit`.

    Example: `taxgate ledger checkpoint > checkpoint-2026-02-06.note`
    """
    with _reading(store, keys) as ledger:
        head = ledger.head() if size is None else _signed_head(ledger, size)
        note = checkpoint_note(head, ledger.keys.signing_key)
    typer.echo(note, nl=False)


def _signed_head(ledger: Ledger, size: int) -> TreeHead:
    for head in reversed(ledger.heads()):
        if head.size == size:
            return head
    raise LedgerError(f"no signed tree head has size {size}; omit --size for the latest")


@app.command("audit")
def audit(
    checkpoint_file: Annotated[
        Path, typer.Option("--checkpoint", help="The new checkpoint (from `ledger checkpoint`).")
    ],
    state: Annotated[
        Path, typer.Option("--state", help="The witness's state file (created on first use).")
    ],
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="The ledger's verifier key, or a file from `ledger key`; needed the first time, "
            "then pinned in the state.",
        ),
    ] = None,
    proof: Annotated[
        Path | None,
        typer.Option("--proof", help="A `ledger consistency` document from the last checkpoint."),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Rebuild the tree from every entry and decide every release again as of its date.",
        ),
    ] = False,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Replay from a `ledger export` folder, not the store."),
    ] = None,
    orders: Orders = None,
    agencies: Agencies = None,
    store: Store = None,
) -> None:
    """The auditor's check of a new checkpoint: signature, no rollback, no split view (two
    signed trees of one size are kept in the state as evidence), consistency with the last
    verified checkpoint, and optionally a full replay. Exit 1 when a check fails.

    Example: `taxgate ledger audit --checkpoint cp.note --state witness.json --key ledger.pub
    --replay --export ledger-export/`
    """
    request = AuditRequest(
        checkpoint_file, state, key, proof, store, replay, export, orders, agencies
    )
    result = run_audit(request)
    typer.echo(f"ok: {result}")
    for finding in result.unlawful:
        typer.echo(
            f"UNLAWFUL: {finding.items} item(s) of batch {finding.batch} released on "
            f"{finding.as_of} (from entry {finding.first_entry}): the published orders bar them"
        )
    if result.unlawful:
        raise typer.Exit(1)


@app.command("accounting")
def accounting(
    tin: Annotated[str, typer.Option("--tin", help="The taxpayer's TIN (9 digits).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    store: Store = None,
    keys: Keys = None,
) -> None:
    """List every disclosure of one taxpayer's information: date, recipient, purpose, basis,
    fields (26 U.S.C. §6103(p)(3); 5 U.S.C. §552a(c)).

    Example: `taxgate ledger accounting --tin 000123456`
    """
    digits = "".join(ch for ch in tin if ch.isdigit())
    if len(digits) != 9 or len(tin.replace("-", "")) != 9:
        raise InputError("--tin", "a TIN is 9 digits, with or without dashes")
    with _reading(store, keys) as ledger:
        disclosures = ledger.accounting(digits)
    if as_json:
        for d in disclosures:
            doc = {
                "date": d.date,
                "recipient": d.recipient,
                "purpose": d.purpose,
                "basis": d.basis,
                "fields": list(d.fields),
                "batch": d.batch,
                "item": d.item,
                "entry": d.index,
            }
            typer.echo(json.dumps(doc))
        return
    table = Table("date", "recipient", "purpose", "basis", "fields", "batch", "item", "entry")
    for d in disclosures:
        row = (d.date, d.recipient, d.purpose, d.basis, ",".join(d.fields), d.batch, d.item)
        table.add_row(*row, str(d.index))
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # a file or pipe: do not wrap to 80 columns
    console.print(table)
    console.print(f"{len(disclosures)} disclosure(s) recorded for this taxpayer")
