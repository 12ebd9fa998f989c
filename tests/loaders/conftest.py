"""Loader tests: real PostGIS, committed data (a fresh database per test where a test changes what others see).

The databases themselves (``committed_db_url`` per module, ``fresh_db_url`` per test) come from the root conftest;
this one only hands the tests a ``Db`` on them.

This directory deliberately has no ``__init__.py``: as a package it would be named ``loaders`` and shadow the real
``loaders`` package (tests/ is on sys.path under pytest's default import mode). Even so, with an editable install
``import loaders`` here yields a namespace package of this directory while ``loaders.runner`` & co. still come from
the real package; so the loaders find their data next to their modules, never through
``importlib.resources.files("loaders")``. Helpers live in ``loader_testlib.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from loader_testlib import Db


@pytest.fixture
def db(fresh_db_url: str) -> Iterator[Db]:
    """Plain SQL on the test's own fresh database."""
    handle = Db(fresh_db_url)
    yield handle
    handle.dispose()


@pytest.fixture(scope="module")
def committed_db(committed_db_url: str) -> Iterator[Db]:
    """Plain SQL on the module's committed database."""
    handle = Db(committed_db_url)
    yield handle
    handle.dispose()
