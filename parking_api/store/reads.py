"""The API's SQL: every read the driver endpoints make, one statement per request where it can be.

Each function runs a single statement and returns plain Python data (parsed JSON, no ORM objects), so that the
service layer can evaluate it with the pure engine. Only live places (``retired_at IS NULL``) and live zones ever
answer drivers; the statements say so literally so that the partial GiST indexes (``places_geog_live`` on
``(geom::geography)``, ``zones_geom_live`` on ``geom``) are used.

The hot path, :func:`nearby`, answers ``/v1/can-i-park`` in one round trip: the candidate places within reach of the
point, the nearest places for alternatives (KNN ``<->`` on geography), their suspensions in the evaluation window,
the regulations the caller has not cached yet, the zone polygons containing the point, and the source metadata. It
is a server-side prepared statement (planned once per connection) and leaves each place's geometry a GeoJSON
string, which the service decodes only for the few places an answer shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer

# Point-only bays (no kerb line in the source) answer within their own ``search_radius_m`` (the Camden loader caps it at
# 25 m); the index condition needs a constant, so larger radii are clipped to this.
POINT_REACH_CAP_M = 30.0

# The asked point, written inline (not as a CTE) so that the planner sees a constant and uses the GiST indexes.
# Distances are on the sphere (the metric the KNN ``<->`` orders by, within ~0.3 % of the spheroid), so that every
# place is measured alike; the reach filters (``ST_DWithin``) use the spheroid.
_G = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
_GG = f"{_G}::geography"


# The local hour of the week (0 = Monday 00:00) of the instant asked about, for the availability forecast: a naive
# ``forecast_local`` is already the authority's wall time; an aware ``forecast_at`` is read in the source's zone.
_HOUR_OF_WEEK = """(
    SELECT (extract(isodow FROM w.t)::int - 1) * 24 + extract(hour FROM w.t)::int
      FROM (SELECT coalesce(CAST(:forecast_local AS timestamp),
                            CAST(:forecast_at AS timestamptz) AT TIME ZONE s.timezone) AS t) w)"""


def forecast_params(at: datetime | None) -> dict[str, datetime | None]:
    """The bind parameters of the forecast's instant (``None``: no forecast)."""
    if at is None:
        return {"forecast_at": None, "forecast_local": None}
    return {"forecast_at": at if at.tzinfo else None, "forecast_local": None if at.tzinfo else at}


def _place_json(distance: str, extra: str = "", geometry: str = "json") -> str:
    """The columns every place carries to the service; ``distance`` is the SQL of its distance in metres;
    ``geometry`` ``"text"`` leaves the GeoJSON geometry a string, for a read whose caller shows few of its places
    (decoding the coordinates of every place would be most of the read's cost)."""
    cast = "::json" if geometry == "json" else ""
    return f"""
    json_build_object({extra}
        'id', p.id,
        'source', s.name,
        'ref', p.ref,
        'kind', p.kind,
        'restriction_type', p.restriction_type,
        'category', p.category,
        'regulation_id', p.regulation_id,
        'road', p.road,
        'zone', p.zone,
        'spaces', p.spaces,
        'geom_quality', p.geom_quality,
        'search_radius_m', p.search_radius_m,
        'distance_m', {distance},
        'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(p.geom), 7){cast},
        'pay_by_phone_code', p.attributes->>'cashless_identifier',
        'suspensions', (
            SELECT coalesce(json_agg(json_build_object('start', su.starts_at, 'end', su.ends_at, 'reason', su.reason)
                                     ORDER BY su.starts_at), '[]'::json)
              FROM suspensions su
             WHERE su.place_id = p.id AND su.ends_at > :window_start AND su.starts_at < :window_end
        ),
        'occupancy', (
            SELECT json_build_object('occupied', o.occupied, 'observed_at', o.observed_at,
                                     'last_event_type', o.last_event_type, 'simulated', o.simulated)
              FROM occupancy o
             WHERE o.place_id = p.id
        ),
        'forecast', (
            SELECT json_build_object('share_free', f.share_free, 'weeks', f.weeks)
              FROM bay_forecasts f
             WHERE f.place_id = p.id AND f.hour_of_week = {_HOUR_OF_WEEK}
        )
    )"""


_SOURCE_JSON = """
    json_build_object(
        'id', s.id, 'name', s.name, 'publisher', s.publisher, 'licence', s.licence, 'attribution', s.attribution,
        'url', s.url, 'timezone', s.timezone, 'holidays', s.holidays, 'published_at', s.published_at,
        'last_loaded_at', s.last_loaded_at
    )"""

_ZONE_JSON = """
    json_build_object(
        'id', z.id, 'source', s.name, 'ref', z.ref, 'code', z.code, 'name', z.name, 'sub_zone', z.sub_zone,
        'hours', z.hours, 'regulation_id', z.regulation_id
    )"""

# Regulations of the places (and zones) found, the definition left out for ids the caller has cached.
_REGULATIONS_JSON = """
    SELECT coalesce(json_agg(json_build_object(
               'id', r.id, 'fingerprint', r.fingerprint,
               'definition', CASE WHEN r.id = ANY(:known) THEN NULL ELSE r.definition END)), '[]'::json)
      FROM regulations r"""

_NEARBY_PLACE = _place_json("h.distance_m", "'candidate', h.is_candidate,", geometry="text")

NEARBY_SQL = text(
    f"""
WITH candidate AS (
    SELECT p.id, ST_Distance(p.geom::geography, {_GG}, false) AS distance_m
      FROM places p
     WHERE p.retired_at IS NULL
       AND ST_DWithin(p.geom::geography, {_GG}, :accuracy)
    UNION
    SELECT p.id, ST_Distance(p.geom::geography, {_GG}, false)
      FROM places p
     WHERE p.retired_at IS NULL
       AND ST_DWithin(p.geom::geography, {_GG}, :point_cap)
       AND p.geom_quality = 'point'
       AND ST_DWithin(p.geom::geography, {_GG}, least(p.search_radius_m, :point_cap))
),
nearest AS (
    SELECT p.id, p.geom::geography <-> {_GG} AS distance_m
      FROM places p
     WHERE p.retired_at IS NULL
       AND ST_DWithin(p.geom::geography, {_GG}, :near_radius)
     ORDER BY p.geom::geography <-> {_GG}
     LIMIT :near_limit
),
hits AS MATERIALIZED (
    SELECT id, bool_or(is_candidate) AS is_candidate, min(distance_m) AS distance_m
      FROM (SELECT id, true AS is_candidate, distance_m FROM candidate
            UNION ALL SELECT id, false, distance_m FROM nearest) u
     GROUP BY id
),
placed AS MATERIALIZED (
    SELECT p.regulation_id, h.distance_m, p.id, {_NEARBY_PLACE} AS doc
      FROM hits h
      JOIN places p ON p.id = h.id
      JOIN sources s ON s.id = p.source_id
),
zoned AS MATERIALIZED (
    SELECT z.regulation_id, {_ZONE_JSON} AS doc
      FROM zones z
      JOIN sources s ON s.id = z.source_id
     WHERE z.retired_at IS NULL AND ST_Intersects(z.geom, {_G})
)
SELECT
    (SELECT coalesce(json_agg(doc ORDER BY distance_m, id), '[]'::json) FROM placed) AS places,
    (SELECT coalesce(json_agg(doc ORDER BY doc->>'code', doc->>'sub_zone', doc->>'ref'), '[]'::json)
       FROM zoned) AS zones,
    ({_REGULATIONS_JSON}
      WHERE r.id IN (SELECT regulation_id FROM placed UNION SELECT regulation_id FROM zoned)) AS regulations,
    (SELECT coalesce(json_agg({_SOURCE_JSON} ORDER BY s.name), '[]'::json) FROM sources s) AS sources
"""
).bindparams(bindparam("known", type_=ARRAY(Integer)))


# :data:`NEARBY_SQL` as a server-side prepared statement: planned once per connection rather than per request (the
# plan costs as much as the KNN scan itself). Parameters by position, with their types.
_NEARBY_PARAMS = (
    ("lon", "float8"), ("lat", "float8"), ("accuracy", "float8"), ("point_cap", "float8"),
    ("near_radius", "float8"), ("near_limit", "int"), ("window_start", "timestamptz"),
    ("window_end", "timestamptz"), ("known", "int[]"), ("forecast_at", "timestamptz"),
    ("forecast_local", "timestamp"),
)  # fmt: skip
_NEARBY_NAME = "parking_nearby_v1"
_NEARBY_NAMES = [name for name, _type in _NEARBY_PARAMS]
_NEARBY_PREPARE = (
    f"PREPARE {_NEARBY_NAME} ({', '.join(t for _n, t in _NEARBY_PARAMS)}) AS "
    + re.sub(r"(?<![:\w]):(\w+)", lambda m: f"${_NEARBY_NAMES.index(m.group(1)) + 1}", NEARBY_SQL.text)
    + ";\n"
).replace("%", "%%")
_NEARBY_PREPARED = "SELECT 1 FROM pg_prepared_statements WHERE name = %(name)s"
_NEARBY_EXECUTE = f"EXECUTE {_NEARBY_NAME} ({', '.join(f'%({n})s' for n, _t in _NEARBY_PARAMS)})"


@dataclass
class Nearby:
    """What :func:`nearby` found: places nearest first (``candidate`` set on those within reach of the point; each
    ``geometry`` a GeoJSON string, see :func:`geometry_of`)."""

    places: list[dict[str, Any]]
    zones: list[dict[str, Any]]
    regulations: list[dict[str, Any]]
    sources: list[dict[str, Any]]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def geometry_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """A place row's GeoJSON geometry, decoded once (:func:`nearby` leaves it a string until a place is shown)."""
    value = row.get("geometry")
    if isinstance(value, str):
        value = row["geometry"] = json.loads(value)
    return value


def nearby(
    session: Session,
    *,
    lon: float,
    lat: float,
    accuracy: float,
    window_start: datetime,
    window_end: datetime,
    near_radius: float = 300.0,
    near_limit: int = 50,
    known_regulations: Iterable[int] = (),
    forecast_at: datetime | None = None,
) -> Nearby:
    """Candidates within reach of the point, the nearest ``near_limit`` places within ``near_radius`` metres, the
    zones containing the point, the regulations not in ``known_regulations`` and every source — one statement."""
    params = {
        "lon": lon,
        "lat": lat,
        "accuracy": accuracy,
        "point_cap": POINT_REACH_CAP_M,
        "near_radius": near_radius,
        "near_limit": near_limit,
        "window_start": window_start,
        "window_end": window_end,
        "known": sorted(known_regulations),
        **forecast_params(forecast_at),
    }
    conn = session.connection()
    # The connection's info lives as long as its database session, and so does a prepared statement (a rollback
    # keeps it): prepared on first use, in the same round trip as its first execution. When that round trip fails
    # (a timeout, say) the PREPARE may or may not have happened: the server says, at the next use.
    # (The dict is held here: after a failed execution, asking the connection for it again would raise
    # PendingRollbackError instead of letting the original error through.)
    info = conn.info
    prepared = info.get(_NEARBY_NAME, False)
    if prepared is None:
        prepared = conn.exec_driver_sql(_NEARBY_PREPARED, {"name": _NEARBY_NAME}).first() is not None
    try:
        row = conn.exec_driver_sql(("" if prepared else _NEARBY_PREPARE) + _NEARBY_EXECUTE, params).mappings().one()
    except Exception:
        info[_NEARBY_NAME] = True if prepared else None
        raise
    info[_NEARBY_NAME] = True
    return Nearby(
        places=_json(row["places"]),
        zones=_json(row["zones"]),
        regulations=_json(row["regulations"]),
        sources=_json(row["sources"]),
    )


_AVAILABLE_NOW = """
       AND (NOT :available OR EXISTS (
               SELECT 1 FROM occupancy o
                WHERE o.place_id = p.id AND o.last_event_type <> 'comms_lost' AND o.observed_at > :fresh_after
                  AND o.occupied < greatest(coalesce(p.spaces, 1), 1)))
       AND (CAST(:categories AS text[]) IS NULL OR p.category = ANY(CAST(:categories AS text[])))"""

# Within a radius of the point, or intersecting a box (then ``lon``/``lat`` are the box's centre, for the order).
_WITHIN_RADIUS = f"ST_DWithin(p.geom::geography, {_GG}, :radius)"
_BOX = "ST_MakeEnvelope(:minlon, :minlat, :maxlon, :maxlat, 4326)"
_WITHIN_BOX = f"p.geom && {_BOX} AND ST_Intersects(p.geom, {_BOX})"


def _bays_within_sql(where: str) -> Any:
    return text(
        f"""
WITH hits AS MATERIALIZED (
    SELECT p.id, ST_Distance(p.geom::geography, {_GG}, false) AS distance_m
      FROM places p
     WHERE p.retired_at IS NULL AND {where}{_AVAILABLE_NOW}
),
page AS MATERIALIZED (
    SELECT id, distance_m FROM hits ORDER BY distance_m, id LIMIT :limit OFFSET :offset
),
placed AS MATERIALIZED (
    SELECT p.regulation_id, page.distance_m, p.id, {_place_json("page.distance_m")} AS doc
      FROM page
      JOIN places p ON p.id = page.id
      JOIN sources s ON s.id = p.source_id
)
SELECT
    (SELECT count(*) FROM hits) AS matched,
    (SELECT coalesce(json_agg(doc ORDER BY distance_m, id), '[]'::json) FROM placed) AS places,
    ({_REGULATIONS_JSON} WHERE r.id IN (SELECT regulation_id FROM placed)) AS regulations,
    (SELECT coalesce(json_agg({_SOURCE_JSON} ORDER BY s.name), '[]'::json) FROM sources s) AS sources
"""
    ).bindparams(bindparam("known", type_=ARRAY(Integer)))


BAYS_WITHIN_SQL = _bays_within_sql(_WITHIN_RADIUS)
BAYS_IN_BOX_SQL = _bays_within_sql(_WITHIN_BOX)


@dataclass
class BaysPage:
    matched: int
    places: list[dict[str, Any]]
    regulations: list[dict[str, Any]]
    sources: list[dict[str, Any]]


def bays_within(
    session: Session,
    *,
    lon: float,
    lat: float,
    radius: float,
    limit: int,
    offset: int,
    window_start: datetime,
    window_end: datetime,
    known_regulations: Iterable[int] = (),
    available: bool = False,
    fresh_after: datetime | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    categories: Sequence[str] | None = None,
    forecast_at: datetime | None = None,
) -> BaysPage:
    """Live places within ``radius`` metres (or, with ``bbox``, intersecting the box), nearest the point first (ties
    by id, stable across pages), one statement; with ``available``, only those whose occupancy was reported after
    ``fresh_after`` with a space free; with ``categories``, only those."""
    box = dict(zip(("minlon", "minlat", "maxlon", "maxlat"), bbox, strict=True)) if bbox else {}
    row = (
        session.execute(
            BAYS_IN_BOX_SQL if bbox else BAYS_WITHIN_SQL,
            {
                **box,
                "categories": list(categories) if categories else None,
                "lon": lon,
                "lat": lat,
                "radius": radius,
                "limit": limit,
                "offset": offset,
                "available": available,
                "fresh_after": fresh_after or window_start,
                "window_start": window_start,
                "window_end": window_end,
                "known": sorted(known_regulations),
                **forecast_params(forecast_at),
            },
        )
        .mappings()
        .one()
    )
    return BaysPage(
        matched=int(row["matched"]),
        places=_json(row["places"]),
        regulations=_json(row["regulations"]),
        sources=_json(row["sources"]),
    )


BAY_SQL = text(
    f"""
SELECT {_place_json("0")}::jsonb || jsonb_build_object(
           'regulation', json_build_object('id', r.id, 'fingerprint', r.fingerprint, 'definition', r.definition),
           'source_meta', {_SOURCE_JSON},
           'zone_meta', (
               SELECT json_build_object('code', z.code, 'name', z.name, 'sub_zone', z.sub_zone, 'hours', z.hours)
                 FROM zones z
                WHERE z.retired_at IS NULL AND z.source_id = p.source_id AND ST_Intersects(z.geom, pt.g)
                ORDER BY (z.code = p.zone) DESC, z.code, z.ref
                LIMIT 1
           )
       ) AS doc
  FROM places p
  JOIN sources s ON s.id = p.source_id
  JOIN regulations r ON r.id = p.regulation_id
 CROSS JOIN LATERAL (SELECT ST_PointOnSurface(p.geom) AS g) pt
 WHERE s.name = :source AND p.ref = :ref AND p.retired_at IS NULL
"""
)


def bay(
    session: Session,
    *,
    source: str,
    ref: str,
    window_start: datetime,
    window_end: datetime,
    forecast_at: datetime | None = None,
) -> dict[str, Any] | None:
    """One live place by its source name and publisher reference, with its regulation, source, the zone polygon
    it lies in and the suspensions that overlap the window; ``None`` when unknown or retired."""
    params = {"source": source, "ref": ref, "window_start": window_start, "window_end": window_end}
    row = session.execute(BAY_SQL, {**params, **forecast_params(forecast_at)}).first()
    return _json(row[0]) if row else None


ZONES_SQL = text(
    """
SELECT coalesce(json_agg(json_build_object(
           'source', s.name, 'ref', z.ref, 'code', z.code, 'name', z.name, 'sub_zone', z.sub_zone,
           'hours', z.hours, 'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(z.geom), 7)::json
       ) ORDER BY z.code, z.sub_zone, z.ref), '[]'::json)
  FROM zones z
  JOIN sources s ON s.id = z.source_id
 WHERE z.retired_at IS NULL AND (CAST(:code AS text) IS NULL OR z.code = :code)
   AND (CAST(:sub_zone AS text) IS NULL OR z.sub_zone = :sub_zone)
"""
)


def zones(session: Session, *, code: str | None = None, sub_zone: str | None = None) -> list[dict[str, Any]]:
    """Every live zone polygon (of one zone ``code``, or one ``sub_zone``, when given), ordered by code, sub-zone
    and ref. Outer rings counter-clockwise, as RFC 7946 says."""
    return _json(session.execute(ZONES_SQL, {"code": code, "sub_zone": sub_zone}).scalar_one())


SOURCES_SQL = text(
    f"""
SELECT coalesce(json_agg({_SOURCE_JSON}::jsonb || jsonb_build_object(
           'bays', (SELECT count(*) FROM places p WHERE p.source_id = s.id AND p.retired_at IS NULL),
           'zones', (SELECT count(*) FROM zones z WHERE z.source_id = s.id AND z.retired_at IS NULL)
       ) ORDER BY s.name), '[]'::json)
  FROM sources s
"""
)


def sources(session: Session) -> list[dict[str, Any]]:
    """Every source with its metadata and its counts of live bays and zones."""
    return _json(session.execute(SOURCES_SQL).scalar_one())


COVERAGE_SQL = text(
    """
SELECT coalesce(json_agg(json_build_object(
           'name', s.name,
           'last_loaded_at', s.last_loaded_at,
           'bbox', json_build_array(ST_XMin(s.coverage), ST_YMin(s.coverage), ST_XMax(s.coverage),
                                    ST_YMax(s.coverage)),
           'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(s.coverage), 7)::json
       ) ORDER BY s.name), '[]'::json)
  FROM sources s
 WHERE s.coverage IS NOT NULL
"""
)


def coverage(session: Session) -> list[dict[str, Any]]:
    """Per source with live places or zones: the convex hull of them all (the area its data speaks for, kept by
    each load), its bounding box and the source's ``last_loaded_at`` (which a cache of these keys on)."""
    return _json(session.execute(COVERAGE_SQL).scalar_one())


REGULATIONS_SQL = text("SELECT id, fingerprint, definition FROM regulations WHERE id = ANY(:ids)").bindparams(
    bindparam("ids", type_=ARRAY(Integer))
)


def regulations(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Regulations by id (the fallback when a cached id no longer matches its fingerprint)."""
    rows = session.execute(REGULATIONS_SQL, {"ids": list(ids)}).mappings().all()
    return [{"id": r["id"], "fingerprint": r["fingerprint"], "definition": _json(r["definition"])} for r in rows]
