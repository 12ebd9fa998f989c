"""The vector tiles' SQL: what lies in a tile, then the tile itself, encoded by PostGIS (``ST_AsMVT``).

A tile is two statements, because the bays' status comes from the pure engine in between: :func:`tile_contents`
reads the live places and zones whose geometry meets the tile (with a buffer, so that lines and circles crossing an
edge draw whole), with what the engine needs; :func:`encode` clips them to the tile (``ST_AsMVTGeom`` in Web
Mercator, ``ST_TileEnvelope``) and writes the layers ``bays`` and ``zones`` with the properties the caller
computed. The filters compare ``geom`` with the envelope transformed to WGS84, a constant the planner folds, so the
partial GiST indexes ``places_geom_live`` and ``zones_geom_live`` serve them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer

from parking_api.store.reads import _REGULATIONS_JSON, _SOURCE_JSON

EXTENT = 4096
"""Tile coordinates per side (the Mapbox Vector Tile default)."""
BUFFER = 64
"""Tile coordinates drawn beyond each edge, so that what crosses an edge meets its neighbour's half."""
MARGIN = BUFFER / EXTENT
"""The buffer as a share of the tile's side (``ST_TileEnvelope``'s ``margin``)."""

_ENVELOPE_4326 = "ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326)"

CONTENTS_SQL = text(
    f"""
WITH placed AS MATERIALIZED (
    SELECT p.regulation_id, p.id, json_build_object(
               'id', p.id, 'source', s.name, 'ref', p.ref, 'kind', p.kind, 'restriction_type', p.restriction_type,
               'category', p.category, 'regulation_id', p.regulation_id, 'zone', p.zone,
               'suspensions', (
                   SELECT coalesce(json_agg(json_build_object('start', su.starts_at, 'end', su.ends_at,
                                                              'reason', su.reason) ORDER BY su.starts_at), '[]'::json)
                     FROM suspensions su
                    WHERE su.place_id = p.id AND su.ends_at > :window_start AND su.starts_at < :window_end)
           ) AS doc
      FROM places p
      JOIN sources s ON s.id = p.source_id
     WHERE :with_bays AND p.retired_at IS NULL AND p.geom && {_ENVELOPE_4326}
),
zoned AS (
    SELECT z.id, json_build_object('id', z.id, 'source', s.name, 'ref', z.ref, 'code', z.code, 'name', z.name,
                                   'sub_zone', z.sub_zone, 'hours', z.hours) AS doc
      FROM zones z
      JOIN sources s ON s.id = z.source_id
     WHERE z.retired_at IS NULL AND z.geom && {_ENVELOPE_4326}
)
SELECT
    (SELECT coalesce(json_agg(doc ORDER BY id), '[]'::json) FROM placed) AS places,
    (SELECT coalesce(json_agg(doc ORDER BY id), '[]'::json) FROM zoned) AS zones,
    ({_REGULATIONS_JSON} WHERE r.id IN (SELECT regulation_id FROM placed)) AS regulations,
    (SELECT coalesce(json_agg({_SOURCE_JSON} ORDER BY s.name), '[]'::json) FROM sources s) AS sources
"""
).bindparams(bindparam("known", type_=ARRAY(Integer)))


@dataclass
class TileContents:
    """What meets one tile: place rows (for the engine), zone rows, the regulations not cached yet, every source."""

    places: list[dict[str, Any]]
    zones: list[dict[str, Any]]
    regulations: list[dict[str, Any]]
    sources: list[dict[str, Any]]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def tile_contents(
    session: Session,
    *,
    z: int,
    x: int,
    y: int,
    with_bays: bool,
    window_start: datetime,
    window_end: datetime,
    known_regulations: Iterable[int] = (),
) -> TileContents:
    """The live places (only ``with_bays``) and zones meeting tile ``z/x/y`` or its buffer, with the suspensions
    overlapping the window and the regulations not in ``known_regulations`` — one statement."""
    row = (
        session.execute(
            CONTENTS_SQL,
            {
                "z": z,
                "x": x,
                "y": y,
                "margin": MARGIN,
                "with_bays": with_bays,
                "window_start": window_start,
                "window_end": window_end,
                "known": sorted(known_regulations),
            },
        )
        .mappings()
        .one()
    )
    return TileContents(
        places=_json(row["places"]),
        zones=_json(row["zones"]),
        regulations=_json(row["regulations"]),
        sources=_json(row["sources"]),
    )


ENCODE_SQL = text(
    f"""
WITH
bay_props AS (
    SELECT * FROM json_to_recordset(CAST(:bays AS json)) AS b(
        id bigint, source text, ref text, category text, can_park boolean, payment_required boolean, until text,
        allowed_from text, max_stay integer, stay_ok boolean, suspended boolean)
),
bays AS (
    SELECT b.source, b.ref, b.category, b.can_park, b.payment_required, b.until, b.allowed_from, b.max_stay,
           b.stay_ok, b.suspended,
           ST_AsMVTGeom(ST_Transform(p.geom, 3857), ST_TileEnvelope(:z, :x, :y), {EXTENT}, {BUFFER}, true) AS geom
      FROM bay_props b
      JOIN places p ON p.id = b.id
),
zone_props AS (
    SELECT * FROM json_to_recordset(CAST(:zones AS json)) AS zp(
        id bigint, source text, ref text, code text, sub_zone text, name text, hours text)
),
zoned AS (
    SELECT zp.source, zp.ref, zp.code, zp.sub_zone, zp.name, zp.hours,
           ST_AsMVTGeom(ST_Transform(z.geom, 3857), ST_TileEnvelope(:z, :x, :y), {EXTENT}, {BUFFER}, true) AS geom
      FROM zone_props zp
      JOIN zones z ON z.id = zp.id
)
SELECT coalesce((SELECT ST_AsMVT(bays.*, 'bays', {EXTENT}, 'geom') FROM bays WHERE geom IS NOT NULL), ''::bytea)
    || coalesce((SELECT ST_AsMVT(zoned.*, 'zones', {EXTENT}, 'geom') FROM zoned WHERE geom IS NOT NULL), ''::bytea)
"""
)

BAY_PROPERTIES = ("source", "ref", "category", "can_park", "payment_required", "until", "allowed_from", "max_stay",
                  "stay_ok", "suspended")  # fmt: skip
"""The ``bays`` layer's properties (a null one is left out of its feature, as MVT has no null)."""
ZONE_PROPERTIES = ("source", "ref", "code", "sub_zone", "name", "hours")
"""The ``zones`` layer's properties."""


def encode(
    session: Session, *, z: int, x: int, y: int, bays: Sequence[dict[str, Any]], zones: Sequence[dict[str, Any]]
) -> bytes:
    """Tile ``z/x/y`` as Mapbox Vector Tile bytes: each of ``bays`` (an ``id`` of ``places`` and the
    :data:`BAY_PROPERTIES`) and ``zones`` (an ``id`` of ``zones`` and the :data:`ZONE_PROPERTIES`) clipped to the
    tile with its buffer; features left with no geometry inside it are dropped. Empty bytes: an empty tile."""
    value = session.execute(
        ENCODE_SQL, {"z": z, "x": x, "y": y, "bays": json.dumps(list(bays)), "zones": json.dumps(list(zones))}
    ).scalar_one()
    return bytes(value)
