"""``/v1/suspensions``: council officers suspend bays through the API (role ``council``); drivers see them at once."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import RAISE, fields, validate

from parking_api.api.auth import add_limit_headers, caller, require
from parking_api.api.present import iso
from parking_api.api.v1 import http
from parking_api.api.v1.args import Instant, _Args
from parking_api.api.v1.schemas import SuspensionOut, SuspensionsOut
from parking_api.services import suspensions as service
from parking_api.services.context import local_instant, utcnow
from parking_api.store.db import get_session

blueprint = http.make_blueprint(
    "suspensions", __name__, description="Bay suspensions posted by the council.", not_found=True, keyed=True
)
blueprint.after_request(add_limit_headers)


class SuspensionBody(_Args):
    source = fields.String(required=True, validate=validate.Length(1, 64))
    ref = fields.String(required=True, validate=validate.Length(1, 200))
    start = Instant(required=True, metadata={"format": "date-time", "description": "ISO 8601 (naive: local time)."})
    end = Instant(required=True, metadata={"format": "date-time", "description": "ISO 8601, after start."})
    reason = fields.String(load_default="", validate=validate.Length(0, service.MAX_REASON))


class ActiveArgs(_Args):
    active_at = Instant(metadata={"format": "date-time", "description": "Default now."})
    source = fields.String(validate=validate.Length(1, 64))
    ref = fields.String(validate=validate.Length(1, 200))


def _json(row: dict[str, Any]) -> dict[str, Any]:
    tz = row.get("timezone") or "Europe/London"
    return {
        "id": row["id"],
        "source": row["source"],
        "ref": row["ref"],
        "start": iso(row["starts_at"], tz),
        "end": iso(row["ends_at"], tz),
        "reason": row["reason"],
        "origin": row["origin"],
        "created_at": iso(row["created_at"], tz),
    }


def _no_store(body: dict[str, Any], status: int = 200):
    response = current_app.json.response(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/suspensions")
class Suspensions(MethodView):
    @require("council")
    @blueprint.arguments(SuspensionBody, location="json", unknown=RAISE)
    @blueprint.doc(security=[{"bearerAuth": []}])
    @blueprint.response(201, SuspensionOut)
    def post(self, body):
        """Suspend a bay (role council)

        The bay is suspended over [`start`, `end`): every driver answer reads it at once, exactly as a suspension
        from a council file.
        """
        session = get_session()
        row = service.create(
            session,
            caller(),
            source=body["source"],
            ref=body["ref"],
            start=body["start"],
            end=body["end"],
            reason=body["reason"],
        )
        session.commit()
        return _no_store(_json(row), 201)

    @require("council")
    @blueprint.arguments(ActiveArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.doc(security=[{"bearerAuth": []}])
    @blueprint.response(200, SuspensionsOut)
    def get(self, **args):
        """Suspensions in force (role council)

        Every suspension in force at `active_at` (default now) on a live bay, from files and from the API.
        """
        at = args.get("active_at")
        at = local_instant(at, "Europe/London", "active_at") if at is not None else utcnow()
        rows = service.active(get_session(), caller(), at=at, source=args.get("source"), ref=args.get("ref"))
        return _no_store({"suspensions": [_json(r) for r in rows]})


@blueprint.route("/suspensions/<int:suspension_id>")
class Suspension(MethodView):
    @require("council")
    @blueprint.doc(security=[{"bearerAuth": []}])
    @blueprint.response(204)
    def delete(self, suspension_id: int):
        """Lift a suspension posted through the API (role council)

        404 when unknown; 409 for a suspension from a council file (the next file replaces those).
        """
        session = get_session()
        service.delete(session, caller(), suspension_id)
        session.commit()
        return "", 204
