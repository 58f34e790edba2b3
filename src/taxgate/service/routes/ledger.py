"""The ledger (``taxgate ledger head / prove / consistency / verify / key / accounting``).

Proofs are checked with the public key before they are handed out, as the CLI does, and are
byte for byte the documents ``taxgate ledger check-proof`` reads. A taxpayer's accounting
names where their information went: showing it is an inspection, recorded first.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Form, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from taxgate.errors import ConfigError, NotFoundError, OptionError, ProofError
from taxgate.ledger.keys import load_public_key, public_pem
from taxgate.ledger.proofs import InclusionProof, load_proof
from taxgate.review.inspection import record_inspection
from taxgate.service.routes import api_router, page_router, validated
from taxgate.service.web import Caller, Signed, render

router = api_router()
pages = page_router()

# Where an accounting look is filed in the ledger: not a batch (batch ids are REQUEST@DATE).
ACCOUNTING = "accounting"
Size = Annotated[
    int | None, Query(ge=0, description="Use the signed tree head of this size (default latest).")
]


class TreeHeadView(BaseModel):
    size: int
    root: str
    time: str
    key_id: str
    signature: str


class EntryView(BaseModel):
    index: int
    entry: dict[str, Any] = Field(description="The entry (its canonical JSON, parsed).")


class InclusionView(BaseModel):
    type: str = "inclusion"
    index: int
    entry: str = Field(description="The entry's canonical JSON: exactly the bytes hashed.")
    leaf_hash: str
    proof: list[str]
    tree_head: TreeHeadView


class ConsistencyView(BaseModel):
    type: str = "consistency"
    old_size: int
    old_root: str
    proof: list[str]
    tree_head: TreeHeadView
    old_tree_head: TreeHeadView | None


class VerifyView(BaseModel):
    ok: bool
    entries: int
    heads: int
    first_bad_index: int | None
    last_bad_index: int | None
    reason: str
    text: str = Field(description="The line `taxgate ledger verify` prints.")


class AccountingBody(BaseModel):
    tin: str = Field(pattern=r"^\d{3}-?\d{2}-?\d{4}$", description="The taxpayer's TIN.")


class DisclosureView(BaseModel):
    date: str
    recipient: str
    purpose: str
    basis: str
    fields: list[str]
    batch: str
    item: str
    entry: int


@router.get("/ledger/head", response_model=TreeHeadView, tags=["ledger"])
def head_api(who: Signed) -> TreeHeadView:
    """The latest signed tree head (``taxgate ledger head``)."""
    who.require("ledger.read")
    return TreeHeadView(**who.ledger.head().to_dict())


def entries(who: Caller, start: int, limit: int) -> list[EntryView]:
    end = min(start + limit, who.ledger.size())
    return [EntryView(index=i, entry=json.loads(who.ledger.entry(i))) for i in range(start, end)]


@router.get("/ledger/entries", response_model=list[EntryView], tags=["ledger"])
def entries_api(
    who: Signed,
    start: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[EntryView]:
    """Entries from ``start``, in log order (subjects are keyed hashes, never TINs)."""
    who.require("ledger.read")
    return entries(who, start, limit)


def _tree(who: Caller, size: int | None) -> int:
    """The size of the signed tree asked for; a size no head has signed is the caller's
    mistake (404), not the ledger's failure."""
    if size is None:
        return who.ledger.size()
    if all(head.size != size for head in who.ledger.heads()):
        raise NotFoundError(f"no signed tree head has size {size}; omit size for the latest")
    return size


def prove(who: Caller, index: int, size: int | None) -> dict[str, Any]:
    who.require("ledger.read")
    tree = _tree(who, size)
    if index >= tree:
        raise NotFoundError(f"entry {index} is not in the signed tree of size {tree}")
    proof = who.ledger.prove(index, size)
    proof.check(who.ledger.keys.public_key)  # never hand out a proof that does not verify
    return proof.to_dict()


@router.get("/ledger/proof/{index}", response_model=InclusionView, tags=["ledger"])
def proof_api(index: Annotated[int, Path(ge=0)], who: Signed, size: Size = None) -> Any:
    """Proof that an entry is in the signed tree (``taxgate ledger prove``)."""
    return prove(who, index, size)


@router.get("/ledger/consistency/{old_size}", response_model=ConsistencyView, tags=["ledger"])
def consistency_api(old_size: Annotated[int, Path(ge=0)], who: Signed, size: Size = None) -> Any:
    """Proof that the signed tree extends its first OLD_SIZE entries unchanged."""
    who.require("ledger.read")
    tree = _tree(who, size)
    if old_size > tree:
        raise OptionError(f"old size {old_size} must be between 0 and {tree}", option="old_size")
    proof = who.ledger.consistency(old_size, size)
    proof.check(who.ledger.keys.public_key)
    return proof.to_dict()


@router.post("/ledger/verify", response_model=VerifyView, tags=["ledger"])
def verify_api(who: Signed) -> VerifyView:
    """Recompute every hash and check every signed tree head (``taxgate ledger verify``)."""
    who.require("ledger.verify")
    result = who.ledger.verify()
    return VerifyView(
        ok=result.ok,
        entries=result.entries,
        heads=result.heads,
        first_bad_index=result.first_bad_index,
        last_bad_index=result.last_bad_index,
        reason=result.reason,
        text=str(result),
    )


@router.get("/ledger/key", response_class=PlainTextResponse, tags=["ledger"])
def key_api(who: Signed) -> str:
    """The public key that verifies tree heads and proofs (PEM), to publish."""
    who.require("ledger.key")
    return public_pem(who.ledger.keys.public_key).decode()


def accounting(who: Caller, body: AccountingBody) -> list[DisclosureView]:
    who.require("ledger.accounting")
    digits = "".join(ch for ch in body.tin if ch.isdigit())
    # What the taxpayer's accounting holds is return information: the look is recorded first.
    record_inspection(who.ledger, ACCOUNTING, "taxpayer", [digits], who.user.name, "accounting")
    return [
        DisclosureView(
            date=d.date,
            recipient=d.recipient,
            purpose=d.purpose,
            basis=d.basis,
            fields=list(d.fields),
            batch=d.batch,
            item=d.item,
            entry=d.index,
        )
        for d in who.ledger.accounting(digits)
    ]


class CheckProofBody(BaseModel):
    proof: dict[str, Any] = Field(description="A document from the proof routes (or the CLI).")
    key: str | None = Field(None, description="The published public key (PEM); default ours.")


class CheckProofView(BaseModel):
    ok: bool
    text: str = Field(description="The line `taxgate ledger check-proof` prints.")


@router.post("/ledger/check-proof", response_model=CheckProofView, tags=["ledger"])
def check_proof_api(body: CheckProofBody, who: Signed) -> CheckProofView:
    """Check an inclusion or consistency proof with a public key alone (``taxgate ledger
    check-proof``): 200 either way, ``ok`` says whether it verified."""
    who.require("ledger.checkproof")
    pem = body.key.encode() if body.key else public_pem(who.ledger.keys.public_key)
    try:
        public_key = load_public_key(pem)
    except ConfigError as exc:
        raise OptionError(f"key: {exc}", option="key") from None
    try:
        proof = load_proof(json.dumps(body.proof))
        proof.check(public_key)
    except ProofError as exc:
        return CheckProofView(ok=False, text=f"FAILED: {exc}")
    if isinstance(proof, InclusionProof):
        text = f"ok: entry {proof.index} is in the signed tree of size {proof.tree_head.size}"
    else:
        text = f"ok: the tree of size {proof.tree_head.size} extends size {proof.old_size}"
    return CheckProofView(ok=True, text=text)


@router.post("/ledger/accounting", response_model=list[DisclosureView], tags=["ledger"])
def accounting_api(body: AccountingBody, who: Signed) -> list[DisclosureView]:
    """Every disclosure of one taxpayer's information (``taxgate ledger accounting``),
    §6103(p)(3). Recorded in the ledger as an inspection by the signed-in user."""
    return accounting(who, body)


# -- console -----------------------------------------------------------------------------

PAGE = 50


@pages.get("/ledger")
def ledger_page(request: Request, who: Signed, start: int | None = None) -> Response:
    who.require("ledger.read")
    head = who.ledger.head()
    first = max(0, head.size - PAGE) if start is None else max(0, min(start, head.size))
    shown = list(reversed(entries(who, first, PAGE)))
    context = {"head": head, "entries": shown, "first": first, "page": PAGE}
    return render(request, "ledger.html", context, who=who)


@pages.get("/ledger/proof/{index}.json")
def proof_download(index: int, who: Signed) -> Response:
    body = json.dumps(prove(who, index, None), indent=2, ensure_ascii=False)
    disposition = f'attachment; filename="proof-{index}.json"'
    return Response(
        body, media_type="application/json", headers={"Content-Disposition": disposition}
    )


@pages.get("/ledger/key.pub")
def key_download(who: Signed) -> Response:
    who.require("ledger.key")
    pem = public_pem(who.ledger.keys.public_key)
    disposition = 'attachment; filename="taxgate-ledger.pub"'
    return Response(
        pem, media_type="application/x-pem-file", headers={"Content-Disposition": disposition}
    )


@pages.post("/ledger/accounting")
def accounting_form(request: Request, who: Signed, tin: Annotated[str, Form()]) -> Response:
    found = accounting(who, validated(AccountingBody, {"tin": tin}))
    return render(request, "accounting.html", {"disclosures": found}, who=who)
