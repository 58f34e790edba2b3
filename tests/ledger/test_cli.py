"""``taxgate ledger ...`` as a user runs it: head, verify, prove, consistency, check-proof,
export, key, accounting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from taxgate.cli.ledger import app
from taxgate.errors import InputError
from taxgate.ledger import Ledger

from .conftest import decisions

runner = CliRunner()


@pytest.fixture
def filled(sqlite_url: str, key_dir: Path) -> tuple[str, Path]:
    with Ledger.open(sqlite_url, key_dir) as ledger:
        ledger.append_batch(decisions("ICE-1", range(12), subject=ledger.subject("000123456")))
        ledger.append_batch(decisions("ICE-2", range(9)))
    return sqlite_url, key_dir


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def test_head_prints_the_signed_tree_head(filled: tuple[str, Path]) -> None:
    url, keys = filled
    code, out = run("head", "--store", url, "--keys", keys)
    assert code == 0
    head = json.loads(out)
    assert set(head) == {"size", "root", "time", "key_id", "signature"} and head["size"] == 21


def test_store_defaults_to_the_environment(
    filled: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, keys = filled
    monkeypatch.setenv("TAXGATE_STORE", url)
    monkeypatch.setenv("TAXGATE_KEY_DIR", str(keys))
    code, out = run("head")
    assert code == 0 and json.loads(out)["size"] == 21


def test_verify_exits_0_then_1_naming_the_first_bad_entry(filled: tuple[str, Path]) -> None:
    url, keys = filled
    assert run("verify", "--store", url, "--keys", keys) == (
        0,
        "ok: 21 entries, 2 signed tree heads verified\n",
    )
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET body = body || ' ' WHERE idx = 14"))
    engine.dispose()
    code, out = run("verify", "--store", url, "--keys", keys)
    assert code == 1 and out.startswith("FAILED: entry 14: ")


def test_prove_and_consistency_check_with_the_public_key_alone(
    filled: tuple[str, Path], tmp_path: Path
) -> None:
    url, keys = filled
    code, published = run("key", "--keys", keys)
    assert code == 0 and "BEGIN PUBLIC KEY" in published
    (tmp_path / "published.pub").write_text(published)

    code, out = run("prove", "5", "--store", url, "--keys", keys)
    assert code == 0
    (tmp_path / "proof.json").write_text(out)
    assert run("check-proof", tmp_path / "proof.json", "--key", tmp_path / "published.pub") == (
        0,
        "ok: entry 5 is in the signed tree of size 21\n",
    )

    code, out = run("consistency", "12", "--store", url, "--keys", keys)
    assert code == 0 and json.loads(out)["old_tree_head"]["size"] == 12
    (tmp_path / "consistency.json").write_text(out)
    code, out = run(
        "check-proof", tmp_path / "consistency.json", "--key", tmp_path / "published.pub"
    )
    assert (code, out) == (0, "ok: the tree of size 21 extends size 12\n")

    forged = json.loads((tmp_path / "proof.json").read_text())
    forged["entry"] = forged["entry"].replace("ICE-1", "ICE-9")
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    code, out = run("check-proof", tmp_path / "forged.json", "--key", tmp_path / "published.pub")
    assert code == 1 and out.startswith("FAILED:")


def test_prove_an_entry_that_does_not_exist_is_a_one_line_error(filled: tuple[str, Path]) -> None:
    url, keys = filled
    result = runner.invoke(app, ["prove", "99", "--store", url, "--keys", str(keys)])
    assert "entry 99 is not in the signed tree of size 21" in str(result.exception)


def test_export_then_verify_the_export(filled: tuple[str, Path], tmp_path: Path) -> None:
    url, keys = filled
    code, out = run("export", tmp_path / "export", "--store", url, "--keys", keys)
    assert code == 0 and "exported 21 entries" in out
    code, out = run("verify", "--export", tmp_path / "export")
    assert code == 0 and out.startswith("ok: 21 entries")


def test_accounting_lists_disclosures_for_a_tin(filled: tuple[str, Path]) -> None:
    url, keys = filled
    code, out = run("accounting", "--tin", "000-12-3456", "--json", "--store", url, "--keys", keys)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["item"] for r in rows] == ["item-0", "item-3", "item-6", "item-9"]
    assert rows[0]["recipient"] == "ICE" and rows[0]["basis"] == "6103(i)(2)"
    assert rows[0]["fields"] == ["street", "unit", "city", "state", "zip"]
    code, out = run("accounting", "--tin", "000123456", "--store", url, "--keys", keys)
    assert code == 0 and "4 disclosure(s)" in out
    with pytest.raises(InputError, match="9 digits"):
        run("accounting", "--tin", "12345", "--store", url, "--keys", keys)


def test_a_bad_store_url_is_a_one_line_error(key_dir: Path) -> None:
    result = runner.invoke(app, ["head", "--store", "nonsense", "--keys", str(key_dir)])
    assert "not a database URL" in str(result.exception)
