"""A served store for the service tests: PostgreSQL, one decided batch, a user of each role.

A small generated world and a ``mixed`` request are made once per session (the first decide
trains the world's identity model); each test module then gets its own PostgreSQL schema in
which officer ``olga`` has decided the request through the real pipeline, and the service
app over it with one user (and one API token) per role (``service_kit.serve``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from service_kit import AS_OF, Served, World, serve
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("served")
    generate_world(root / "world", taxpayers=3_000, seed=11)
    generate_request(root / "world", root / "mixed", kind="mixed", size=120, seed=11)
    manifest = root / "mixed" / "request.toml"
    # Train the world's identity model once, so every module's decide is quick.
    scratch = tmp_path_factory.mktemp("scratch")
    decide(
        manifest,
        DecideOptions(
            world=root / "world",
            as_of=AS_OF,
            out=scratch / "out",
            store_url=f"sqlite:///{scratch / 'store.db'}",
            key_dir=scratch / "keys",
        ),
    )
    return World(root, root / "world", manifest)


@pytest.fixture(scope="module")
def pg_store(postgres_server: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test module (``postgres_url`` is per test)."""
    schema = f"svc_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_server, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture(scope="module")
def served(
    world: World, pg_store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    found = serve(world, pg_store, tmp_path_factory.mktemp("service"))
    yield found
    found.client.close()
    found.ledger.close()
