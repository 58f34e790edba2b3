"""What one running service is pointed at: its store and keys, and the folders it may use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from taxgate.errors import ConfigError, ForbiddenError, InputError
from taxgate.ledger import Ledger
from taxgate.ledger.keys import KEY_DIR_ENV, SIGNING_KEY
from taxgate.ledger.log import HEADS
from taxgate.store import default_store_url, sqlite_file


@dataclass(frozen=True)
class ServiceConfig:
    """``store_url`` and ``key_dir`` as every command takes them; ``root`` is the folder whose
    files (worlds, requests, orders) API callers may name; ``work`` is where the service
    writes what a decide or a verdict publishes."""

    store_url: str
    key_dir: Path
    root: Path
    work: Path

    @classmethod
    def make(
        cls,
        store_url: str | None = None,
        key_dir: Path | None = None,
        root: Path | None = None,
        work: Path | None = None,
    ) -> ServiceConfig:
        url = store_url or default_store_url()
        base = (root or Path.cwd()).resolve()
        return cls(
            store_url=url,
            key_dir=keys_for(url, key_dir),
            root=base,
            work=(work or Path(".taxgate") / "service").resolve(),
        )

    def readable(self, text: str, field: str, *, folder: bool = False) -> Path:
        """A path an API caller named, resolved under ``root``; it must exist there."""
        if not text.strip():
            raise InputError(field, "is empty; name a file under the server's folder")
        if "\x00" in text:
            raise InputError(field, "holds a NUL character; no file is named so")
        path = Path(text)
        try:
            path = (path if path.is_absolute() else self.root / path).resolve()
        except (OSError, RuntimeError) as exc:
            raise InputError(field, f"{text!r} cannot be resolved: {exc}") from exc
        if not path.is_relative_to(self.root):
            raise ForbiddenError(
                f"{field} {text!r} is outside the folder this server reads ({self.root})"
            )
        if folder and not path.is_dir():
            raise InputError(field, f"{text!r} is not a folder under {self.root}")
        if not folder and not path.is_file():
            raise InputError(field, f"{text!r} is not a file under {self.root}")
        return path

    def optional(self, text: str | None, field: str, *, folder: bool = False) -> Path | None:
        return self.readable(text, field, folder=folder) if text else None


def keys_for(store_url: str, key_dir: Path | None) -> Path:
    """``--keys``, else ``$TAXGATE_KEY_DIR``, else a ``keys/`` folder holding a signing key
    beside a SQLite store (where ``taxgate demo`` keeps them), else ``./.taxgate/keys``."""
    if key_dir is not None:
        return key_dir
    if os.environ.get(KEY_DIR_ENV):
        return Path(os.environ[KEY_DIR_ENV])
    database = sqlite_file(store_url)
    if database is not None and (database.parent / "keys" / SIGNING_KEY).is_file():
        return database.parent / "keys"
    return Path(".taxgate") / "keys"


def open_ledger(config: ServiceConfig) -> Ledger:
    """The store and keys, opened for the service's life; refuse keys that did not sign it.

    The ledger would refuse the first append anyway, but by then a person has waited for a
    decide; and proofs and accountings read with the wrong keys would quietly show nothing."""
    ledger = Ledger.open(config.store_url, config.key_dir)
    with ledger.store.engine.connect() as conn:
        latest = conn.execute(select(HEADS.c.key_id).order_by(HEADS.c.id.desc()).limit(1))
        signer = latest.scalar()
        count = conn.execute(select(func.count()).select_from(HEADS)).scalar()
    if count and signer != ledger.keys.key_id:
        ledger.close()
        raise ConfigError(
            f"the store's tree heads are signed by key {str(signer)[:16]}…, but {config.key_dir} "
            f"holds key {ledger.keys.key_id[:16]}…; pass the ledger's --keys"
        )
    return ledger
