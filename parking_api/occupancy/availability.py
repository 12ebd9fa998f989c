"""What a driver is told about free spaces: live counts only while a bay's reports are fresh, else ``unknown``.

Any event is a report. A bay whose latest event is older than the staleness limit, or whose latest event is
``comms_lost``, or that was never observed, is ``unknown`` with null counts: a stale number is never presented as
live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

LIVE = "live"
UNKNOWN = "unknown"
LIVE_MAX_AGE = timedelta(seconds=15)
"""How long an answer carrying live counts may be cached: counts change with every event, not only when stale."""


@dataclass(frozen=True)
class Availability:
    status: str
    available_spaces: int | None
    occupied_spaces: int | None
    observed_at: datetime | None
    simulated: bool | None
    stale_at: datetime | None
    """When a live status becomes ``unknown``."""
    fresh_until: datetime | None = None
    """Until when an answer carrying these counts may be cached: the staleness, or :data:`LIVE_MAX_AGE` from now."""

    @property
    def live(self) -> bool:
        return self.status == LIVE

    @property
    def has_free_space(self) -> bool:
        return self.live and (self.available_spaces or 0) > 0


NEVER_OBSERVED = Availability(UNKNOWN, None, None, None, None, None)


def capacity(spaces: int | None) -> int:
    """Spaces of a bay; a bay whose file gives no count is taken as one space (a sensor bay)."""
    return spaces if spaces and spaces > 0 else 1


def availability(
    occupancy: dict[str, Any] | None, spaces: int | None, *, now: datetime, stale_after: timedelta
) -> Availability:
    """The availability of a bay from its occupancy row (``None``: never observed) at ``now``."""
    if not occupancy:
        return NEVER_OBSERVED
    observed_at = _instant(occupancy["observed_at"])
    simulated = bool(occupancy.get("simulated"))
    stale_at = observed_at + stale_after
    if occupancy.get("last_event_type") == "comms_lost" or now >= stale_at:
        return Availability(UNKNOWN, None, None, observed_at, simulated, None)
    room = capacity(spaces)
    occupied = min(max(int(occupancy.get("occupied") or 0), 0), room)
    return Availability(
        LIVE, room - occupied, occupied, observed_at, simulated, stale_at, min(stale_at, now + LIVE_MAX_AGE)
    )


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
