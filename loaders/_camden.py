"""What the Camden converters share: the publisher's metadata and the authority the rules are built for."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from parking_api.engine.camden import CAMDEN
from parking_api.engine.model import Authority, normalise_permit
from parking_api.store.records import SourceMeta

from .base import LoadOptions

PUBLISHER = "London Borough of Camden"
LICENCE = "Open Government Licence v3.0"
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: London Borough of Camden."
)
BAYS_URL = "https://opendata.camden.gov.uk/d/7hiv-3r9k"  # "Parking Bays"
DEFAULT_HOLIDAYS = "GB-ENG"


def authority(options: LoadOptions) -> Authority:
    """Camden, with the green-badge area of the settings (``options.green_badge_zones``) and the time zone and holiday
    calendar the command line may override. The green-badge area shapes the blue-badge rules built here, so changing
    it needs a reload."""
    green = frozenset(normalise_permit(z) for z in options.green_badge_zones)
    auth = dataclasses.replace(CAMDEN, green_badge_zones=green)
    if options.timezone:
        auth = dataclasses.replace(auth, timezone=options.timezone)
    if options.holidays:
        country, _, subdiv = options.holidays.partition("-")
        auth = dataclasses.replace(auth, holiday_country=country.upper() or None, holiday_subdiv=subdiv.upper() or None)
    return auth


def source_meta(options: LoadOptions, url: str = "", published_at: datetime | None = None) -> SourceMeta:
    return SourceMeta(
        publisher=PUBLISHER,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        url=url,
        timezone=options.timezone or CAMDEN.timezone,
        holidays=options.holidays or DEFAULT_HOLIDAYS,
        published_at=published_at,
    )


_UPLOAD_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


def parse_last_uploaded(text: str | None, zone: str) -> datetime | None:
    """Camden's ``last_uploaded``: ISO 8601 in the API JSON, ``04/08/2023 11:00:33 PM`` (month first, as Socrata
    writes its CSV exports) in the CSV download. Local time unless it carries an offset; None when unreadable."""
    if not text:
        return None
    text = text.strip()
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _UPLOAD_FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value
