"""``GET /v1/can-i-park``: can this driver park here at this time, and until when?"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import RAISE

from parking_api.api.v1 import bodies, http
from parking_api.api.v1.args import CanIParkArgs
from parking_api.api.v1.schemas import CanIParkResponse
from parking_api.services.can_i_park import can_i_park

blueprint = http.make_blueprint(
    "can-i-park", __name__, description="Can I park here now, and until when? For a position, a time and a driver."
)


@blueprint.route("/can-i-park")
class CanIPark(MethodView):
    @blueprint.arguments(CanIParkArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, CanIParkResponse)
    def get(self, **args):
        """Can I park here?

        The answer is about the nearest bay within `accuracy` metres of the point (point-only bays answer within
        their own search radius); bays covering the point equally are weighed together and a tie gives the more
        restrictive answer. Away from any bay, the controlled hours of the zone containing the point answer
        (`basis: zone_default`); outside every loaded zone and bay, `basis: no_data` and `can_park: null`.

        Never log or cache the position: responses are `Cache-Control: private` and expire at the next change.
        """
        return http.driver_answer(
            can_i_park,
            bodies.can_i_park,
            args,
            lat=args["lat"],
            lon=args["lon"],
            at=args.get("at"),
            accuracy=args["accuracy"],
            stay=args.get("stay"),
            remind_before=args["remind_before"],
        )
