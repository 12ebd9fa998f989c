"""What data is loaded: the sources, with their publishers, licences, time zones, counts and the area each covers."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from shapely import affinity
from shapely.geometry import shape
from sqlalchemy.orm import Session

from parking_api.store import reads

METRES_PER_DEGREE_LAT = 111_320.0


def sources(session: Session) -> list[dict[str, Any]]:
    """Every loaded source as the store reads it (counts of live bays and zone polygons included)."""
    return reads.sources(session)


@dataclass(frozen=True)
class Coverage:
    """The area a source's data speaks for: the convex hull of its live bays and zones, and its bounding box."""

    bbox: tuple[float, float, float, float]
    geometry: dict[str, Any]
    shape: Any  # the hull as a prepared shapely geometry, for the inside/outside test

    def as_json(self) -> dict[str, Any]:
        return {"bbox": list(self.bbox), "geometry": self.geometry}


class CoverageCache:
    """Each source's coverage, computed by the database once per load: a process keeps the hulls until a source's
    ``last_loaded_at`` (which every read of places carries) says a load has changed them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[tuple[str, str], ...] | None = None
        self._coverage: dict[str, Coverage] = {}

    def get(self, session: Session, source_rows: Iterable[dict[str, Any]]) -> dict[str, Coverage]:
        """The coverage of every source with live data, by name, for the sources as ``source_rows`` read them."""
        key = tuple(sorted((str(row["name"]), str(row.get("last_loaded_at"))) for row in source_rows))
        with self._lock:
            if key == self._key:
                return self._coverage
        computed = {row["name"]: _coverage(row) for row in reads.coverage(session)}
        with self._lock:
            self._key, self._coverage = key, computed
        return computed


def _coverage(row: dict[str, Any]) -> Coverage:
    hull = shape(row["geometry"])
    shapely.prepare(hull)
    minlon, minlat, maxlon, maxlat = (round(float(v), 7) for v in row["bbox"])
    return Coverage((minlon, minlat, maxlon, maxlat), row["geometry"], hull)


def covered(
    coverage: dict[str, Coverage],
    *,
    lon: float,
    lat: float,
    radius: float = 0.0,
    bbox: tuple[float, float, float, float] | None = None,
) -> bool:
    """Whether the area asked about (the box, or the circle of ``radius`` metres) meets any source's coverage."""
    if bbox is not None:
        area = shapely.box(*bbox)
    else:
        # a circle on the ground is an ellipse in degrees: narrower in latitude than in longitude away from the equator
        degrees = radius / METRES_PER_DEGREE_LAT
        stretch = 1 / max(math.cos(math.radians(lat)), 1e-6)
        point = shapely.Point(lon, lat)
        area = affinity.scale(point.buffer(degrees), xfact=stretch, yfact=1.0) if degrees > 0 else point
    return any(item.shape.intersects(area) for item in coverage.values())
