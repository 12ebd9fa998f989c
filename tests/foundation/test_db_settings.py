"""Request connections carry the configured statement timeout; every connection talks UTC."""

from __future__ import annotations

from sqlalchemy import text

from parking_api.app import create_app
from parking_api.settings import Settings
from parking_api.store.db import get_engine


def test_request_connections_have_a_statement_timeout(test_db_url):
    app = create_app(Settings(database_url=test_db_url, statement_timeout_ms=1234))
    with app.app_context():
        engine = get_engine()
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SHOW statement_timeout")).scalar() == "1234ms"
                assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
        finally:
            engine.dispose()


def test_one_engine_per_app(test_db_url):
    app = create_app(Settings(database_url=test_db_url))
    with app.app_context():
        first = get_engine()
        assert get_engine() is first
        first.dispose()


def test_database_errors_never_echo_parameters(test_db_url):
    """A failing statement's error text must not carry its bound values (they include drivers' positions)."""
    import pytest
    from sqlalchemy.exc import DBAPIError

    app = create_app(Settings(database_url=test_db_url))
    with app.app_context():
        engine = get_engine()
        try:
            with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
                conn.execute(text("SELECT 1 / (:lat - :lat)"), {"lat": 51.5463747})
        finally:
            engine.dispose()
    assert "51.5463747" not in str(raised.value)
