"""One SQLAlchemy engine per process, sessions scoped to the request.

The engine is created lazily on first use, so gunicorn workers forked from a preloaded master each open their own
connections. Request connections carry a ``statement_timeout``; loaders and migrations open their own engines with
longer limits (see :func:`make_engine`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import orjson
import psycopg2.extras
from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from parking_api.settings import Settings
from parking_api.store import watchdog

_ENGINE_KEY = "parking_engine"
_DATABASE_KEY = "parking_database"


def sqlalchemy_url(url: str) -> str:
    """Pin the psycopg2 driver: SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3, which we do not ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


CLIENT_CHECK_MS = 1000
"""How often a running query's backend checks that its client is still connected."""


def make_engine(url: str, *, statement_timeout_ms: int | None = None, pool_size: int = 5, **kwargs) -> Engine:
    """An engine whose every new connection gets the given ``statement_timeout`` and a UTC session time zone."""
    engine = create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it would cost a round trip per request. A connection that died with the server fails its
        # request with a 503 and SQLAlchemy then invalidates the pool, so the next request reconnects.
        pool_recycle=1800,
        hide_parameters=True,  # errors never echo bound values: request parameters include GPS positions
        future=True,
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by every connection
        # JSON columns decoded by orjson: a driver's answer arrives as a few JSON documents (50 places), whose
        # decoding by the standard library was a tenth of the request's time
        psycopg2.extras.register_default_json(dbapi_connection, loads=orjson.loads)
        psycopg2.extras.register_default_jsonb(dbapi_connection, loads=orjson.loads)
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
            if statement_timeout_ms:
                cursor.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
            if dbapi_connection.server_version >= 140000:
                # a killed client's query ends within a second, instead of running on (holding its locks, such as
                # a load's advisory lock) until it next writes to the dead socket
                cursor.execute(f"SET client_connection_check_interval = {CLIENT_CHECK_MS}")
        dbapi_connection.commit()

    return engine


@dataclass(frozen=True)
class _Database:
    settings: Settings
    bind: Connection | None  # tests bind every session to their own outer transaction


def init_app(app: Flask, settings: Settings, *, bind: Connection | None = None) -> None:
    """Serve ``settings``' database to this app's requests (or, in tests, sessions on ``bind``)."""
    app.extensions[_DATABASE_KEY] = _Database(settings, bind)
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    """The process's engine for this app (created after fork, on first use)."""
    app = app or current_app
    engine = app.extensions.get(_ENGINE_KEY)
    if engine is None:
        from parking_api.store.roles import api_url  # roles imports this module

        settings = app.extensions[_DATABASE_KEY].settings
        engine = make_engine(
            api_url(settings),
            statement_timeout_ms=settings.statement_timeout_ms,
            pool_size=settings.db_pool_size,
            **watchdog.engine_options(settings.db_timeout_ms),  # a frozen server: 503s, not hung workers
        )
        app.extensions[_ENGINE_KEY] = engine
    return engine


def get_session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        bind = current_app.extensions[_DATABASE_KEY].bind or get_engine()
        g.db_session = Session(bind=bind, join_transaction_mode="create_savepoint")
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except DBAPIError:
            # the database went away after the answer was made (its rollback failed): the answer stands, the
            # connection is discarded rather than the request turned into a 500
            session.invalidate()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work outside a request (CLI, loaders): commit on success, roll back on error."""
    with Session(engine) as session, session.begin():
        yield session
