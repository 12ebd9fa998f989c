"""The evaluator's per-authority settings, taken per source (``sources.timezone``, ``sources.holidays``).

Camden's sources use the engine's ``CAMDEN`` authority, with the green-badge area of the settings
(``Settings.green_badge_zones``); any other source gets an authority built from its row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from parking_api.engine.model import Authority

DEFAULT_TIMEZONE = "Europe/London"


def is_camden(name: str) -> bool:
    return name.strip().lower().startswith("camden")


@lru_cache(maxsize=256)
def _authority(
    name: str, timezone: str, holidays: str | None, green_badge_zones: tuple[str, ...], horizon_days: int
) -> Authority:
    from parking_api.engine.calendar import with_calendar
    from parking_api.engine.camden import CAMDEN

    if is_camden(name):
        base = dataclasses.replace(CAMDEN, green_badge_zones=frozenset(green_badge_zones), horizon_days=horizon_days)
        if timezone and timezone != base.timezone:
            base = dataclasses.replace(base, timezone=timezone)
        return base
    base = Authority(name=name, timezone=timezone or DEFAULT_TIMEZONE, horizon_days=horizon_days)
    if holidays:
        try:
            return with_calendar(base, holidays)
        except ValueError:
            return dataclasses.replace(base, holiday_country=None, holiday_subdiv=None)
    return dataclasses.replace(base, holiday_country=None, holiday_subdiv=None)


def authority_for(source: dict[str, Any], *, green_badge_zones: Iterable[str], horizon_days: int) -> Authority:
    """The authority answering for places of ``source`` (a ``sources`` row as JSON)."""
    return _authority(
        str(source.get("name") or ""),
        str(source.get("timezone") or DEFAULT_TIMEZONE),
        source.get("holidays"),
        tuple(sorted(green_badge_zones)),
        int(horizon_days),
    )
