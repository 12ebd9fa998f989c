"""Test harness: a real PostGIS, never a stand-in.

Two tiers:
- fast: the session creates ``<name>_test`` from a migrated template once; each test runs inside one outer
  transaction rolled back at the end (the app's sessions join it through savepoints);
- committed (``committed_db_url``): a fresh database per module, cloned from the migrated template, for what must
  see committed data — CLI subprocesses, loader swaps, a live server, concurrent readers.

Tests never touch the database that ``DATABASE_URL`` names for the service: they derive their own names from it.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import Connection, Engine, create_engine, make_url, pool, text
from werkzeug.serving import make_server

from parking_api.app import create_app
from parking_api.store import migrate
from parking_api.store.db import make_engine, sqlalchemy_url

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def _service_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("DATABASE_URL is not set: run the tests with `make test`, which starts the project's PostGIS", 2)
    return url


def _with_database(url: str, name: str) -> str:
    return make_url(sqlalchemy_url(url)).set(database=name).render_as_string(hide_password=False)


def _admin_engine(url: str) -> Engine:
    """A connection to the server's maintenance database, in autocommit mode for CREATE/DROP DATABASE."""
    return create_engine(_with_database(url, "postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")


def _recreate(admin: Engine, name: str, template: str | None = None) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))


def _drop(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def base_name() -> str:
    name = make_url(sqlalchemy_url(_service_url())).database or "parking"
    return name if name.endswith("_test") else f"{name}_test"


@pytest.fixture(scope="session")
def template_db_url(base_name: str) -> Iterator[str]:
    """A database migrated to head once per session; every test database is cloned from it."""
    service = _service_url()
    admin = _admin_engine(service)
    name = f"{base_name}_template_{os.getpid()}"  # per session: concurrent runs never drop each other's
    _recreate(admin, name)
    url = _with_database(service, name)
    migrate.upgrade(url)
    yield url
    _drop(admin, name)
    admin.dispose()


@pytest.fixture(scope="session")
def test_db_url(template_db_url: str, base_name: str) -> Iterator[str]:
    """The fast tier's database (``<name>_test``)."""
    service = _service_url()
    admin = _admin_engine(service)
    _recreate(admin, base_name, template=make_url(template_db_url).database)
    yield _with_database(service, base_name)
    _drop(admin, base_name)
    admin.dispose()


@pytest.fixture(scope="session")
def test_engine(test_db_url: str) -> Iterator[Engine]:
    engine = make_engine(test_db_url, statement_timeout_ms=30000)
    yield engine
    engine.dispose()


@pytest.fixture
def db_connection(test_engine: Engine) -> Iterator[Connection]:
    """One outer transaction per test, rolled back at the end: nothing a test writes survives it."""
    with test_engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            outer.rollback()


@pytest.fixture
def app(db_connection: Connection, test_db_url: str):
    """The app bound to the test's outer transaction (its sessions use savepoints inside it)."""
    return create_app({"TESTING": True, "DATABASE_URL": test_db_url, "DB_BIND": db_connection})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def committed_db_url(template_db_url: str, base_name: str) -> Iterator[str]:
    """A fresh migrated database for one test module, for work that must commit."""
    service = _service_url()
    admin = _admin_engine(service)
    name = f"{base_name}_{uuid.uuid4().hex[:8]}"
    _recreate(admin, name, template=make_url(template_db_url).database)
    yield _with_database(service, name)
    _drop(admin, name)
    admin.dispose()


@pytest.fixture(scope="module")
def live_server(committed_db_url: str) -> Iterator[str]:
    """A real HTTP server on an ephemeral port (port 0), serving the committed database."""
    app = create_app({"TESTING": True, "DATABASE_URL": committed_db_url})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
