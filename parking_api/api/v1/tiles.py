"""``GET /v1/tiles/{z}/{x}/{y}.mvt``: the bays and zones as Mapbox vector tiles, each bay with the driver's status."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import RAISE, fields, validate

from parking_api.api.present import iso, zone_hours
from parking_api.api.v1 import http
from parking_api.api.v1.args import MAX_STAY_MINUTES, DriverArgs, Instant
from parking_api.services import tiles
from parking_api.services.context import Evaluated

MVT = "application/vnd.mapbox-vector-tile"

blueprint = http.make_blueprint(
    "tiles", __name__, description="The bays and zones as vector tiles, for maps.", not_found=True
)


class TileArgs(DriverArgs):
    at = Instant(
        metadata={
            "description": "The instant the bays' status is for, ISO 8601; without an offset it is the authority's "
            "local time. Default: now.",
            "format": "date-time",
        }
    )
    stay = fields.Integer(
        validate=validate.Range(1, MAX_STAY_MINUTES),
        metadata={"description": f"Intended stay in minutes, 1 to {MAX_STAY_MINUTES}: gives each bay `stay_ok`."},
    )


def _tile_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 0, "maximum": tiles.MAX_ZOOM if name == "z" else (1 << 22) - 1},
    }


_TILE_PARAMETERS = [
    _tile_parameter("z", f"Zoom level, 0 to {tiles.MAX_ZOOM}; bays from {tiles.BAYS_FROM_ZOOM} up."),
    _tile_parameter("x", "Column, 0 to 2^z − 1, from the west."),
    _tile_parameter("y", "Row, 0 to 2^z − 1, from the north (XYZ scheme)."),
]

_DESCRIPTION = f"""\
The bays and zones meeting tile `z/x/y`, the bays with the driver's status at `at`, as a Mapbox Vector Tile
(version 2) in Web Mercator, extent 4096, addressed as XYZ tiles. Layers:

- `bays` (from zoom {tiles.BAYS_FROM_ZOOM} up): kerb lines, points or polygons, each with `source`, `ref`,
  `category`, `can_park`, `payment_required`, `until`, `allowed_from`, `max_stay`, `stay_ok` (with `stay`) and
  `suspended` — the same answer `/v1/can-i-park` gives for this driver at `at` (instants ISO 8601 with the local
  offset; a property whose value is null is left out).
- `zones` (every zoom): controlled parking zone polygons with `source`, `ref`, `code`, `sub_zone`, `name` and
  `hours`, the controlled hours as the JSON text of `/v1/zones`' `hours` object.

An empty tile is an empty body. Cached as long as the API's other answers (for now: never past the earliest change
of a bay in the tile); `ETag` and `If-None-Match` as everywhere."""


@blueprint.route("/tiles/<string:z>/<string:x>/<string:y>.mvt", parameters=_TILE_PARAMETERS)
class Tile(MethodView):
    @blueprint.doc(description=_DESCRIPTION)
    @blueprint.arguments(TileArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(
        200, {"type": "string", "format": "binary"}, content_type=MVT, description="The tile (may be empty)."
    )
    def get(self, z: str, x: str, y: str, **args):
        """A map tile of bays and zones"""
        address = tiles.tile_address(z, x, y)
        context = http.request_context()
        stay = args.get("stay")
        found = tiles.tile(context, address=address, at=args.get("at"), driver=http.driver(args), stay=stay)
        body = tiles.encode(
            context,
            address,
            [_bay(item, stay) for item in found.bays],
            [_zone(row) for row in found.zones],
        )
        response = Response(body, mimetype=MVT)
        ttl = http.ttl_seconds(found.changes, live=found.live, now=context.now)
        response.headers["Cache-Control"] = "no-store" if ttl < http.IMMINENT else f"public, max-age={ttl}"
        response.set_etag(hashlib.sha1(body).hexdigest())
        return response.make_conditional(request)


def _bay(item: Evaluated, stay: int | None) -> dict[str, Any]:
    answer, tz = item.answer, item.timezone
    return {
        "id": item.row["id"],
        "source": item.row["source"],
        "ref": str(item.row["ref"]),
        "category": item.row.get("category") or "",
        "can_park": bool(answer.can_park),
        "payment_required": bool(answer.payment_required_now),
        "until": iso(answer.until, tz),
        "allowed_from": iso(answer.allowed_from, tz),
        "max_stay": answer.max_stay,
        "stay_ok": answer.stay_ok if stay is not None else None,
        "suspended": bool(answer.suspended),
    }


def _zone(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "source": row["source"],
        "ref": str(row["ref"]),
        "code": row.get("code") or "",
        "sub_zone": row.get("sub_zone") or "",
        "name": row.get("name") or "",
        "hours": json.dumps(zone_hours(row.get("hours")), separators=(",", ":")),
    }
