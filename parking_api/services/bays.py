"""Which bays are around a point, and what is each one's status for the driver at an instant?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parking_api.engine.model import Driver
from parking_api.services.context import Context, Evaluated
from parking_api.store import reads


@dataclass(frozen=True)
class BaysNear:
    """One page of the live bays within the radius, nearest first, each with its answer; ``matched`` counts every
    page; ``attributions`` credits each source shown once."""

    at: datetime
    timezone: str
    matched: int
    bays: list[Evaluated]
    attributions: list[str]
    live: bool

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
    available: bool = False,
) -> BaysNear:
    """``available``: only bays with live counts and a free space now."""
    moment = context.moment(at)
    page, found = context.read_places(
        reads.bays_within,
        moment,
        context.settings.horizon,
        lon=lon,
        lat=lat,
        radius=radius,
        limit=limit,
        offset=offset,
        available=available,
        fresh_after=context.now - context.settings.stale_after,
    )
    tz = found.timezone(page.places[0]["source"] if page.places else None)
    instant = moment.local(tz)
    bays = [found.evaluate(row, driver, instant) for row in page.places]
    attributions: list[str] = []
    for row in page.places:
        attribution = (found.source(row["source"]) or {}).get("attribution")
        if attribution and attribution not in attributions:
            attributions.append(attribution)
    live = moment.live or any(item.availability.live for item in bays)
    return BaysNear(instant, tz, page.matched, bays, attributions, live)
