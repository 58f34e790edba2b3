"""What the service tests share: the people, the served store, and small readers of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from taxgate.ledger import Ledger
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.service import accounts
from taxgate.service.app import create_app
from taxgate.service.config import ServiceConfig
from taxgate.service.jobs import JOBS
from taxgate.service.web import COOKIE

AS_OF = date(2025, 8, 7)
# name: (role, agency). olga starts batches; pete reviews them.
PEOPLE = {
    "olga": ("officer", ""),
    "pete": ("officer", ""),
    "carla": ("counsel", ""),
    "audrey": ("auditor", ""),
    "cody": ("custodian", "ICE"),
    "pat": ("public", ""),
}


def password(name: str) -> str:
    return f"password-{name}"


@dataclass(frozen=True)
class World:
    root: Path  # the folder the server may read
    world: Path
    manifest: Path


@dataclass
class Served:
    app: FastAPI
    client: TestClient
    config: ServiceConfig
    tokens: dict[str, str]
    batch: str  # decided by olga
    world: World

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    @property
    def ledger(self) -> Ledger:
        ledger: Ledger = self.app.state.service.ledger
        return ledger

    def size(self) -> int:
        return self.ledger.size()


def serve(world: World, store_url: str, tmp: Path) -> Served:
    """Decide the request as olga into ``store_url``, then the service over it."""
    keys = tmp / "keys"
    result = decide(
        world.manifest,
        DecideOptions(
            world=world.world,
            as_of=AS_OF,
            out=tmp / "decided",
            store_url=store_url,
            key_dir=keys,
            actor="olga",
        ),
    )
    config = ServiceConfig.make(store_url, keys, world.root, tmp / "work")
    app = create_app(config)
    store = app.state.service.store
    tokens = {}
    for name, (role, agency) in PEOPLE.items():
        user = accounts.add_user(store, name, role, password(name), agency)
        tokens[name] = accounts.mint_token(store, user, "tests")
    client = TestClient(app, raise_server_exceptions=False)
    return Served(app, client, config, tokens, result.batch_id, world)


def job_count(served: Served) -> int:
    with served.ledger.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(JOBS)).scalar() or 0)


def signed_in(served: Served, name: str) -> TestClient:
    """A console session of ``name`` (a browser without JavaScript: cookie and forms)."""
    client = TestClient(served.app, raise_server_exceptions=False)
    response = client.post(
        "/login", data={"name": name, "password": password(name)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert COOKIE in response.cookies
    return client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)
