"""Where the service finds the ledger's keys, and what it may read.

``taxgate demo`` leaves its keys beside its SQLite store, so ``taxgate serve --store
sqlite:///demo-out/store.db`` finds them; keys that did not sign a store are refused at start
with one line, before anyone waits on a decide that could never be recorded.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from taxgate.errors import ConfigError, ForbiddenError, InputError
from taxgate.ledger import Entry, Ledger
from taxgate.service.config import ServiceConfig, keys_for, open_ledger


def _ledger(store: str, keys: Path) -> None:
    with Ledger.open(store, keys) as ledger:
        ledger.append_batch([Entry("order", "setup", "o1", as_of=date(2025, 1, 1))])


def test_keys_beside_a_sqlite_store_are_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TAXGATE_KEY_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path / 'demo-out' / 'store.db'}"
    _ledger(store, tmp_path / "demo-out" / "keys")
    assert keys_for(store, None) == tmp_path / "demo-out" / "keys"
    assert keys_for(store, tmp_path / "other") == tmp_path / "other"
    with open_ledger(ServiceConfig.make(store)) as ledger:
        assert ledger.size() == 1


def test_keys_that_did_not_sign_the_store_are_refused_in_one_line(
    postgres_url: str, tmp_path: Path
) -> None:
    _ledger(postgres_url, tmp_path / "keys")
    with pytest.raises(ConfigError, match="pass the ledger's --keys"):
        open_ledger(ServiceConfig.make(postgres_url, tmp_path / "other-keys"))
    served = subprocess.run(
        [
            *(sys.executable, "-m", "taxgate", "serve", "--store", postgres_url),
            *("--keys", str(tmp_path / "other-keys"), "--port", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 2
    assert len(served.stderr.strip().splitlines()) == 1
    assert "pass the ledger's --keys" in served.stderr


def test_a_caller_names_files_under_the_root_only(tmp_path: Path) -> None:
    (tmp_path / "root" / "world").mkdir(parents=True)
    (tmp_path / "secret.toml").write_text("")
    config = ServiceConfig.make("sqlite:///x.db", tmp_path / "k", tmp_path / "root")
    assert config.readable("world", "world", folder=True) == tmp_path / "root" / "world"
    for outside in ("../secret.toml", str(tmp_path / "secret.toml"), "world/../../secret.toml"):
        with pytest.raises(ForbiddenError):
            config.readable(outside, "manifest")
    with pytest.raises(InputError):
        config.readable("world", "manifest")  # a folder where a file is needed
