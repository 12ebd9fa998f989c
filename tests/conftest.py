"""Test harness: a real PostGIS, never a stand-in.

Two tiers:
- fast: the session creates ``<name>_test`` from a migrated template once; each test runs inside one outer
  transaction rolled back at the end (the app's sessions join it through savepoints);
- committed (``committed_db_url`` per module, ``fresh_db_url`` per test): a fresh database cloned from the migrated
  template, for what must see committed data — CLI subprocesses, loader swaps, a live server, concurrent readers.

Every database the tests make is made and dropped here, by ``_scratch_database``. What must stop and start a
server runs on a ``throwaway_cluster`` of its own instead, never on the shared one.

Tests never touch the database that ``DATABASE_URL`` names for the service: they derive their own names from it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Connection, Engine, create_engine, make_url, pool, text
from werkzeug.serving import make_server

from parking_api.app import create_app
from parking_api.settings import Settings
from parking_api.store import migrate, roles
from parking_api.store.db import make_engine, sqlalchemy_url

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

LOCALDB = Path(__file__).resolve().parents[1] / "postgis" / "localdb.sh"
UNTHROTTLED = "100000,100000"
"""The per-address rate limit of the test apps: a suite makes hundreds of requests from one address (the limiter
has tests of its own, tests/foundation/test_serving.py)."""


def _service_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("DATABASE_URL is not set: run the tests with `make test`, which starts the project's PostGIS", 2)
    return url


def _with_database(url: str, name: str) -> str:
    return make_url(sqlalchemy_url(url)).set(database=name).render_as_string(hide_password=False)


def _unique_name(base_name: str) -> str:
    return f"{base_name}_{uuid.uuid4().hex[:8]}"


@contextmanager
def _scratch_database(name: str, *, template_url: str | None = None, create: bool = True) -> Iterator[str]:
    """The URL of database ``name`` on the service's server, dropped at the end whatever happened.

    With ``create`` it is made first (empty, or cloned from the template), after dropping any leftover of a killed
    run; without, it is left for the code under test to create. A clone gets roles of its own (``<name>_api``, …:
    the API and the loaders connect as them), dropped with the database.
    """
    service = _service_url()
    # the server's maintenance database, in autocommit mode for CREATE/DROP DATABASE
    admin = create_engine(_with_database(service, "postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        if create:
            template = f' TEMPLATE "{make_url(template_url).database}"' if template_url else ""
            with admin.connect() as conn:
                conn.execute(drop)
                roles.drop(conn, name)
                conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
            if template_url:
                migrate.apply_roles(_with_database(service, name))
        yield _with_database(service, name)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
            roles.drop(conn, name)
        admin.dispose()


@pytest.fixture(scope="session")
def base_name() -> str:
    name = make_url(sqlalchemy_url(_service_url())).database or "parking"
    return name if name.endswith("_test") else f"{name}_test"


@pytest.fixture(scope="session")
def template_db_url(base_name: str) -> Iterator[str]:
    """A database migrated to head once per session; every test database is cloned from it."""
    # per session: concurrent runs never drop each other's
    with _scratch_database(f"{base_name}_template_{os.getpid()}") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def test_db_url(template_db_url: str, base_name: str) -> Iterator[str]:
    """The fast tier's database (``<name>_test``)."""
    with _scratch_database(base_name, template_url=template_db_url) as url:
        yield url


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
    return create_app(Settings(database_url=test_db_url, rate_limit=UNTHROTTLED), testing=True, bind=db_connection)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def committed_db_url(template_db_url: str, base_name: str) -> Iterator[str]:
    """A fresh migrated database for one test module, for work that must commit."""
    with _scratch_database(_unique_name(base_name), template_url=template_db_url) as url:
        yield url


@pytest.fixture(scope="module")
def loaded_db_url(committed_db_url: str) -> str:
    """A committed database with the bundled Camden zones and bays (``loaders/data/camden/``), loaded by the real
    loader (``loaders.runner.run_load``, zones first, as ``load_bundled`` does)."""
    from loaders import runner

    for kind, relative in runner.BUNDLED:
        report = runner.run_load(committed_db_url, kind, str(runner.bundled_path(relative)))
        assert report.ok, report.error
    return committed_db_url


@pytest.fixture
def fresh_db_url(template_db_url: str, base_name: str) -> Iterator[str]:
    """A fresh migrated database for one test, for a test whose commits others must not see."""
    with _scratch_database(_unique_name(base_name), template_url=template_db_url) as url:
        yield url


@pytest.fixture
def absent_db_url(base_name: str) -> Iterator[str]:
    """The URL of a database that does not exist yet, for code that must create it; dropped afterwards."""
    with _scratch_database(_unique_name(base_name), create=False) as url:
        yield url


@pytest.fixture(scope="module")
def live_server(committed_db_url: str) -> Iterator[str]:
    """A real HTTP server on an ephemeral port (port 0), serving the committed database."""
    app = create_app(Settings(database_url=committed_db_url, rate_limit=UNTHROTTLED), testing=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def throwaway_cluster() -> Iterator[dict[str, str]]:
    """The environment for ``postgis/localdb.sh`` to run a private cluster in a fresh directory on its own port (no
    ``DATABASE_URL``, no inherited ``PARKING_PG_*``); the cluster and its directory are deleted afterwards.

    Under /var/tmp and traversable (0711): under root the server runs as an unprivileged user who must reach it.
    """
    base = tempfile.mkdtemp(prefix="kerbside-cluster-", dir="/var/tmp")
    os.chmod(base, 0o711)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARKING_PG_")}
    env.pop("DATABASE_URL", None)
    env.update(PARKING_PG_DIR=os.path.join(base, "cluster"), PARKING_PG_PORT="55439")
    try:
        yield env
    finally:
        subprocess.run([str(LOCALDB), "clean"], env=env, capture_output=True, timeout=180)
        shutil.rmtree(base, ignore_errors=True)
