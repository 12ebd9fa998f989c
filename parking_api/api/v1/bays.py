"""``GET /v1/bays``, ``GET /v1/bays/{source}/{ref}`` and ``GET /v1/bays/{source}/{ref}/schedule``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request
from flask.views import MethodView
from marshmallow import RAISE

from parking_api.api.v1 import bodies, http
from parking_api.api.v1.args import BayArgs, BaysArgs, NoArgs, ScheduleArgs
from parking_api.api.v1.schemas import AvailabilityResponse, BayDetailResponse, BaysResponse, ScheduleResponse
from parking_api.services.availability import bay_availability
from parking_api.services.bay import bay, schedule
from parking_api.services.bays import bays_near

blueprint = http.make_blueprint(
    "bays", __name__, description="Bays near a point, one bay's rules, and its week.", not_found=True
)


@blueprint.route("/bays")
class Bays(MethodView):
    @blueprint.arguments(BaysArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, BaysResponse, content_type=http.GEOJSON)
    def get(self, **args):
        """Bays near a point, with their status for the driver

        A GeoJSON FeatureCollection of the live bays within `radius` metres of `lat`/`lon` — or intersecting
        `bbox` (at most 4 km², nearest its centre first) — nearest first, each with `can_park`, `until` and
        `allowed_from` at `at` for the driver, `stay_ok` and `payment` (the price of `stay` at `fuel`, as
        `/v1/can-i-park` gives it) and its live availability; filtered by `category`, `can_park` and `available`;
        `properties` keeps only the named properties; paged with `limit` and `offset`, with `numberMatched`,
        `numberReturned` and `links` (`next`) as in OGC API - Features. `coverage` is `outside` when the area
        meets no source's coverage (`/v1/sources`): an empty page there means no data, not no bays.
        """
        return http.driver_answer(
            bays_near,
            lambda result: {**bodies.bays_near(result, args.get("properties")), "links": _links(result, args)},
            args,
            lat=args.get("lat"),
            lon=args.get("lon"),
            at=args.get("at"),
            radius=args["radius"],
            limit=args["limit"],
            offset=args["offset"],
            available=args["available"],
            bbox=args.get("bbox"),
            categories=args.get("category"),
            can_park=args.get("can_park"),
            stay=args.get("stay"),
            coverage=http.coverage_cache(),
        )


def _links(result, args: dict[str, Any]) -> list[dict[str, str]]:
    """OGC API - Features links: ``self``, and ``next`` while pages remain (same query, ``offset`` moved on)."""
    query = request.args.to_dict(flat=False)
    links = [{"href": request.url, "rel": "self", "type": http.GEOJSON}]  # the media type the page is served as
    following = args["offset"] + args["limit"]
    if following < result.matched:
        query["offset"] = [str(following)]
        links.append({"href": f"{request.base_url}?{urlencode(query, doseq=True)}", "rel": "next",
                      "type": http.GEOJSON})  # fmt: skip
    return links


@blueprint.route("/bays/<string:source>/<string:ref>")
class Bay(MethodView):
    @blueprint.arguments(BayArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, BayDetailResponse, content_type=http.GEOJSON)
    def get(self, source: str, ref: str, **args):
        """One bay with its rules

        A GeoJSON Feature: the bay's canonical rules in words (who, when, max stay, payment, tariffs), its current
        and future suspensions, and its status at `at` for the driver. 404 when unknown or retired.
        """
        return http.driver_answer(bay, bodies.bay, args, personal=False, source=source, ref=ref, at=args.get("at"))


@blueprint.route("/bays/<string:source>/<string:ref>/schedule")
class BaySchedule(MethodView):
    @blueprint.arguments(ScheduleArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, ScheduleResponse)
    def get(self, source: str, ref: str, **args):
        """A bay's week for the driver

        The allowed / not-allowed and paid / free intervals from `from` (default now) to `to` (default 7 days
        later, at most 31 days), with ISO 8601 local offsets.
        """
        return http.driver_answer(
            schedule,
            bodies.schedule,
            args,
            personal=False,
            source=source,
            ref=ref,
            start=args.get("from_"),
            end=args.get("to"),
        )


@blueprint.route("/bays/<string:source>/<string:ref>/availability")
class BayAvailability(MethodView):
    @blueprint.arguments(NoArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.response(200, AvailabilityResponse)
    def get(self, source: str, ref: str, **_args):
        """A bay's free spaces now

        Live counts while the bay's sensor or app keeps reporting; `availability_status` is `unknown` (counts
        null) once its latest report is older than the staleness limit, after `comms_lost`, or when it was never
        observed. Cached no longer than the counts stay fresh.
        """
        context = http.request_context()
        result = bay_availability(context, source=source, ref=ref)
        body = {
            "source": result.source,
            "ref": result.ref,
            "spaces": result.spaces,
            **bodies.availability_json(result.availability, result.timezone),
            "stale_after_seconds": result.stale_after_seconds,
        }
        return http.json_response(body, now=context.now, changes=result.changes, live=True, personal=False)
