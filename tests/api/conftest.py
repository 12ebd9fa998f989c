"""Fixtures of the API tests: the bundled Camden data loaded by the real loaders into a committed database.

Expected answers in these tests are worked out by hand from the bays' signs (restriction type, times of operation,
maximum stay, tariff) as the bundled file writes them, and from the zones' controlled hours; they are never pasted
from the service's output. The bays used are read from ``loaders/data/camden/`` (see each test's comment); the
spots the tests stand at are named once, in ``support.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from parking_api.app import create_app
from parking_api.settings import Settings

from .support import Spot

# The fuzz at depth (`make test-deep`, minutes per operation) is not part of `make test`, which runs the bounded fuzz
# of test_openapi_fuzz.py: it is collected only when asked for, never reported as a skip.
collect_ignore = [] if os.environ.get("PARKING_FUZZ_DEEP") else ["test_openapi_deep.py"]


@pytest.fixture(scope="module")
def api_app(loaded_db_url: str):
    app = create_app(Settings(database_url=loaded_db_url, rate_limit="100000,100000"), testing=True)  # unthrottled
    yield app
    engine = app.extensions.get("parking_engine")
    if engine is not None:
        engine.dispose()


@pytest.fixture
def api(api_app) -> Iterator:
    """A test client of the app serving the loaded data."""
    yield api_app.test_client()


@pytest.fixture
def ask(api) -> Callable[..., dict[str, Any]]:
    """``ask(spot, **params)``: the can-i-park answer for a driver standing at a spot (which must be a 200)."""

    def ask(where: Spot, **params: Any) -> dict[str, Any]:
        response = api.get("/v1/can-i-park", query_string=where.query(**params))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return ask
