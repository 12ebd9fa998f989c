"""Fixtures of the live-availability tests: the bundled Camden data in a committed database (one per module), the
app serving it, and API keys made the way ``parking keys create`` makes them.

Bays used (from ``loaders/data/camden/``): each test takes bays of its own so that the events one test posts never
change another's answer; ``bay_refs`` hands them out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from parking_api.app import create_app
from parking_api.services import keys
from parking_api.settings import Settings
from parking_api.store.db import make_engine


@pytest.fixture(scope="module")
def engine(loaded_db_url: str):
    engine = make_engine(loaded_db_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def settings(loaded_db_url: str) -> Settings:
    # per-address limit out of the way; the keys' own limits still apply
    return Settings(database_url=loaded_db_url, plate_key="test-plate-key", rate_limit="100000,100000")


@pytest.fixture(scope="module")
def app(settings: Settings):
    app = create_app(settings, testing=True)
    yield app
    engine = app.extensions.get("parking_engine")
    if engine is not None:
        engine.dispose()


@pytest.fixture
def api(app) -> Iterator:
    yield app.test_client()


@pytest.fixture(scope="module")
def make_key(engine) -> Callable[..., str]:
    """``make_key(role, sources=None, rate=..., burst=...)``: a committed key; returns the key itself."""

    def make(role: str, sources: list[str] | None = None, rate: float = 50.0, burst: int = 500) -> str:
        with Session(engine) as session, session.begin():
            return keys.create(session, role=role, name=f"test {role}", sources=sources, rate=rate, burst=burst).key

    return make


@pytest.fixture(scope="module")
def sensor(make_key) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('sensor')}"}


@pytest.fixture(scope="module")
def council(make_key) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('council')}"}


@pytest.fixture(scope="module")
def bay_refs(engine) -> Iterator[str]:
    """Refs of live single-space-or-more Camden bays, each handed out once per module."""
    with engine.connect() as conn:
        refs = conn.execute(text("SELECT ref FROM places WHERE retired_at IS NULL ORDER BY ref")).scalars().all()
    return iter(refs)


@pytest.fixture
def sql(engine) -> Callable[..., list[Any]]:
    def run(statement: str, **params: Any) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(text(statement), params).all())

    return run


def event(ref: str, event_type: str = "park_start", at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    """An event as a sensor posts it (``at`` defaults to now)."""
    when = at or datetime.now(UTC)
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "event_time": when.isoformat(),
        "bay": {"source": "camden", "ref": ref},
        "event_source": "in_ground",
        **extra,
    }
