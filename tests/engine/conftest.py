"""Engine tests: pure, no database. Real Camden data is read from the shared data folder beside the repository
(override with ``PARKING_SHARED_DATA``); the Hypothesis profile "engine" is derandomised and has no deadline."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("engine", derandomize=True, deadline=None, database=None, max_examples=150)

REPO = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path | None:
    configured = os.environ.get("PARKING_SHARED_DATA")
    candidates = [Path(configured)] if configured else [REPO.parent / "shared" / "data", REPO / "shared" / "data"]
    return next((c for c in candidates if (c / "camden-cpz").is_dir()), None)


def _load(relative: str) -> Any:
    base = shared_data_dir()
    if base is None:
        message = "shared Camden data not found (set PARKING_SHARED_DATA to the shared data folder)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return json.loads((base / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def camden_bays() -> list[dict[str, Any]]:
    return _load("camden-parking-bays-2020-sample/camden_parking_bays_7hiv-3r9k_2020-02.json")


@pytest.fixture(scope="session")
def camden_cpz() -> list[dict[str, Any]]:
    return [feature["properties"] for feature in _load("camden-cpz/camden_cpz.geojson")["features"]]
