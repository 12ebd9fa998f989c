"""Helpers for the engine tests: short constructors, and an independent wall-clock oracle for property tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from parking_api.engine.camden import CAMDEN, build_bay_regulation, build_zone_default
from parking_api.engine.model import (
    Activity,
    Authority,
    Badge,
    Driver,
    Fuel,
    HolidayMode,
    Place,
    Regulation,
    Rule,
    Suspension,
    UserClass,
    Vehicle,
)

LONDON = ZoneInfo("Europe/London")


def bay(
    restriction_type: str,
    times: str,
    max_stay: str = "N/A",
    tariff: str = "N/A",
    permits: str = "N/A",
    zone: str = "CA-B",
    suspensions: tuple[Suspension, ...] = (),
) -> Place:
    regulation = build_bay_regulation(restriction_type, times, max_stay, tariff, permits, zone, CAMDEN)
    return Place("camden", "test", "bay", regulation, suspensions, restriction_type, zone)


def zone_default(mon_fri: str | None, sat: str | None, sun: str | None, zone: str) -> Place:
    return Place("camden", zone, "zone_default", build_zone_default(mon_fri, sat, sun, zone, CAMDEN), zone=zone)


def driver(
    permits: str = "",
    badge: str | None = None,
    vehicle: str = "car",
    fuel: str | None = None,
    activity: str = "park",
) -> Driver:
    return Driver(
        permits=frozenset(p for p in permits.split(",") if p),
        badge=Badge(badge) if badge else None,
        vehicle=Vehicle(vehicle),
        fuel=Fuel(fuel) if fuel else None,
        activity=Activity(activity),
    )


def t(text: str) -> datetime:
    """An ISO time; with an offset it is an instant, without one it is London wall time."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=LONDON)


# --- the oracle: rules read straight off the wall clock, minute by minute -------------------------------------


@lru_cache(maxsize=64)
def _holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


def _holiday(day: date, authority: Authority) -> bool:
    if not authority.holiday_country:
        return False
    return day in _holiday_dates(authority.holiday_country, authority.holiday_subdiv, day.year)


def _span_active(span, wall: datetime, authority: Authority) -> bool:
    minute = wall.hour * 60 + wall.minute + wall.second / 60
    for day, on_start_day in ((wall.date(), True), (wall.date() - timedelta(days=1), False)):
        if day.weekday() not in span.days:
            continue
        if span.holidays is HolidayMode.EXCEPT and _holiday(day, authority):
            continue
        if span.holidays is HolidayMode.ONLY and not _holiday(day, authority):
            continue
        for start, end in span.windows:
            overnight = end <= start
            if on_start_day and start <= minute and (overnight or minute < end):
                return True
            if not on_start_day and overnight and minute < end:
                return True
    return False


def _matches(rule: Rule, d: Driver) -> bool:
    wanted = (
        {Activity.LOAD, Activity.PARK, Activity.NO_LOADING, Activity.NO_STOPPING}
        if d.activity is Activity.LOAD
        else {Activity.PARK, Activity.NO_PARKING, Activity.NO_STOPPING}
    )
    if rule.activity not in wanted:
        return False
    checks = {
        UserClass.EVERYONE: True,
        UserClass.PERMIT: bool(d.permits) and (not rule.permits or bool(rule.permits & d.permits)),
        UserClass.BLUE_BADGE: d.badge is not None,
        UserClass.GREEN_BADGE: d.badge is Badge.GREEN,
        UserClass.MOTORCYCLE: d.vehicle is Vehicle.MOTORCYCLE,
        UserClass.GOODS: d.vehicle is Vehicle.GOODS,
        UserClass.BUS: d.vehicle is Vehicle.BUS,
        UserClass.ELECTRIC: d.fuel is Fuel.ELECTRIC,
        UserClass.TRADER: "TRADER" in d.permits,
        UserClass.BUSINESS: "BUSA" in d.permits,
    }
    return any(checks.get(c, False) for c in rule.user_classes)


def ambiguous(instant: datetime) -> bool:
    """True in the autumn fold, where a wall reading names two instants."""
    local = instant.astimezone(LONDON)
    return local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset()


def oracle(
    regulation: Regulation, d: Driver, instant: datetime, authority: Authority = CAMDEN
) -> tuple[bool, int | None]:
    """(allowed, binding max stay) at an instant, read off the local wall clock without the engine's intervals.

    Covers what the Camden builders produce (days, windows, holiday modes); not date ranges or designated periods.
    """
    wall = instant.astimezone(ZoneInfo(authority.timezone)).replace(tzinfo=None)
    in_effect = [
        r for r in regulation.rules if not r.time_spans or any(_span_active(s, wall, authority) for s in r.time_spans)
    ]
    if not in_effect:
        return True, None
    applying = [r for r in in_effect if _matches(r, d)]
    if not applying:
        return False, None
    best = min(
        applying,
        key=lambda r: (
            r.priority,
            not r.activity.is_prohibition,
            r.max_stay if r.max_stay is not None else 10**9,
            not r.payment,
        ),
    )
    if best.activity.is_prohibition:
        return False, None
    return True, best.max_stay
