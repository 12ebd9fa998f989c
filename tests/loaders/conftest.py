"""Loader tests: real PostGIS, committed data (a fresh database per test where a test changes what others see).

This directory deliberately has no ``__init__.py``: as a package it would be named ``loaders`` and shadow the real
``loaders`` package (tests/ is on sys.path under pytest's default import mode). Even so, with an editable install
``import loaders`` here yields a namespace package of this directory while ``loaders.runner`` & co. still come from
the real package; so the loaders find their data next to their modules, never through
``importlib.resources.files("loaders")``. Helpers live in ``loader_testlib.py``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from loader_testlib import Db
from sqlalchemy import create_engine, make_url, pool, text

from parking_api.store.db import sqlalchemy_url


def _admin(url: str):
    admin_url = make_url(sqlalchemy_url(url)).set(database="postgres")
    return create_engine(admin_url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")


@pytest.fixture
def fresh_db_url(template_db_url: str, base_name: str) -> Iterator[str]:
    """A fresh migrated database for one test (cloned from the session's template, as ``committed_db_url``)."""
    service = os.environ["DATABASE_URL"]
    admin = _admin(service)
    name = f"{base_name}_ld_{uuid.uuid4().hex[:8]}"
    template = make_url(template_db_url).database
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(sqlalchemy_url(service)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(fresh_db_url: str) -> Iterator[Db]:
    handle = Db(fresh_db_url)
    yield handle
    handle.dispose()
