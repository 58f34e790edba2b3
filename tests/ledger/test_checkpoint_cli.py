"""``ledger key``, ``ledger checkpoint`` and ``ledger audit`` as a person runs them."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxgate.cli import app, main
from taxgate.ledger import Entry, Ledger
from taxgate.ledger.checkpoint import Checkpoint, open_checkpoint, parse_verifier, published_key

runner = CliRunner()


@pytest.fixture
def grown(store_url: str, key_dir: Path) -> tuple[str, Path]:
    with Ledger.open(store_url, key_dir) as ledger:
        ledger.append_batch([Entry("decision", "B1", item=f"i{i}") for i in range(6)])
        ledger.append_batch([Entry("decision", "B2", item=f"i{i}") for i in range(9)])
    return store_url, key_dir


def _run(*args: object) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_key_publishes_the_verifier_key_and_the_pem(grown: tuple[str, Path]) -> None:
    _, keys = grown
    both = _run("ledger", "key", "--keys", keys)
    line, pem = both.split("\n", 1)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    verifier = parse_verifier(line)
    assert published_key(pem).encode() == verifier.encode() == published_key(both).encode()
    assert _run("ledger", "key", "--keys", keys, "--vkey") == line + "\n"


def test_checkpoint_is_the_signed_tree_head(grown: tuple[str, Path]) -> None:
    url, keys = grown
    head = json.loads(_run("ledger", "head", "--store", url, "--keys", keys))
    verifier = parse_verifier(_run("ledger", "key", "--keys", keys, "--vkey"))
    note = _run("ledger", "checkpoint", "--store", url, "--keys", keys)
    checkpoint = open_checkpoint(note, verifier).checkpoint
    assert (checkpoint.size, checkpoint.root.hex()) == (head["size"], head["root"])
    assert note.splitlines()[2] == base64.b64encode(bytes.fromhex(head["root"])).decode()
    older = open_checkpoint(
        _run("ledger", "checkpoint", "--size", "6", "--store", url, "--keys", keys), verifier
    ).checkpoint
    assert older.size == 6
    result = runner.invoke(
        app, ["ledger", "checkpoint", "--size", "7", "--store", url, "--keys", str(keys)]
    )
    assert "no signed tree head has size 7" in str(result.exception)


def test_audit_from_the_command_line(
    grown: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, keys = grown
    (tmp_path / "key.pub").write_text(_run("ledger", "key", "--keys", keys))
    old = tmp_path / "old.note"
    old.write_text(_run("ledger", "checkpoint", "--size", "6", "--store", url, "--keys", keys))
    new = tmp_path / "new.note"
    new.write_text(_run("ledger", "checkpoint", "--store", url, "--keys", keys))
    state = tmp_path / "state.json"
    base = ["ledger", "audit", "--state", str(state), "--store", url]
    out = _run(*base, "--checkpoint", old, "--key", tmp_path / "key.pub")
    assert out.startswith("ok: checkpoint of size 6 verified; first checkpoint")
    out = _run(*base, "--checkpoint", new, "--replay")
    assert "consistent with size 6 (replayed)" in out and "replayed 15 entries" in out
    with pytest.raises(SystemExit) as exit_:
        main([*base, "--checkpoint", str(old)])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and err.count("\n") == 1 and "rollback refused" in err
    # A checkpoint edited by hand no longer verifies.
    text = new.read_text().splitlines(keepends=True)
    body = Checkpoint.parse("".join(text[:3]))
    text[1] = f"{body.size + 1}\n"
    new.write_text("".join(text))
    with pytest.raises(SystemExit) as exit_:
        main([*base, "--checkpoint", str(new)])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "invalid signature" in err


def test_the_published_key_file_verifies_an_export(grown: tuple[str, Path], tmp_path: Path) -> None:
    url, keys = grown
    (tmp_path / "ledger.pub").write_text(_run("ledger", "key", "--keys", keys, "--vkey"))
    _run("ledger", "export", tmp_path / "export", "--store", url, "--keys", keys)
    out = _run(
        "ledger", "verify", "--export", tmp_path / "export", "--key", tmp_path / "ledger.pub"
    )
    assert out.startswith("ok: 15 entries")
