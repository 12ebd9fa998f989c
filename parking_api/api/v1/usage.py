"""``/v1/usage/bays``, ``/v1/usage/zones`` and ``/v1/usage/overstays``: how the bays are really used, judged
against the rules in force at the time (role ``council``). JSON ``{"rows": [...]}``, or the same columns as CSV
with ``Accept: text/csv``."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import RAISE, ValidationError, fields, validate

from parking_api.api import current_settings
from parking_api.api.auth import add_limit_headers, caller, require
from parking_api.api.v1 import http
from parking_api.api.v1.args import Instant, _Args
from parking_api.api.v1.schemas import _Out
from parking_api.errors import NotPermitted
from parking_api.services import usage as service
from parking_api.services.context import utcnow
from parking_api.store.db import get_session
from parking_api.store.usage import UNITS, Scope

CSV = "text/csv"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

blueprint = http.make_blueprint(
    "usage", __name__, description="Bay usage for the council: sessions, occupancy, overstays (API key).", keyed=True
)
blueprint.after_request(add_limit_headers)


class DateOrInstant(Instant):
    """A date (local midnight) or an ISO 8601 date-time (naive: local time)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime | date:
        text = str(value).strip()
        if _DATE.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValidationError("is not a valid date") from None
        return super()._deserialize(value, attr, data, **kwargs)


_FROM = "Start of the period, inclusive: a date (local midnight) or an ISO 8601 date-time (naive: local time)."
_TO = "End of the period, exclusive: a date or an ISO 8601 date-time."


class _PeriodArgs(_Args):
    from_ = DateOrInstant(data_key="from", required=True, metadata={"description": _FROM, "example": "2026-11-01"})
    to = DateOrInstant(required=True, metadata={"description": _TO, "example": "2026-12-01"})
    zone = fields.String(validate=validate.Length(1, 64), metadata={"description": "A zone code, e.g. `CA-F`."})
    source = fields.String(validate=validate.Length(1, 64))
    include_simulated = fields.Boolean(
        load_default=False, metadata={"description": "`true`: count the simulator's sessions and events too."}
    )


class UsageArgs(_PeriodArgs):
    granularity = fields.String(
        load_default="total",
        validate=validate.OneOf(UNITS),
        metadata={"description": "`hour` or `day` (local time: a clock-change day has 23 or 25 hours) or `total` "
                  "(default). `hour` covers at most 31 days, the others 366."},
    )  # fmt: skip


class OverstaysArgs(_PeriodArgs):
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, service.MAX_OVERSTAYS))


def _metric_fields() -> dict[str, fields.Field]:
    def number(description: str) -> fields.Float:
        return fields.Float(required=True, allow_none=True, metadata={"description": description})

    def count(description: str) -> fields.Integer:
        return fields.Integer(required=True, allow_none=True, metadata={"description": description})

    return {
        "bucket_start": fields.DateTime(required=True, metadata={"description": "Inclusive, local offset."}),
        "bucket_end": fields.DateTime(required=True, metadata={"description": "Exclusive."}),
        "total_sessions": count("Sessions starting in the bucket."),
        "turnover": number("Sessions per space."),
        "average_dwell_time": number("Minutes, over the ended sessions starting in the bucket."),
        "median_dwell_time": number("Minutes."),
        "occupancy_percent": number("Occupied space-time over space-time while the data was online."),
        "overstays": count("Sessions judged overstays by the rule in force."),
        "unverifiable_sessions": count("Sessions a sensor cannot judge (permit, badge, permit-only bay)."),
        "suspension_hours": fields.Float(required=True, metadata={"description": "Hours the bay was suspended."}),
        "online_percent": fields.Float(required=True, metadata={"description": "Share of the bucket online."}),
    }


BayUsageRow = _Out.from_dict(
    {
        "source": fields.String(required=True),
        "ref": fields.String(required=True),
        "zone": fields.String(required=True, allow_none=True),
        "road": fields.String(required=True, allow_none=True),
        "spaces": fields.Integer(required=True),
        **_metric_fields(),
    },
    name="BayUsageRow",
)
ZoneUsageRow = _Out.from_dict(
    {
        "source": fields.String(required=True),
        "zone": fields.String(required=True, allow_none=True),
        "bays": fields.Integer(required=True),
        "spaces": fields.Integer(required=True),
        **_metric_fields(),
    },
    name="ZoneUsageRow",
)
OverstayRow = _Out.from_dict(
    {
        "source": fields.String(required=True),
        "ref": fields.String(required=True),
        "zone": fields.String(required=True, allow_none=True),
        "road": fields.String(required=True, allow_none=True),
        "started_at": fields.DateTime(required=True),
        "ended_at": fields.DateTime(required=True),
        "dwell_minutes": fields.Float(required=True),
        "allowed_until": fields.DateTime(required=True, allow_none=True,
                                         metadata={"description": "The engine's until at the start (null: not "
                                                   "allowed to park at all then)."}),
        "overstay_minutes": fields.Float(required=True),
        "kind": fields.String(required=True, validate=validate.OneOf(["max_stay", "suspended", "not_allowed"])),
        "rule": fields.String(required=True, metadata={"description": "The rule in force, in words."}),
        "simulated": fields.Boolean(required=True),
    },
    name="OverstayRow",
)  # fmt: skip
BayUsageResponse = _Out.from_dict({"rows": fields.List(fields.Nested(BayUsageRow), required=True)},
                                  name="BayUsageResponse")  # fmt: skip
ZoneUsageResponse = _Out.from_dict({"rows": fields.List(fields.Nested(ZoneUsageRow), required=True)},
                                   name="ZoneUsageResponse")  # fmt: skip
OverstaysResponse = _Out.from_dict({"rows": fields.List(fields.Nested(OverstayRow), required=True)},
                                   name="OverstaysResponse")  # fmt: skip



def _csv_doc(schema: type) -> dict[str, Any]:
    """The 200 response as JSON (``schema``) or, with ``Accept: text/csv``, as CSV with the same columns."""
    csv_schema = {"type": "string", "description": "The same columns as CSV, a header row first."}
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema},
                                                     CSV: {"schema": csv_schema}}}}  # fmt: skip


def _scope(args: dict[str, Any]) -> Scope:
    key = caller()
    source = args.get("source")
    if source is not None and not key.may_use(source):
        raise NotPermitted(f"This key may not read source {source!r}.")
    return Scope(zone=args.get("zone"), source=source, sources=key.sources,
                 include_simulated=args["include_simulated"])  # fmt: skip


def _answer(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Response:
    """JSON, or CSV when the client prefers ``text/csv``; never cached by shared caches."""
    best = request.accept_mimetypes.best_match(["application/json", CSV], default="application/json")
    if best == CSV and request.accept_mimetypes[CSV] > request.accept_mimetypes["application/json"]:
        response = Response(service.to_csv(rows, columns), mimetype=CSV)
        response.headers["Content-Disposition"] = "inline"
    else:
        response = current_app.json.response({"rows": rows})
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = "Accept, Authorization"
    return response


def _usage(args: dict[str, Any], by: str) -> Response:
    scope = _scope(args)
    session = get_session()
    tz = service.timezone_of(session, scope.source)
    when = service.period(args["from_"], args["to"], tz, unit=args["granularity"])
    rows = service.usage(session, current_settings(), scope, when, by=by, unit=args["granularity"], now=utcnow())
    session.commit()  # the verdicts judged on the way
    return _answer(rows, service.columns(by))


@blueprint.route("/usage/bays")
class UsageBays(MethodView):
    @require("council")
    @blueprint.arguments(UsageArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.doc(security=[{"bearerAuth": []}])
    @blueprint.response(200, BayUsageResponse, content_type="application/json")
    @blueprint.doc(responses=_csv_doc(BayUsageResponse))
    def get(self, **args):
        """Usage metrics per bay (role council)

        One row per bay and bucket (`granularity` `hour` or `day` in local time, or `total`; `from` inclusive,
        `to` exclusive): sessions, turnover, dwell times, time-weighted occupancy while the data was online,
        overstays judged by the rule in force at the time, unverifiable sessions, suspension hours and the share
        of the bucket the data was online. Metrics are null where the bay's data was offline for the whole
        bucket. `Accept: text/csv` gives the same columns as CSV. See README "Usage" for every definition.
        """
        return _usage(args, "bay")


@blueprint.route("/usage/zones")
class UsageZones(MethodView):
    @require("council")
    @blueprint.arguments(UsageArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.doc(security=[{"bearerAuth": []}])
    @blueprint.response(200, ZoneUsageResponse, content_type="application/json")
    @blueprint.doc(responses=_csv_doc(ZoneUsageResponse))
    def get(self, **args):
        """Usage metrics per zone (role council)

        As `/v1/usage/bays`, over each zone's bays together: turnover is sessions per space of the zone,
        occupancy weighs each bay by its spaces and online time, `online_percent` is the bays' mean.
        """
        return _usage(args, "zone")


@blueprint.route("/usage/overstays")
class UsageOverstays(MethodView):
    @require("council")
    @blueprint.arguments(OverstaysArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.doc(security=[{"bearerAuth": []}])
    @blueprint.response(200, OverstaysResponse, content_type="application/json")
    @blueprint.doc(responses=_csv_doc(OverstaysResponse))
    def get(self, **args):
        """Overstays, with the rule in words (role council)

        The sessions starting in the period that broke the rule in force when they happened, as the engine
        judges it: past the engine's `until` (the max stay counted per controlled period, or a restriction or
        suspension beginning), or parked where that vehicle may not park at all (a suspended bay, no stopping, a
        car-club bay). Unverifiable sessions (a permit or badge, a permit-only bay) are never listed.
        """
        scope = _scope(args)
        session = get_session()
        tz = service.timezone_of(session, scope.source)
        when = service.period(args["from_"], args["to"], tz)
        rows = service.overstays(session, current_settings(), scope, when, limit=args["limit"])
        session.commit()
        return _answer(rows, service.OVERSTAY_COLUMNS)
