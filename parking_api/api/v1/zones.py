"""``GET /v1/zones`` and ``GET /v1/zones/{code}``: controlled parking zones with their hours."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from parking_api.api.v1 import bodies, http
from parking_api.api.v1.args import NoArgs
from parking_api.api.v1.schemas import ZonesResponse
from parking_api.services import context, zones
from parking_api.store.db import get_session

blueprint = http.make_blueprint("zones", __name__, description="Controlled parking zones.", not_found=True)


@blueprint.route("/zones")
class Zones(MethodView):
    @blueprint.arguments(NoArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, ZonesResponse, content_type=http.GEOJSON)
    def get(self):
        """Every zone polygon

        One feature per zone polygon, with its zone `code`, `sub_zone` name and controlled `hours`
        (`monday_to_friday`, `saturday`, `sunday`; null when uncontrolled that day).
        """
        now = context.utcnow()
        return http.json_response(bodies.zones(zones.zones(get_session())), now=now, personal=False)


@blueprint.route("/zones/<string:code>")
class Zone(MethodView):
    @blueprint.arguments(NoArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, ZonesResponse, content_type=http.GEOJSON)
    def get(self, code: str):
        """One zone's polygons

        `code` as `CA-F` (`CAF` and lower case accepted); every polygon (sub-zone) of the zone with its own hours.
        404 when no live polygon has that code.
        """
        now = context.utcnow()
        return http.json_response(bodies.zones(zones.zones(get_session(), code=code)), now=now, personal=False)
