"""What a driver is told about free spaces: live counts only while a bay's reports are fresh, else ``unknown``.

Any event is a report. A bay whose latest event is older than the staleness limit, or whose latest event is
``comms_lost``, or that was never observed, is ``unknown`` with null counts: a stale number is never presented as
live. An ``unknown`` bay with history carries its :class:`Forecast` instead (README "Availability forecast").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

LIVE = "live"
UNKNOWN = "unknown"
LIVE_MAX_AGE = timedelta(seconds=15)
"""How long an answer carrying live counts may be cached: counts change with every event, not only when stale."""
MIN_FORECAST_WEEKS = 4


@dataclass(frozen=True)
class Forecast:
    """The share (0-1) of the bay's online time in this hour of the week, over the last 8 weeks, with a space
    free, and the number of weeks with data in that hour it rests on."""

    share_free: float
    weeks: int


def forecast(row: dict[str, Any] | None) -> Forecast | None:
    """A forecast row as stored, or ``None`` under :data:`MIN_FORECAST_WEEKS` weeks of history."""
    if not row or row.get("share_free") is None or int(row.get("weeks") or 0) < MIN_FORECAST_WEEKS:
        return None
    return Forecast(round(float(row["share_free"]), 3), int(row["weeks"]))


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
    forecast: Forecast | None = None
    """Only when not live: what the bay's history says about this hour of the week."""

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
    occupancy: dict[str, Any] | None,
    spaces: int | None,
    *,
    now: datetime,
    stale_after: timedelta,
    history: dict[str, Any] | None = None,
) -> Availability:
    """The availability of a bay from its occupancy row (``None``: never observed) at ``now``; ``history`` is its
    forecast row for the hour asked about, used only when there is no live reading."""
    if not occupancy:
        return replace(NEVER_OBSERVED, forecast=forecast(history)) if history else NEVER_OBSERVED
    observed_at = _instant(occupancy["observed_at"])
    simulated = bool(occupancy.get("simulated"))
    stale_at = observed_at + stale_after
    if occupancy.get("last_event_type") == "comms_lost" or now >= stale_at:
        return Availability(UNKNOWN, None, None, observed_at, simulated, None, forecast=forecast(history))
    room = capacity(spaces)
    occupied = min(max(int(occupancy.get("occupied") or 0), 0), room)
    return Availability(
        LIVE, room - occupied, occupied, observed_at, simulated, stale_at, min(stale_at, now + LIVE_MAX_AGE)
    )


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
