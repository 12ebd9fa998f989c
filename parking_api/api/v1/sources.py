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
    @blueprint.arguments(NoArgs, location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, SourcesResponse)
    def get(self):
        """Loaded sources

        Per source: publisher, licence, attribution text, url, time zone, holiday calendar, when the data was
        published and last loaded, and the counts of live bays and zone polygons.
        """
        now = context.utcnow()
        return http.json_response(bodies.sources(sources.sources(get_session())), now=now, personal=False)
