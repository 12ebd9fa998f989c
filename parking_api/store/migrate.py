"""Schema migrations through alembic, with the configuration built in code (no alembic.ini to find)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, make_url, pool, text
from sqlalchemy.exc import OperationalError

from parking_api.store import roles
from parking_api.store.db import sqlalchemy_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def ensure_database(url: str) -> None:
    """Create the database ``url`` names when the server does not have it yet (a fresh server, or a new name)."""
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect():
            return
    except OperationalError as exc:
        if "does not exist" not in str(exc.orig):
            raise
    finally:
        engine.dispose()
    target = make_url(sqlalchemy_url(url))
    admin = create_engine(target.set(database="postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def _ensure_postgis(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))


def upgrade(url: str, revision: str = "head", *, passfile: Path | None = None) -> None:
    """Migrate the database ``url`` names (its administrator's URL) to ``revision``, as the database's owner role,
    then grant its roles their privileges again (:mod:`parking_api.store.roles`; ``passfile``: their passwords)."""
    ensure_database(url)
    database = roles.database_of(url)
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        _ensure_postgis(engine)
        with engine.begin() as conn:
            owner = roles.ensure(conn, database, passfile).owner
            roles.grant(conn, database)  # a schema migrated before the roles existed passes to the owner first
        with engine.connect() as conn:
            conn.execute(text(f'SET ROLE "{owner}"'))
            command.upgrade(alembic_config(url, conn), revision)
            conn.execute(text("RESET ROLE"))
            conn.commit()
        with engine.begin() as conn:
            roles.grant(conn, database)
    finally:
        engine.dispose()


def apply_roles(url: str, passfile: Path | None = None) -> None:
    """Create the roles of the database ``url`` names and grant them their privileges (a database cloned from a
    migrated template needs this: the clone's objects belong to the template's roles)."""
    database = roles.database_of(url)
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            roles.ensure(conn, database, passfile)
            roles.grant(conn, database)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


@cache
def head_revision() -> str | None:
    """The code's migration head (read once per process: /readyz asks on every probe)."""
    return ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def status(url: str) -> tuple[str | None, str | None]:
    """(current revision of the database, head revision of the code)."""
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        current = current_revision(conn)
    engine.dispose()
    return current, head_revision()
