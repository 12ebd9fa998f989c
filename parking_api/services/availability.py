"""How many spaces are free at one bay now, as the occupancy events last said (``unknown`` when they are stale)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parking_api.errors import UnknownBay
from parking_api.occupancy.availability import LIVE_MAX_AGE, Availability, availability
from parking_api.services.context import Context
from parking_api.store import events as store


@dataclass(frozen=True)
class BayAvailability:
    source: str
    ref: str
    spaces: int | None
    timezone: str
    availability: Availability
    stale_after_seconds: int
    now: datetime

    @property
    def changes(self) -> list[datetime]:
        """Live counts hold until they need refreshing; an ``unknown`` no longer than a live answer would."""
        return [self.availability.fresh_until or self.now + LIVE_MAX_AGE]

    @property
    def live(self) -> bool:
        return True


def bay_availability(context: Context, *, source: str, ref: str) -> BayAvailability:
    row = store.bay_occupancy(context.session, source, ref)
    if row is None:
        raise UnknownBay(f"No live bay {ref!r} in source {source!r}.")
    stale_after = context.settings.stale_after
    found = availability(
        row["occupancy"], row["spaces"], now=context.now, stale_after=stale_after, history=row.get("forecast")
    )
    return BayAvailability(
        row["source"],
        row["ref"],
        row["spaces"],
        row["timezone"],
        found,
        context.settings.availability_stale_seconds,
        context.now,
    )
