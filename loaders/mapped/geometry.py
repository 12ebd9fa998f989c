"""A row's geometry from the first of the mapping's geometry sources that gives a usable one (WKT, GeoJSON, the
feature's own geometry, or x/y columns), in that source's coordinate reference system."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any

import shapely
from shapely.geometry import shape

from loaders.base import RowError
from loaders.camden_bays import search_radius

from .mapping import GeometrySource, Mapping
from .records import Record, column_text


def geometry(record: Record, mapping: Mapping, flags: Counter[str]) -> tuple[str, int, str, float]:
    """(WKT, SRID, quality, search radius) from the first geometry source that gives one."""
    tried = []
    for source in mapping.geometry:
        tried.append(source.describe())
        try:
            geom = _geometry_from(record, source, mapping, flags)
        except RowError as bad:
            flags["mapped_geometry_unreadable"] += 1
            tried[-1] += f": {bad.reason}"
            continue
        if geom is None:
            continue
        kind = geom.geom_type
        quality = "line" if "LineString" in kind else "polygon" if "Polygon" in kind else "point"
        if source is not mapping.geometry[0]:
            flags["mapped_geometry_fallback"] += 1
        if quality != "point":
            return geom.wkt, source.crs, quality, 0.0
        return geom.wkt, source.crs, quality, _point_reach(record, source, mapping)
    raise RowError(f"no usable geometry: tried {'; '.join(tried)}", "geometry")


def _point_reach(record: Record, source: GeometrySource, mapping: Mapping) -> float:
    """How far from a point its bay may lie: the entry's ``search_radius_m``, or with ``reach_from_size`` at least
    half the bay's length — its length column, else its spaces at 5 m each, as the Camden loader sizes a bay — at
    most 25 m (an unreadable length or count is flagged by the converter and ignored here)."""
    if not source.reach_from_size:
        return source.search_radius_m
    sizes = []
    for key in ("length", "spaces"):
        text = column_text(record, mapping.field(key), mapping)
        try:
            number = float(text) if text is not None else math.nan
        except ValueError:
            number = math.nan
        sizes.append(number if number > 0 and math.isfinite(number) else None)
    length, spaces = sizes
    return max(source.search_radius_m, search_radius(length, int(spaces) if spaces and spaces.is_integer() else None))


def _geometry_from(record: Record, source: GeometrySource, mapping: Mapping, flags: Counter[str]):
    if source.kind == "feature":
        raw = record.geometry
        if raw is None:
            return None
        geom = _shape(raw)
    elif source.kind == "xy":
        x, y = column_text(record, source.x, mapping), column_text(record, source.y, mapping)
        if x is None or y is None:
            return None
        try:
            fx, fy = float(x), float(y)
        except ValueError as exc:
            raise RowError(f"coordinates {x!r}, {y!r} are not numbers") from exc
        if source.zero_is_missing and fx == 0 and fy == 0:
            return None
        geom = shapely.Point(fx, fy)
    else:
        value = (record.values or {}).get(source.column or "")
        if isinstance(value, str):
            value = value.strip()
            if value.lower() in mapping.missing:
                return None
        if value is None or value == "":
            return None
        if source.kind == "wkt":
            if not isinstance(value, str):
                raise RowError("the WKT column does not hold text")
            try:
                geom = shapely.from_wkt(value)
            except shapely.errors.ShapelyError as exc:
                repaired = _drop_one_point_parts(value)
                if repaired is None:
                    raise RowError(f"unreadable WKT: {str(exc).splitlines()[0]}") from exc
                geom = shapely.from_wkt(repaired)
                flags["mapped_geometry_one_point_parts_dropped"] += 1
        else:
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise RowError(f"unreadable GeoJSON: {exc.msg}") from exc
            geom = _shape(value)
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "GeometryCollection":
        raise RowError("a geometry collection is not a kerb geometry")
    minx, miny, maxx, maxy = geom.bounds
    if any(v != v or abs(v) == float("inf") for v in (minx, miny, maxx, maxy)):
        raise RowError("non-finite coordinates")
    if source.crs == 4326 and (minx < -180 or maxx > 180 or miny < -90 or maxy > 90):
        raise RowError("coordinates out of range for EPSG:4326 (longitude, latitude)")
    if source.zero_is_missing and minx == maxx == 0 and miny == maxy == 0:
        return None
    return geom


def _drop_one_point_parts(wkt: str) -> str | None:
    """A MULTILINESTRING with one-point parts (Camden has one) that GEOS refuses: the same without those parts."""
    m = re.fullmatch(r"\s*MULTILINESTRING\s*\((.*)\)\s*", wkt, re.IGNORECASE | re.DOTALL)
    if not m:
        return None
    parts = re.findall(r"\(([^()]*)\)", m.group(1))
    keep = [part.strip() for part in parts if "," in part]
    if not keep or len(keep) == len(parts):
        return None
    try:
        repaired = "MULTILINESTRING (" + ", ".join(f"({part})" for part in keep) + ")"
        shapely.from_wkt(repaired)
    except shapely.errors.ShapelyError:
        return None
    return repaired


def _shape(raw: Any):
    if not isinstance(raw, dict):
        raise RowError("the geometry is not a GeoJSON object")
    try:
        return shape(raw)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise RowError(f"unreadable GeoJSON geometry: {exc}") from exc

