"""``GET /v1/sources``: what data is loaded."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from parking_api.api.v1 import bodies, http
from parking_api.api.v1.args import NoArgs
from parking_api.api.v1.schemas import SourcesResponse
from parking_api.services import context, sources
from parking_api.store.db import get_session

blueprint = http.make_blueprint("sources", __name__, description="The loaded data sources.")


@blueprint.route("/sources")
class Sources(MethodView):
    @blueprint.arguments(NoArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, SourcesResponse)
    def get(self):
        """Loaded sources

        Per source: publisher, licence, attribution text, url, time zone, holiday calendar, when the data was
        published and last loaded, the counts of live bays and zone polygons, and its `coverage`: the convex hull of
        its live bays and zones with its bounding box (null without live data), where `/v1/bays` answers `inside`.
        """
        now = context.utcnow()
        session = get_session()
        rows = sources.sources(session)
        coverage = http.coverage_cache().get(session, rows)
        return http.json_response(bodies.sources(rows, coverage), now=now, personal=False)
