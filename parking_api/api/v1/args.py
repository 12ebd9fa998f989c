"""The v1 query parameters: their schemas (validated by webargs; a bad value is a 400 naming the parameter) and
the instants clients write (``at``, ``from``, ``to``), parsed here so that the services get typed values."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from parking_api.api.v1.schemas import BayFeaturePropertiesSchema
from parking_api.locales import TAG as LANGUAGE_TAG

PERMIT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\- ]{0,31}$"
VEHICLES = ("car", "car_club", "motorcycle", "goods", "bus", "taxi")
FUELS = ("petrol", "diesel", "electric")
BADGES = ("blue", "green")
ACTIVITIES = ("park", "load")
MAX_STAY_MINUTES = 7 * 24 * 60
CAMDEN_LAT = 51.5390
CAMDEN_LON = -0.1426

# A "+" the client did not percent-encode arrives as a space (form encoding): "…T19:00:00 01:00" means "+01:00".
_SPACED_OFFSET = re.compile(r"^(\d{4}-?\d\d-?\d\d[T ]\d\d:?\d\d(?::?\d\d(?:[.,]\d+)?)?) (\d\d(?::?\d\d)?)$")

MIN_YEAR = 1970
MAX_YEAR = 2100
MAX_UTC_OFFSET = timedelta(hours=14)
_EXAMPLE = "e.g. 2026-03-02T10:00:00Z, 2026-03-02T10:00:00+00:00 or 2026-03-02T10:00 (local time)"
_NOT_ISO = f"must be an ISO 8601 date-time, {_EXAMPLE}"


class Instant(fields.String):
    """An ISO 8601 date-time: aware when the client gave an offset or ``Z``, naive otherwise (the service reads a
    naive one in the authority's local time, which only it knows). A positive offset whose ``+`` was not
    percent-encoded (so that it arrived as a space) is read as the offset it was. Documented as a string of format
    ``date-time``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        text = str(super()._deserialize(value, attr, data, **kwargs)).strip()
        spaced = _SPACED_OFFSET.match(text)
        if spaced:
            text = f"{spaced.group(1)}+{spaced.group(2)}"
        if not text or len(text) > 64 or "\x00" in text:
            raise ValidationError(_NOT_ISO)
        try:
            instant = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
        except ValueError:
            raise ValidationError(_NOT_ISO) from None
        if not MIN_YEAR <= instant.year <= MAX_YEAR:
            raise ValidationError(f"must be between {MIN_YEAR} and {MAX_YEAR}")
        offset = instant.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            # ISO 8601 allows up to ±23:59, but no time zone is further than ±14:00 from UTC (nor can PostgreSQL
            # read more than ±15:59): such an offset is a client's mistake, said as one.
            raise ValidationError("the UTC offset must be between -14:00 and +14:00")
        return instant


_PERMIT_RE = re.compile(PERMIT_PATTERN)


def _valid_permits(tokens: list[str]) -> None:
    """Checked on the whole list, so that an error names the parameter ``permit`` (not ``permit.0``)."""
    for token in tokens:
        if not _PERMIT_RE.fullmatch(token):
            raise ValidationError(f"{token[:40]!r} is not a permit token: 1-32 letters, digits, '-' or '_'")


class _Args(Schema):
    """Query parameters. Endpoints load them with ``unknown=RAISE``: a misspelt parameter is a 400 that names it,
    not a silently different answer."""

    error_messages: ClassVar[dict[str, str]] = {
        "unknown": "unknown parameter: see /openapi.json for this endpoint's parameters"
    }

    class Meta:
        unknown = RAISE

    @pre_load
    def _no_nul(self, data: Any, **_kwargs: Any) -> Any:
        """A NUL can mean nothing in a parameter, and PostgreSQL refuses it in every string: said here, for every
        parameter of every endpoint, rather than as a 500 wherever one reaches the database."""
        getlist = getattr(data, "getlist", None)
        bad = {
            name: ["must not contain a NUL character"]
            for name in data
            if any("\x00" in str(v) for v in (getlist(name) if getlist else [data[name]]))
        }
        if bad:
            raise ValidationError(bad)
        return data


class PointArgs(_Args):
    lat = fields.Float(
        required=True,
        validate=validate.Range(-90, 90),
        metadata={"description": "Latitude (WGS84), -90 to 90.", "example": CAMDEN_LAT},
    )
    lon = fields.Float(
        required=True,
        validate=validate.Range(-180, 180),
        metadata={"description": "Longitude (WGS84), -180 to 180.", "example": CAMDEN_LON},
    )


class DriverArgs(_Args):
    permit = fields.List(
        fields.String(metadata={"pattern": PERMIT_PATTERN}),
        load_default=list,
        validate=[validate.Length(max=20, error="at most 20 permits"), _valid_permits],
        metadata={
            "description": "Permits held (repeatable): zone codes such as `CA-B` (`CAB`, `ca_b` accepted) or scheme "
            "codes such as `BUSA`, `TRADER`."
        },
    )
    badge = fields.String(
        validate=validate.OneOf(BADGES),
        metadata={"description": "Disabled badge held: `blue` or `green` (Camden's green badge implies a blue one)."},
    )
    vehicle = fields.String(
        load_default="car",
        validate=validate.OneOf(VEHICLES),
        metadata={"description": "What is driven: `car_club` is a car-club car (it may use car-club bays)."},
    )
    fuel = fields.String(
        validate=validate.OneOf(FUELS),
        metadata={"description": "Fuel, for the tariff (petrol and electric pay the non-diesel rate)."},
    )
    activity = fields.String(
        load_default="park",
        validate=validate.OneOf(ACTIVITIES),
        metadata={"description": "`park` or `load` (loading and unloading)."},
    )
    lang = fields.String(
        validate=validate.Regexp(LANGUAGE_TAG, error="must be a language tag such as fr or fr-CA"),
        metadata={"description": "Language of the answer's words (`en`, `fr`; `fr-CA` is `fr`): wins over the "
                  "`Accept-Language` header; one without a catalogue gives English (see `Content-Language`).",
                  "example": "fr"},
    )  # fmt: skip


_AT_DESCRIPTION = (
    "The instant to answer for, ISO 8601. With an offset or `Z` it is that instant; without one it is read in the "
    "authority's local time zone (the first occurrence in the autumn fold; a time in the spring gap is an error). "
    "Default: now."
)


def _at() -> Instant:
    return Instant(metadata={"description": _AT_DESCRIPTION, "format": "date-time"})


def _stay() -> fields.Integer:
    return fields.Integer(
        validate=validate.Range(1, MAX_STAY_MINUTES),
        metadata={"description": f"Intended stay in minutes, 1 to {MAX_STAY_MINUTES}: `stay_ok` and the price are "
                  "for it."},
    )  # fmt: skip


class CanIParkArgs(PointArgs, DriverArgs):
    at = _at()
    accuracy = fields.Float(
        load_default=10.0,
        validate=validate.Range(0, 500),
        metadata={"description": "GPS uncertainty in metres, 0 to 500 (default 10)."},
    )
    stay = _stay()
    remind_before = fields.Integer(
        load_default=10,
        validate=validate.Range(0, MAX_STAY_MINUTES),
        metadata={"description": f"Minutes, 0 to {MAX_STAY_MINUTES} (default 10): `remind_at` is this long before "
                  "`until` or before payment becomes due again, whichever comes first."},
    )  # fmt: skip


MAX_BBOX_KM2 = 4.0
CATEGORY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class BBox(fields.String):
    """``minlon,minlat,maxlon,maxlat`` in WGS84 (as OGC API - Features writes it), at most 4 km²."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[float, ...]:
        text = str(super()._deserialize(value, attr, data, **kwargs))
        parts = text.split(",")
        try:
            numbers = tuple(float(p) for p in parts if p.strip().isascii())
        except ValueError:
            numbers = ()
        if len(parts) != 4 or len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise ValidationError("must be minlon,minlat,maxlon,maxlat: four numbers (WGS84)")
        minlon, minlat, maxlon, maxlat = numbers
        if not (-180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90):
            raise ValidationError("needs -180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90")
        mid = math.radians((minlat + maxlat) / 2)
        km2 = (maxlon - minlon) * 111.32 * math.cos(mid) * (maxlat - minlat) * 110.57
        if km2 > MAX_BBOX_KM2:
            raise ValidationError(f"covers {km2:.1f} km²; at most {MAX_BBOX_KM2:g} km² (zoom in)")
        return numbers


class Categories(fields.String):
    """A comma-separated list of categories (``paid,shared_use``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = [c.strip() for c in str(super()._deserialize(value, attr, data, **kwargs)).split(",") if c.strip()]
        if not items or len(items) > 20 or not all(CATEGORY_PATTERN.match(c) for c in items):
            raise ValidationError("must be 1 to 20 comma-separated categories such as paid,shared_use")
        return items


class _EachOneOf(validate.OneOf):
    """Every item of a list is one of ``choices`` (documented, and reported with ``allowed``, as ``OneOf``)."""

    def __call__(self, value: Any) -> Any:
        for item in value:
            super().__call__(item)
        return value


class Names(fields.List):
    """Names from a fixed set, comma-separated (``can_park,until``) or repeated (as generated clients send lists)."""

    def __init__(self, choices: tuple[str, ...], **kwargs: Any) -> None:
        error = "Must be one of: {choices} ({input!r} is not one)"
        super().__init__(fields.String(), validate=[_EachOneOf(choices, error=error), validate.Length(min=1)],
                         **kwargs)  # fmt: skip

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        given = value if isinstance(value, list | tuple) else [value]
        items = [part.strip() for text in given for part in str(text).split(",") if part.strip()]
        return super()._deserialize(items, attr, data, **kwargs)


BAY_PROPERTIES = tuple(BayFeaturePropertiesSchema().fields)
"""The properties of a ``/v1/bays`` feature, as its schema documents them (what ``properties=`` may name)."""


class BaysArgs(DriverArgs):
    lat = fields.Float(
        validate=validate.Range(-90, 90),
        metadata={"description": "Latitude (WGS84) of the centre, with `lon` and `radius`; not with `bbox`.",
                  "example": CAMDEN_LAT},
    )  # fmt: skip
    lon = fields.Float(
        validate=validate.Range(-180, 180),
        metadata={"description": "Longitude (WGS84) of the centre.", "example": CAMDEN_LON},
    )
    bbox = BBox(
        metadata={
            "description": "`minlon,minlat,maxlon,maxlat` (WGS84), at most 4 km²: the bays intersecting the box, "
            "nearest its centre first. Instead of `lat`/`lon`.",
            "example": "-0.145,51.538,-0.140,51.542",
        }
    )
    category = Categories(metadata={"description": "Only these categories, comma-separated (e.g. `paid,shared_use`)."})
    can_park = fields.Boolean(metadata={"description": "`true`: only bays where this driver may park at `at`."})
    at = _at()
    stay = _stay()
    properties = Names(
        BAY_PROPERTIES,
        metadata={"description": "Only these properties in each feature (a slim map layer), comma-separated or "
                  "repeated, e.g. `can_park,until,payment`; default all."},
    )  # fmt: skip
    radius = fields.Float(
        load_default=250.0,
        validate=validate.Range(0, 2000),
        metadata={"description": "Search radius in metres, 0 to 2000 (default 250); ignored with `bbox`."},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500), metadata={"description": "1 to 500."})
    offset = fields.Integer(
        load_default=0, validate=validate.Range(0, 100_000), metadata={"description": "0 to 100000."}
    )
    available = fields.Boolean(
        load_default=False,
        metadata={"description": "`true`: only bays with live availability and a space free now."},
    )

    @validates_schema
    def _where(self, data: dict[str, Any], **_kwargs: Any) -> None:
        point = [name for name in ("lat", "lon") if name in data]
        if "bbox" in data and point:
            raise ValidationError("give either bbox or lat and lon, not both", "bbox")
        if "bbox" not in data and len(point) < 2:
            missing = "lat" if "lat" not in data else "lon"
            raise ValidationError("Missing data for required field (or give bbox instead).", missing)


class BayArgs(DriverArgs):
    at = _at()


class ScheduleArgs(DriverArgs):
    from_ = Instant(
        data_key="from",
        metadata={"description": "Start of the schedule, ISO 8601 (default now).", "format": "date-time"},
    )
    to = Instant(
        metadata={
            "description": "End of the schedule, ISO 8601 (default from + 7 days; at most 31 days after from).",
            "format": "date-time",
        },
    )


class NoArgs(_Args):
    pass
