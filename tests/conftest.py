"""Shared fixtures: a real PostgreSQL server beside SQLite for every store test.

PostgreSQL is real, never mocked: ``TAXGATE_TEST_PG_URL`` names a server (``make test`` sets it
from ``scripts/ensure-postgres.sh``), else the script is run here. If it fails, the PostgreSQL
tests FAIL with the script's message; they are never skipped.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

# CI runs the same examples every time, so a red build is reproducible and never a coin
# toss; local runs keep exploring new examples (and the database remembers failures).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
ENSURE_POSTGRES = REPO / "scripts" / "ensure-postgres.sh"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url = os.environ.get("TAXGATE_TEST_PG_URL")
    if url:
        return url
    lock = REPO / ".taxgate" / "ensure-postgres.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # xdist workers must not initdb twice
        done = subprocess.run(
            ["bash", str(ENSURE_POSTGRES)], capture_output=True, text=True, timeout=900
        )
    if done.returncode != 0 or not done.stdout.strip():
        message = " | ".join(done.stderr.strip().splitlines()[-5:]) or "no output"
        pytest.fail(
            f"PostgreSQL is required and {ENSURE_POSTGRES.name} failed "
            f"(exit {done.returncode}): {message}",
            pytrace=False,
        )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections see only a fresh schema, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_server, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def hsi_registry(tmp_path: Path) -> Path:
    """The shipped agency registry plus HSI, a component of ICE (so within DHS): a batch
    decided under it names a recipient the shipped registry does not know."""
    shipped = REPO / "src" / "taxgate" / "intake" / "agencies.toml"
    registry = tmp_path / "agencies-with-hsi.toml"
    registry.write_text(
        shipped.read_text(encoding="utf-8")
        + '\n[agencies.HSI]\nname = "Homeland Security Investigations"\nparent = "ICE"\n'
        'i2_signers = ["Inspector General"]\ni1_authorisers = []\n'
        "open_findings = false\ncorrective_plan = false\n",
        encoding="utf-8",
    )
    return registry
