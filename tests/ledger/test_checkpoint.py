"""C2SP signed notes and checkpoints against the reference implementation's vectors and the
specifications' own examples (``vectors/c2sp/``, sources in its README)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from taxgate.errors import ConfigError, ProofError
from taxgate.ledger import Entry, Ledger
from taxgate.ledger.checkpoint import (
    Checkpoint,
    Verifier,
    checkpoint_note,
    open_checkpoint,
    open_note,
    parse_verifier,
    published_key,
    read_note,
    sign_note,
    split_note,
)
from taxgate.ledger.keys import public_pem

VECTORS = Path(__file__).parent / "vectors" / "c2sp"
GO = json.loads((VECTORS / "sumdb-note.json").read_text(encoding="utf-8"))


def _peter_signing_key() -> Ed25519PrivateKey:
    # PRIVATE+KEY+name+hash+base64(0x01 || 32-byte seed); the base64 itself may hold '+'.
    material = base64.b64decode(GO["skey"].split("+", 4)[4])
    assert material[0] == 0x01
    return Ed25519PrivateKey.from_private_bytes(material[1:])


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_signing_reproduces_the_reference_note_byte_for_byte() -> None:
    signed = sign_note(GO["text"], "PeterNeumann", _peter_signing_key())
    assert signed == GO["signed"]


def test_the_key_id_is_the_first_four_bytes_of_the_specified_hash() -> None:
    key = _peter_signing_key()
    digest = hashlib.sha256(b"PeterNeumann\n\x01" + _raw(key)).digest()
    verifier = Verifier.of(key.public_key(), "PeterNeumann")
    assert verifier.hash == int.from_bytes(digest[:4], "big") == 0xC74F20A3
    assert verifier.encode() == GO["vkey"]
    assert parse_verifier(GO["vkey"]).encode() == GO["vkey"]


def test_mangled_verifier_keys_are_refused() -> None:
    vkey = GO["vkey"]
    mangled = [vkey[i:j] for i in range(len(vkey) + 1) for j in range(i + 1, len(vkey) + 1)]
    mangled = [text for text in mangled if text != vkey]
    mangled += [vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :] for i in range(len(vkey))]
    mangled += GO["bad_verifier_keys"]
    accepted = []
    for text in mangled:
        try:
            parse_verifier(text)
        except ConfigError:
            continue
        accepted.append(text)
    assert accepted == []


def test_open_verifies_known_keys_and_ignores_unknown_ones() -> None:
    peter, enoch = parse_verifier(GO["vkey"]), parse_verifier(GO["enoch_vkey"])
    both = GO["text"] + "\n" + GO["peter_signature_line"] + GO["enoch_signature_line"]
    note = open_note(both, (peter,))
    assert note.text == GO["text"]
    assert [s.name for s in note.verified] == ["PeterNeumann"]
    assert [s.name for s in note.unverified] == ["EnochRoot"]
    assert len(open_note(both, (peter, enoch)).verified) == 2
    with pytest.raises(ProofError, match="no signature from the ledger's key"):
        open_note(both, ())


def test_a_failing_signature_of_a_known_key_rejects_the_note() -> None:
    line = GO["peter_signature_line"]
    broken = GO["text"] + "\n" + line[:60] + "ABCD" + line[60:]
    with pytest.raises(ProofError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        open_note(broken, (parse_verifier(GO["vkey"]),))
    edited = GO["signed"].replace("cryptography", "cryptographY")
    with pytest.raises(ProofError, match="invalid signature"):
        open_note(edited, (parse_verifier(GO["vkey"]),))


def test_the_reference_malformed_notes_are_refused() -> None:
    verifier = parse_verifier(GO["vkey"])
    for encoded in GO["malformed_base64"]:
        with pytest.raises(ProofError, match="malformed note"):
            open_note(read_note(base64.b64decode(encoded)), (verifier,))


def test_the_specification_example_ends_its_text_at_the_last_blank_line() -> None:
    message = (VECTORS / "signed-note-example.txt").read_text(encoding="utf-8")
    text, signatures = split_note(message)
    assert text.count("\n\n") == 1  # the poem's own blank line stays in the text
    assert text.endswith("ed è subito sera.\n")
    (signature,) = signatures
    assert signature.name == "quasimodo.example/salvatore"
    assert len(signature.signature) == 64  # Ed25519
    assert signature.line() == message[len(text) + 1 :]


def test_the_checkpoint_example_reads_back_to_the_same_text() -> None:
    message = (VECTORS / "tlog-checkpoint-example.txt").read_text(encoding="utf-8")
    text, (signature,) = split_note(message)
    checkpoint = Checkpoint.parse(text)
    assert checkpoint.origin == signature.name == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.text() == text


@pytest.mark.parametrize(
    "text",
    [
        "origin\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  # leading zero
        "origin\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n12\nnot base64!\n",
        "origin\n12\nAAAA\n",  # 3 bytes, not 32
        "origin\n12\n",
        "\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(ProofError, match="not a checkpoint"):
        Checkpoint.parse(text)


def test_the_ledger_checkpoint_is_its_signed_tree_head(store_url: str, key_dir: Path) -> None:
    with Ledger.open(store_url, key_dir) as ledger:
        head = ledger.append_batch([Entry("decision", "B", item=f"i{i}") for i in range(11)])
        note = checkpoint_note(head, ledger.keys.signing_key)
        public_key = ledger.keys.public_key
    published = Verifier.of(public_key).encode() + "\n" + public_pem(public_key).decode()
    verifier = published_key(published)
    opened = open_checkpoint(note, verifier)
    assert opened.checkpoint.size == head.size == 11
    assert opened.checkpoint.root.hex() == head.root
    assert opened.checkpoint.origin == verifier.name
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    expected = hashlib.sha256(verifier.name.encode() + b"\n\x01" + raw).digest()[:4]
    assert verifier.hash == int.from_bytes(expected, "big")
    # The PEM alone names the same key.
    assert published_key(public_pem(public_key).decode()).encode() == verifier.encode()


def test_a_checkpoint_of_another_origin_signed_by_the_key_is_refused(key_dir: Path) -> None:
    key = Ed25519PrivateKey.generate()
    verifier = Verifier.of(key.public_key())
    other = Checkpoint("other.example/log", 3, bytes(32))
    note = sign_note(other.text(), verifier.name, key)
    with pytest.raises(ProofError, match="origin"):
        open_checkpoint(note, verifier)


def test_a_published_file_whose_two_keys_differ_is_refused() -> None:
    one, two = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    text = Verifier.of(one.public_key()).encode() + "\n" + public_pem(two.public_key()).decode()
    with pytest.raises(ConfigError, match="differ"):
        published_key(text)
