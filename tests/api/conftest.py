"""Fixtures of the API tests: the bundled Camden data loaded by the real loaders into a committed database.

Expected answers in these tests are worked out by hand from the bays' signs (restriction type, times of operation,
maximum stay, tariff) as the bundled file writes them, and from the zones' controlled hours; they are never pasted
from the service's output. The bays used are read from ``loaders/data/camden/`` (see each test's comment).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parking_api.app import create_app


@pytest.fixture(scope="module")
def loaded_db_url(committed_db_url: str) -> str:
    """A committed database with the bundled Camden zones and bays (``loaders/data/camden/``), loaded by the real
    loader (``loaders.runner.run_load``, zones first, as ``load_bundled`` does)."""
    from loaders import runner

    root = Path(runner.__file__).parent / "data"
    for kind, relative in runner.BUNDLED:
        report = runner.run_load(committed_db_url, kind, str(root / relative))
        assert report.ok, report.error
    return committed_db_url


@pytest.fixture(scope="module")
def api_app(loaded_db_url: str):
    app = create_app({"TESTING": True, "DATABASE_URL": loaded_db_url})
    yield app
    engine = app.extensions.get("parking_engine")
    if engine is not None:
        engine.dispose()


@pytest.fixture
def api(api_app) -> Iterator:
    """A test client of the app serving the loaded data."""
    yield api_app.test_client()
