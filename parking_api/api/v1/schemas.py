"""Marshmallow schemas of the v1 responses (the query parameters are in :mod:`.args`).

Responses are shaped by :mod:`.bodies` as plain JSON-ready dicts; the schemas here document them in
``/openapi.json`` precisely enough for a fuzzer to check every body against its schema (nullable fields say so).
Every instant is ISO 8601 with the authority's local offset; money is ``{"amount": "5.70", "currency": "GBP"}``.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from parking_api.api.v1.reason_schema import reason_code, reason_params, until_status
from parking_api.api.v1.vocabulary import CATEGORIES, TARIFF_FUELS, USER_CLASSES

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


def _instant(description: str, **kwargs) -> fields.DateTime:
    return fields.DateTime(metadata={"description": description}, **kwargs)


class _Out(Schema):
    class Meta:
        unknown = EXCLUDE


class ProblemSchema(_Out):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    invalid_params = fields.List(
        fields.Nested(lambda: InvalidParamSchema()),
        metadata={"description": "Each invalid parameter: `name`, `reason`, `code`, and `min`/`max`/`allowed` "
                  "where they apply."},
    )  # fmt: skip


class InvalidParamSchema(_Out):
    name = fields.String(required=True)
    reason = fields.String(required=True)
    code = fields.String(
        required=True,
        metadata={"description": "`required`, `unknown_parameter`, `out_of_range`, `not_allowed`, `invalid_value`."},
    )
    min = fields.Float()
    max = fields.Float()
    allowed = fields.List(fields.String())


class MoneySchema(_Out):
    amount = fields.String(required=True, validate=validate.Regexp(r"^-?\d+\.\d{2}$"), metadata={"example": "5.70"})
    currency = fields.String(required=True, metadata={"example": "GBP"})


class TariffSchema(_Out):
    fuel = fields.String(
        required=True,
        validate=validate.OneOf(TARIFF_FUELS),
        metadata={"description": "The publisher's label, e.g. `non-diesel`; `any`: one price for every fuel."},
    )
    per_hour = fields.Nested(MoneySchema, required=True)


class PaymentSchema(_Out):
    required_now = fields.Boolean(required=True)
    pay_until = _instant(
        "Until when payment is due from `at` (null when not paying now).", required=True, allow_none=True
    )
    tariffs = fields.List(fields.Nested(TariffSchema), required=True)
    price = fields.Nested(
        MoneySchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "Price of the charged minutes of the stay at the driver's `fuel`: null without `fuel`; "
            '`"0.00"` when none of the stay is charged.'
        },
    )
    pay_by_phone = fields.Nested(
        lambda: PayByPhoneSchema(),
        allow_none=True,
        metadata={"description": "How to pay from the phone: the bay's location code (null when it has none)."},
    )


class PayByPhoneSchema(_Out):
    provider = fields.String(
        required=True, allow_none=True, metadata={"description": "The service, where the source or configuration says."}
    )
    location_code = fields.String(required=True, metadata={"description": "The code to enter, e.g. Camden's `13605`."})


class GeometrySchema(_Out):
    type = fields.String(required=True, validate=validate.OneOf(GEOMETRY_TYPES))
    coordinates = fields.Raw(metadata={"description": "RFC 7946 positions (longitude, latitude)."})
    geometries = fields.List(fields.Raw())


class ChangeSchema(_Out):
    at = _instant("When it changes.", required=True)
    can_park = fields.Boolean(required=True)
    payment_required = fields.Boolean(required=True)


class BayRefSchema(_Out):
    source = fields.String(required=True)
    ref = fields.String(required=True, metadata={"description": "The publisher's identifier."})
    type = fields.String(required=True, metadata={"description": "The publisher's wording (restriction type)."})
    category = fields.String(
        required=True, validate=validate.OneOf(CATEGORIES), metadata={"description": "Our canonical class."}
    )
    road = fields.String(required=True, allow_none=True)
    zone = fields.String(required=True, allow_none=True)
    spaces = fields.Integer(required=True, allow_none=True)
    distance_m = fields.Float(required=True)


class AvailabilityFields(_Out):
    """A bay's live availability: counts only while its reports are fresh (``availability_status`` ``live``);
    ``unknown`` (counts null) when stale, after ``comms_lost``, or never observed."""

    available_spaces = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Free spaces now (null unless status is live)."}
    )
    occupied_spaces = fields.Integer(required=True, allow_none=True)
    availability_status = fields.String(required=True, validate=validate.OneOf(["live", "unknown"]))
    availability_observed_at = _instant("The bay's latest report (sensor or app).", required=True, allow_none=True)
    availability_simulated = fields.Boolean(
        required=True, allow_none=True, metadata={"description": "True when only the simulator has reported for it."}
    )
    availability_forecast = fields.Nested(
        lambda: ForecastSchema(),
        required=True,
        allow_none=True,
        metadata={"description": "Without a live reading: how often a space was free at this hour of the week over "
                  "the last 8 weeks (README \"Availability forecast\"); null when live or under 4 weeks of data."},
    )  # fmt: skip


class ForecastSchema(_Out):
    share_free = fields.Float(
        required=True,
        validate=validate.Range(0, 1),
        metadata={"description": "Share (0-1) of the bay's online time in this hour of the week with a space free."},
    )
    weeks = fields.Integer(required=True, metadata={"description": "Weeks of data it rests on (4 to 8)."})


class AvailabilityResponse(AvailabilityFields):
    source = fields.String(required=True)
    ref = fields.String(required=True)
    spaces = fields.Integer(required=True, allow_none=True)
    stale_after_seconds = fields.Integer(required=True)


class BaySchema(AvailabilityFields, BayRefSchema):
    geometry = fields.Nested(GeometrySchema, required=True)


class _StatusFields(_Out):
    """A place's status for the driver, as ``bodies._status`` builds it; put it before ``BayRefSchema`` in the bases
    so that the bay's reference fields come first."""

    can_park = fields.Boolean(required=True)
    until = _instant("", required=True, allow_none=True)
    allowed_from = _instant("", required=True, allow_none=True)
    payment_required = fields.Boolean(required=True)
    max_stay = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True, metadata={"description": "Why, in the request's language."})
    reason_code = reason_code()
    reason_params = reason_params()


class CandidateSchema(AvailabilityFields, _StatusFields, BayRefSchema):
    geometry = fields.Nested(GeometrySchema, required=True)


class AlternativeSchema(AvailabilityFields, BayRefSchema):
    can_park = fields.Boolean(required=True)
    until = _instant(
        "Until when this driver may stay (null: no end within the horizon).", required=True, allow_none=True
    )
    payment_required = fields.Boolean(required=True)
    max_stay = fields.Integer(required=True, allow_none=True)
    reason_code = reason_code()
    reason_params = reason_params()
    geometry = fields.Nested(GeometrySchema, required=True)


class TraceEntrySchema(_Out):
    """How one rule (or a suspension) was weighed at `at`."""

    rule = fields.String(required=True, metadata={"description": "The rule in words, or `suspension`."})
    priority = fields.Integer(required=True, metadata={"description": "Lower wins."})
    in_effect = fields.Boolean(required=True, metadata={"description": "Its times include `at`."})
    applies = fields.Boolean(required=True, metadata={"description": "It is for this driver."})
    won = fields.Boolean(required=True, metadata={"description": "It decided the answer."})
    note = fields.String(required=True)


class ZoneHoursSchema(_Out):
    monday_to_friday = fields.String(allow_none=True)
    saturday = fields.String(allow_none=True)
    sunday = fields.String(allow_none=True)


class ZoneRefSchema(_Out):
    source = fields.String(required=True)
    ref = fields.String(required=True)
    code = fields.String(required=True, metadata={"example": "CA-F"})
    sub_zone = fields.String(required=True, metadata={"example": "CA-F(n)"})
    name = fields.String(required=True)
    hours = fields.Nested(ZoneHoursSchema, required=True)


class CanIParkResponse(_Out):
    can_park = fields.Boolean(
        required=True, allow_none=True, metadata={"description": "Null only when `basis` is `no_data`."}
    )
    until = _instant(
        "Until when parking stays allowed (null: not allowed now, or no end in the horizon).",
        required=True,
        allow_none=True,
    )
    allowed_from = _instant(
        "When parking becomes allowed (null: allowed now, or not within the horizon).", required=True, allow_none=True
    )
    at = _instant("The instant answered.", required=True)
    valid_until = _instant(
        "Until when this whole answer holds: the earlier of its next change and its live counts going stale (null: "
        "beyond the horizon). Polling without `at` gets 304 with the same weak ETag until then.",
        required=True,
        allow_none=True,
    )
    until_status = until_status()
    remind_at = _instant(
        "When to remind the driver: `remind_before` minutes before `until` or before payment becomes due again "
        "(`reason_params.pay_from`), whichever is first, never before `at` (null: not allowed now, or nothing ends "
        "the stay within the horizon).",
        required=True,
        allow_none=True,
    )
    basis = fields.String(required=True, validate=validate.OneOf(["bay", "zone_default", "no_data"]))
    place_id = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The place answering, `source/ref`: the bay (`basis: bay`, as `/v1/bays` feature "
                  "ids) or the zone (`basis: zone_default`, as `/v1/zones` feature ids); null with `no_data`.",
                  "example": "camden/46042958"},
    )  # fmt: skip
    bay = fields.Nested(BaySchema, required=True, allow_none=True)
    zone = fields.Nested(ZoneRefSchema, required=True, allow_none=True)
    reason = fields.String(
        required=True,
        metadata={"description": "Why, in words, in the request's language (`lang`, else `Accept-Language`; see "
                  "`Content-Language`)."},
    )  # fmt: skip
    reason_code = reason_code()
    reason_params = reason_params()
    rules = fields.List(
        fields.Nested(lambda: TraceEntrySchema()), required=True, metadata={"description": "The evaluation trace."}
    )
    max_stay = fields.Integer(required=True, allow_none=True, metadata={"description": "Minutes."})
    stay = fields.Integer(required=True, allow_none=True)
    stay_ok = fields.Boolean(required=True, allow_none=True)
    suspended = fields.Boolean(required=True)
    payment = fields.Nested(PaymentSchema, required=True, allow_none=True)
    next_changes = fields.List(fields.Nested(ChangeSchema), required=True)
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)
    ambiguous = fields.Boolean(
        required=True,
        metadata={"description": "True when bays within the position's accuracy answer differently (`candidates`)."},
    )
    alternatives = fields.List(fields.Nested(AlternativeSchema), required=True)
    data_as_of = _instant("When the source data was published (or loaded).", required=True, allow_none=True)
    attribution = fields.String(required=True, allow_none=True)
    caveats = fields.List(fields.String(), required=True)


class BayFeaturePropertiesSchema(AvailabilityFields, _StatusFields, BayRefSchema):
    """Every property is present unless `properties=` names the only ones wanted, so none is documented as required
    (a generated client must accept a slim feature)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    suspended = fields.Boolean(required=True)
    stay_ok = fields.Boolean(
        required=True, allow_none=True, metadata={"description": "Whether `stay` fits (null without `stay`)."}
    )
    payment = fields.Nested(
        PaymentSchema,
        required=True,
        metadata={"description": "As in `/v1/can-i-park`: payment at `at`, the tariffs and the price of `stay` at "
                  "`fuel`."},
    )  # fmt: skip


class _Feature(_Out):
    """A GeoJSON Feature; subclasses add their ``properties``."""

    type = fields.String(required=True, validate=validate.OneOf(["Feature"]))
    id = fields.String(required=True)
    geometry = fields.Nested(GeometrySchema, required=True)


class _FeatureCollection(_Out):
    """A GeoJSON FeatureCollection paged as in OGC API - Features; subclasses narrow ``features`` to their own
    feature schema (an overridden field keeps its place)."""

    type = fields.String(required=True, validate=validate.OneOf(["FeatureCollection"]))
    features = fields.List(fields.Nested(_Feature), required=True)
    numberMatched = fields.Integer(required=True)
    numberReturned = fields.Integer(required=True)


class BayFeatureSchema(_Feature):
    id = fields.String(required=True, metadata={"description": "`source/ref`."})
    properties = fields.Nested(BayFeaturePropertiesSchema, required=True)


class LinkSchema(_Out):
    href = fields.String(required=True)
    rel = fields.String(required=True, metadata={"description": "`self`, or `next` while pages remain."})
    type = fields.String(required=True)


class BaysResponse(_FeatureCollection):
    features = fields.List(fields.Nested(BayFeatureSchema), required=True)
    links = fields.List(fields.Nested(LinkSchema), required=True)
    at = _instant("The instant the statuses are for.", required=True)
    stay = fields.Integer(required=True, allow_none=True, metadata={"description": "The `stay` asked about (minutes)."})
    coverage = fields.String(
        required=True,
        validate=validate.OneOf(["inside", "outside"]),
        metadata={"description": "`outside`: the area asked about is outside every source's coverage "
                  "(`/v1/sources`), so no bays listed means no data, not no bays."},
    )  # fmt: skip
    attribution = fields.List(fields.String(), required=True)


class TimesSchema(_Out):
    days = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "0 = Monday … 6 = Sunday (Python's numbering; `iso_days` has ISO 8601's)."},
    )
    iso_days = fields.List(fields.Integer(), required=True, metadata={"description": "1 = Monday … 7 = Sunday."})
    text = fields.String(required=True, metadata={"example": "Mon-Fri 08:30-18:30"})
    windows = fields.List(fields.List(fields.String()), required=True, metadata={"description": "[start, end] HH:MM."})
    date_from = fields.String(allow_none=True)
    date_to = fields.String(allow_none=True)
    holidays = fields.String(required=True, metadata={"description": "`ignore`, `except` or `only`."})


class RuleSchema(_Out):
    activity = fields.String(required=True)
    who = fields.List(fields.String(validate=validate.OneOf(USER_CLASSES)), required=True)
    permits = fields.List(fields.String(), required=True)
    label = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "The rule in words."})
    times = fields.List(fields.Nested(TimesSchema), required=True, metadata={"description": "Empty: at all times."})
    max_stay = fields.Integer(required=True, allow_none=True)
    no_return = fields.Integer(required=True, allow_none=True)
    payment = fields.Boolean(required=True)
    tariffs = fields.List(fields.Nested(TariffSchema), required=True)
    priority = fields.Integer(required=True)


class RegulationSchema(_Out):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = fields.String(required=True)
    rules = fields.List(fields.Nested(RuleSchema), required=True)


class SuspensionSchema(_Out):
    start = _instant("", required=True)
    end = _instant("", required=True)
    reason = fields.String(required=True)


class _AtField(_Out):
    """A base of its own so that ``at`` comes first in ``StatusSchema``, as the service writes it."""

    at = _instant("", required=True)


class StatusSchema(_StatusFields, _AtField):
    pass


class BayDetailPropertiesSchema(AvailabilityFields, BayRefSchema):
    geometry_quality = fields.String(required=True)
    regulation = fields.Nested(RegulationSchema, required=True)
    suspensions = fields.List(fields.Nested(SuspensionSchema), required=True)
    status = fields.Nested(StatusSchema, required=True)
    zone_hours = fields.Nested(ZoneHoursSchema, required=True, allow_none=True)
    data_as_of = _instant("", required=True, allow_none=True)
    attribution = fields.String(required=True, allow_none=True)


class BayDetailResponse(_Feature):
    properties = fields.Nested(BayDetailPropertiesSchema, required=True)


class IntervalSchema(_Out):
    start = _instant("Inclusive.", required=True)
    end = _instant("Exclusive.", required=True)
    can_park = fields.Boolean(required=True)
    payment_required = fields.Boolean(required=True)
    max_stay = fields.Integer(required=True, allow_none=True)
    suspended = fields.Boolean(required=True)
    reason = fields.String()


class ScheduleResponse(_Out):
    source = fields.String(required=True)
    ref = fields.String(required=True)
    start = _instant("", required=True, data_key="from")
    end = _instant("", required=True, data_key="to")
    timezone = fields.String(required=True)
    intervals = fields.List(fields.Nested(IntervalSchema), required=True)


class ZoneFeaturePropertiesSchema(ZoneRefSchema):
    pass


class ZoneFeatureSchema(_Feature):
    properties = fields.Nested(ZoneFeaturePropertiesSchema, required=True)


class ZonesResponse(_FeatureCollection):
    features = fields.List(fields.Nested(ZoneFeatureSchema), required=True)


class SourceSchema(_Out):
    name = fields.String(required=True)
    publisher = fields.String(required=True)
    licence = fields.String(required=True)
    attribution = fields.String(required=True)
    url = fields.String(required=True)
    timezone = fields.String(required=True)
    holidays = fields.String(required=True, allow_none=True)
    published_at = _instant("", required=True, allow_none=True)
    last_loaded_at = _instant("", required=True, allow_none=True)
    bays = fields.Integer(required=True, metadata={"description": "Live bays."})
    zones = fields.Integer(required=True, metadata={"description": "Live zone polygons."})
    coverage = fields.Nested(
        lambda: CoverageSchema(),
        required=True,
        allow_none=True,
        metadata={"description": "The area the data speaks for (null without live bays or zones)."},
    )


class CoverageSchema(_Out):
    bbox = fields.List(
        fields.Float(),
        required=True,
        validate=validate.Length(equal=4),
        metadata={"description": "`[minlon, minlat, maxlon, maxlat]` (WGS84)."},
    )
    geometry = fields.Nested(
        GeometrySchema, required=True, metadata={"description": "The convex hull of the live bays and zones."}
    )


class SourcesResponse(_Out):
    sources = fields.List(fields.Nested(SourceSchema), required=True)


class EventResultSchema(_Out):
    event_id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["accepted", "duplicate", "rejected"]))
    reason = fields.String(required=True, allow_none=True, metadata={"description": "Why, unless accepted."})


class EventCountsSchema(_Out):
    accepted = fields.Integer(required=True)
    duplicate = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


class EventsPosted(_Out):
    results = fields.List(fields.Nested(EventResultSchema), required=True)
    counts = fields.Nested(EventCountsSchema, required=True)


class EventsDataSchema(_Out):
    events = fields.List(fields.Dict(), required=True, metadata={"description": "As posted, without plates."})


class LinksSchema(_Out):
    next = fields.String(required=True, allow_none=True)


class EventsPage(_Out):
    version = fields.String(required=True)
    time_zone = fields.String(required=True)
    last_updated = fields.Integer(required=True, metadata={"description": "Epoch milliseconds (as CDS writes it)."})
    data = fields.Nested(EventsDataSchema, required=True)
    links = fields.Nested(LinksSchema, required=True)


class SuspensionOut(_Out):
    id = fields.Integer(required=True)
    source = fields.String(required=True)
    ref = fields.String(required=True)
    start = _instant("", required=True)
    end = _instant("", required=True)
    reason = fields.String(required=True)
    origin = fields.String(required=True, validate=validate.OneOf(["file", "api"]))
    created_at = _instant("", required=True)


class SuspensionsOut(_Out):
    suspensions = fields.List(fields.Nested(SuspensionOut), required=True)
