"""Migrations are the only path to the schema: they go up, down and up again, and match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from parking_api.store import migrate
from parking_api.store.db import sqlalchemy_url
from parking_api.store.migrations_support import include_object
from parking_api.store.models import Base

TABLES = {"sources", "load_runs", "load_rejects", "regulations", "places", "zones", "suspensions"}


def _tables(url: str) -> set[str]:
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names()) & (TABLES | {"alembic_version"})
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(committed_db_url):
    assert migrate.status(committed_db_url) == (migrate.head_revision(), migrate.head_revision())
    migrate.downgrade(committed_db_url, "base")
    assert _tables(committed_db_url) <= {"alembic_version"}
    assert migrate.status(committed_db_url)[0] is None
    migrate.upgrade(committed_db_url)
    assert _tables(committed_db_url) >= TABLES
    assert migrate.status(committed_db_url)[0] == migrate.head_revision()


def test_models_and_migrations_agree(committed_db_url):
    """A model change without its migration (or the reverse) fails here."""
    engine = create_engine(sqlalchemy_url(committed_db_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": True}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_creates_a_missing_database(absent_db_url):
    """`parking db upgrade` against a server that lacks the named database creates it, then migrates."""
    fresh = absent_db_url
    migrate.upgrade(fresh)
    assert migrate.status(fresh)[0] == migrate.head_revision()
    assert _tables(fresh) >= TABLES
