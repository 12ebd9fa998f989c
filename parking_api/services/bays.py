"""Which bays are around a point, and what is each one's status for the driver at an instant?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from parking_api.engine.model import Driver
from parking_api.services.context import Context, Evaluated
from parking_api.services.sources import CoverageCache, covered
from parking_api.store import reads

ALL_IN_AREA = 100_000
"""Read every match when the page is cut after evaluation (2 km radius or 4 km² hold a few thousand bays at most)."""


@dataclass(frozen=True)
class BaysNear:
    """One page of the live bays within the radius, nearest first, each with its answer; ``matched`` counts every
    page; ``attributions`` credits each source shown once; ``coverage`` is ``inside`` when the area asked about
    meets some source's coverage, else ``outside`` (an empty page there means "no data", not "no bays")."""

    at: datetime
    timezone: str
    matched: int
    bays: list[Evaluated]
    attributions: list[str]
    live: bool
    driver: Driver
    stay: int | None
    pay_by_phone_providers: dict[str, str]
    coverage: str

    @property
    def changes(self) -> list[datetime]:
        return [t for item in self.bays for t in item.changes]


def bays_near(
    context: Context,
    *,
    lat: float,
    lon: float,
    at: datetime | None,
    radius: float,
    limit: int,
    offset: int,
    driver: Driver,
    coverage: CoverageCache,
    available: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
    categories: Sequence[str] | None = None,
    can_park: bool | None = None,
    stay: int | None = None,
) -> BaysNear:
    """The bays within ``radius`` of the point, or intersecting ``bbox`` (ordered from its centre); ``available``:
    only bays with live counts and a free space now; ``categories``: only these; ``can_park``: only those whose
    answer for the driver at ``at`` is that (filtered after evaluation, so every match within the area is read —
    the area is bounded — and paged here); ``stay``: each answer says whether it fits and prices it (one
    evaluation per bay, as for ``/v1/can-i-park``)."""
    if bbox is not None:
        lon, lat = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    moment = context.moment(at)
    filtered = can_park is not None
    page, found = context.read_places(
        reads.bays_within,
        moment,
        max(context.settings.horizon, timedelta(minutes=stay or 0)),
        lon=lon,
        lat=lat,
        radius=radius,
        limit=ALL_IN_AREA if filtered else limit,
        offset=0 if filtered else offset,
        available=available,
        fresh_after=context.now - context.settings.stale_after,
        bbox=bbox,
        categories=categories,
        forecast_at=moment.requested or context.now,
    )
    tz = found.timezone(page.places[0]["source"] if page.places else None)
    instant = moment.local(tz)
    bays = [found.evaluate(row, driver, instant, stay=stay) for row in page.places]
    matched = page.matched
    if filtered:
        bays = [item for item in bays if bool(item.answer.can_park) is can_park]
        matched = len(bays)
        bays = bays[offset : offset + limit]
    attributions: list[str] = []
    for row in (item.row for item in bays):
        attribution = (found.source(row["source"]) or {}).get("attribution")
        if attribution and attribution not in attributions:
            attributions.append(attribution)
    live = moment.live or any(item.availability.live for item in bays)
    providers = context.settings.pay_by_phone_provider_map
    inside = covered(coverage.get(context.session, page.sources), lon=lon, lat=lat, radius=radius, bbox=bbox)
    return BaysNear(
        instant, tz, matched, bays, attributions, live, driver, stay, providers, "inside" if inside else "outside"
    )
