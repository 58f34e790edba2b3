"""Commands that only read never create a store or a key: a mistyped ``--store`` or ``--keys``
is a one-line error, not an empty ledger that "verifies" (only appending creates)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxgate.cli.ledger import app
from taxgate.errors import TaxgateError
from taxgate.ledger import Ledger, LedgerError, NoLedgerError

from .conftest import decisions

runner = CliRunner()


def files_under(path: Path) -> list[Path]:
    return sorted(path.rglob("*"))


def run(*args: str | Path) -> None:
    runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_opening_a_missing_store_to_read_raises_and_creates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'typo.db'}"
    with pytest.raises(NoLedgerError) as raised:
        Ledger.open(url, tmp_path / "keys", create=False)
    assert str(raised.value) == (
        f"{url}: no ledger there (nothing has been recorded in this store); check --store"
    )
    assert isinstance(raised.value, TaxgateError) and raised.value.exit_code == 2
    assert files_under(tmp_path) == []


def test_a_store_without_ledger_tables_is_no_ledger(store_url: str, tmp_path: Path) -> None:
    """An existing SQLite file of something else, or an empty PostgreSQL schema."""
    if store_url.startswith("sqlite"):
        other = sqlite3.connect(tmp_path / "ledger.db")
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
        other.close()
    before = files_under(tmp_path)
    with pytest.raises(NoLedgerError, match="no ledger there"):
        Ledger.open(store_url, tmp_path / "keys", create=False)
    assert files_under(tmp_path) == before


def test_an_empty_file_is_no_ledger(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    with pytest.raises(NoLedgerError):
        Ledger.open(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "keys", create=False)
    assert files_under(tmp_path) == [tmp_path / "empty.db"]


def test_missing_keys_beside_a_real_store_are_not_minted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url, tmp_path / "keys") as ledger:
        ledger.append_batch(decisions("ICE-1", range(3)))
    with pytest.raises(NoLedgerError, match=r"keys-typo: no ledger keys there.*check --keys"):
        Ledger.open(url, tmp_path / "keys-typo", create=False)
    assert not (tmp_path / "keys-typo").exists()
    with Ledger.open(url, tmp_path / "keys", create=False) as ledger:
        assert ledger.verify().ok and ledger.size() == 3


@pytest.mark.parametrize(
    "command",
    [
        ["verify"],
        ["head"],
        ["prove", "0"],
        ["consistency", "0"],
        ["accounting", "--tin", "000123456"],
        ["export", "EXPORT"],
    ],
)
def test_read_only_commands_on_a_typo_store_create_nothing(
    command: list[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    args = [str(tmp_path / a) if a == "EXPORT" else a for a in command]
    with pytest.raises(NoLedgerError):
        run(*args, "--store", url, "--keys", tmp_path / "keys")
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("command", [["key"], ["check-proof", "PROOF"]])
def test_key_commands_do_not_mint_a_key(command: list[str], tmp_path: Path) -> None:
    (tmp_path / "proof.json").write_text("{}")
    args = [str(tmp_path / "proof.json") if a == "PROOF" else a for a in command]
    with pytest.raises(NoLedgerError, match="no ledger keys there"):
        run(*args, "--keys", tmp_path / "keys")
    assert files_under(tmp_path) == [tmp_path / "proof.json"]


def test_verify_of_a_typo_store_exits_2_with_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    done = subprocess.run(
        [sys.executable, "-c", "from taxgate.cli import main; main()", "ledger", "verify"],
        capture_output=True,
        text=True,
        env={**os.environ, "TAXGATE_STORE": url, "TAXGATE_KEY_DIR": str(tmp_path / "k")},
        cwd=tmp_path,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    message = f"{url}: no ledger there (nothing has been recorded in this store); check --store"
    assert done.stderr == f"taxgate: error: {message}\n"
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["prove", "-1"], "entry -1: entries are numbered from 0"),
        (["consistency", "-3"], "old size -3: entries are numbered from 0"),
    ],
)
def test_a_negative_index_is_a_one_line_error(
    args: list[str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(LedgerError, match=message):
        run(*args, "--store", f"sqlite:///{tmp_path / 'x.db'}", "--keys", tmp_path / "keys")
    assert files_under(tmp_path) == []
