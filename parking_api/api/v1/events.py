"""``POST /v1/events`` (sensors and apps report occupancy) and ``GET /v1/events`` (the council reads them back),
after the Curb Data Specification's Events API."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from flask.views import MethodView
from marshmallow import RAISE, ValidationError, fields, validate, validates_schema

from parking_api.api import current_settings
from parking_api.api.auth import add_limit_headers, caller, require
from parking_api.api.v1 import http
from parking_api.api.v1.args import Instant, _Args
from parking_api.api.v1.schemas import EventsPage, EventsPosted
from parking_api.errors import InvalidBody, InvalidInput, NotPermitted, TooLarge
from parking_api.services import events as service
from parking_api.services.authorities import DEFAULT_TIMEZONE
from parking_api.services.context import provisional_utc, utcnow
from parking_api.store import events as store
from parking_api.store.db import get_session

CDS_VERSION = "1.0"

blueprint = http.make_blueprint(
    "events", __name__, description="Occupancy events: in from sensors and apps, out to the council (API key).",
    keyed=True,
)
blueprint.after_request(add_limit_headers)

EVENT_BODY = {
    "required": True,
    "description": (
        "A JSON array of up to 1,000 events: `event_id` (UUID, the idempotency key), `event_type` (`park_start`, "
        "`park_end`, `comms_lost`, `comms_restored`, `scheduled_report` with `occupied`), `event_time` (ISO 8601 "
        'with offset, or epoch milliseconds), `bay` (`{"source", "ref"}`), and optionally `event_session_id`, '
        "`space`, `vehicle` (`type`, `plate`, `permits`, `badge`) and `event_source`."
    ),
    "content": {
        "application/json": {
            "schema": {"type": "array", "maxItems": service.MAX_BATCH, "items": {"type": "object"}},
            "example": [
                {
                    "event_id": "3f1f6c1e-9b1b-4c55-9d0e-2a8a7f0b6d11",
                    "event_type": "park_start",
                    "event_time": "2026-12-03T09:30:00Z",
                    "bay": {"source": "camden", "ref": "1057"},
                    "event_session_id": "s-1",
                    "event_source": "in_ground",
                    "vehicle": {"type": "car"},
                }
            ],
        }
    },
}


class EventsArgs(_Args):
    source = fields.String(validate=validate.Length(1, 64))
    ref = fields.String(validate=validate.Length(1, 200))
    since = Instant(metadata={"description": "Events at or after this time (ISO 8601).", "format": "date-time"})
    until = Instant(metadata={"description": "Events before this time (ISO 8601).", "format": "date-time"})
    limit = fields.Integer(load_default=500, validate=validate.Range(1, 1000))
    cursor = fields.String(validate=validate.Length(1, 200), metadata={"description": "From `links.next`."})

    @validates_schema
    def _ref_needs_source(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("ref") and not data.get("source"):
            raise ValidationError("ref needs source", "ref")


def _body() -> list[Any]:
    try:
        items = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):
        raise InvalidBody("body", "is not JSON") from None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidBody("body", "must be a JSON array of event objects")
    if len(items) > service.MAX_BATCH:
        raise TooLarge(f"{len(items)} events in one request; at most {service.MAX_BATCH}")
    return items


def _cursor(text: str | None) -> tuple[datetime, str] | None:
    if not text:
        return None
    try:
        when, _, event_id = base64.urlsafe_b64decode(text.encode() + b"==").decode().partition("|")
        return datetime.fromisoformat(when), event_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "is not a cursor this service gave (use links.next as it is)") from None


def _next_cursor(row: dict[str, Any]) -> str:
    raw = f"{row['event_time'].isoformat()}|{row['event_id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@blueprint.route("/events")
class Events(MethodView):
    @require("sensor", "app")
    @blueprint.doc(requestBody=EVENT_BODY, security=[{"bearerAuth": []}])
    @blueprint.response(200, EventsPosted)
    def post(self):
        """Report occupancy events (role sensor or app)

        One result per event, in the order posted — `accepted`, `duplicate` (its `event_id` was received before)
        or `rejected` with the reason — and the counts of each. The batch is one transaction: rejected events do
        not block the others. A body that is not a JSON array of objects is refused whole (400); more than 1,000
        events is a 413.
        """
        items = _body()
        settings = current_settings()
        now = utcnow()
        session = get_session()
        outcome = service.ingest(
            session,
            items,
            now=now,
            plate_key=settings.plate_key,
            oldest=now - settings.event_retention,
            allowed_sources=caller().sources,
            key_id=caller().id,
        )
        session.commit()
        response = current_app.json.response(outcome.json())
        response.headers["Cache-Control"] = "no-store"
        return response

    @require("council")
    @blueprint.arguments(EventsArgs(), location="query", as_kwargs=True, unknown=RAISE)
    @blueprint.doc(security=[{"bearerAuth": []}])
    @blueprint.response(200, EventsPage)
    def get(self, **args):
        """Read stored events back (role council)

        The events as posted (without plates), ordered by `event_time`, inside the CDS envelope (`version`,
        `time_zone`, `last_updated`, `data.events`); `since` inclusive, `until` exclusive; `links.next` pages on.
        """
        key = caller()
        source = args.get("source")
        if source is not None and not key.may_use(source):
            raise NotPermitted(f"This key may not read source {source!r}.")
        since = provisional_utc(args["since"]) if args.get("since") else None
        until = provisional_utc(args["until"]) if args.get("until") else None
        session = get_session()
        rows = store.read_events(
            session,
            sources=key.sources,
            source=source,
            ref=args.get("ref"),
            since=since,
            until=until,
            after=_cursor(args.get("cursor")),
            limit=args["limit"] + 1,
        )
        page, more = rows[: args["limit"]], len(rows) > args["limit"]
        next_url = None
        if more:
            query = {k: v for k, v in request.args.items() if k != "cursor"}
            query["cursor"] = _next_cursor(page[-1])
            next_url = f"{request.base_url}?{urlencode(query)}"
        tz = store.source_timezone(session, source) if source else DEFAULT_TIMEZONE
        body = {
            "version": CDS_VERSION,
            "time_zone": tz,
            "last_updated": int(utcnow().timestamp() * 1000),
            "data": {"events": [row["payload"] for row in page]},
            "links": {"next": next_url},
        }
        response = current_app.json.response(body)
        response.headers["Cache-Control"] = "private, no-store"
        return response

