"""Engine tests: pure, no database. Real Camden data comes from the bundled extract in ``loaders/data/camden``;
the Hypothesis profile "engine" is derandomised and has no deadline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("engine", derandomize=True, deadline=None, database=None, max_examples=150)

CAMDEN_DATA = Path(__file__).resolve().parents[2] / "loaders" / "data" / "camden"


def _load(name: str) -> Any:
    return json.loads((CAMDEN_DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def camden_bays() -> list[dict[str, Any]]:
    return _load("camden_parking_bays_7hiv-3r9k_2020-02.json")


@pytest.fixture(scope="session")
def camden_cpz() -> list[dict[str, Any]]:
    return [feature["properties"] for feature in _load("camden_cpz.geojson")["features"]]
