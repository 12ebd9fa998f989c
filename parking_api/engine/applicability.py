"""Which rules concern which driver, and which of several rules in effect wins.

A rule applies to a driver when its activity is one the driver's request is about (parking is decided by park and
no-parking/no-stopping rules; loading also by loading rules) and one of its user classes matches the driver. Among
applicable rules in effect the lowest priority wins; ties go to the more restrictive (a prohibition, a shorter max
stay, payment), then to the earlier rule.
"""

from __future__ import annotations

from functools import lru_cache

from .model import Activity, Badge, Driver, Fuel, Rule, UserClass, Vehicle, normalise_permit

_PARK_RELEVANT = frozenset({Activity.PARK, Activity.NO_PARKING, Activity.NO_STOPPING})
_LOAD_RELEVANT = frozenset({Activity.LOAD, Activity.PARK, Activity.NO_LOADING, Activity.NO_STOPPING})
_INF = float("inf")


@lru_cache(maxsize=4_096)
def normalised_permits(permits: frozenset[str]) -> frozenset[str]:
    return frozenset(normalise_permit(p) for p in permits)


_VEHICLES = {UserClass.MOTORCYCLE: Vehicle.MOTORCYCLE, UserClass.GOODS: Vehicle.GOODS, UserClass.BUS: Vehicle.BUS,
             UserClass.TAXI: Vehicle.TAXI, UserClass.CAR_CLUB: Vehicle.CAR_CLUB}  # fmt: skip
_SCHEME_PERMITS = {UserClass.TRADER: "TRADER", UserClass.BUSINESS: "BUSA"}


def _class_matches(cls: UserClass, rule: Rule, driver: Driver) -> bool:
    if cls is UserClass.EVERYONE:
        return True
    if cls is UserClass.PERMIT:
        return bool(driver.permits) and (not rule.permits or bool(normalised_permits(rule.permits) & driver.permits))
    if cls is UserClass.BLUE_BADGE:
        return driver.badge in (Badge.BLUE, Badge.GREEN)
    if cls is UserClass.GREEN_BADGE:
        return driver.badge is Badge.GREEN
    if cls is UserClass.ELECTRIC:
        return driver.fuel is Fuel.ELECTRIC
    if cls in _VEHICLES:
        return driver.vehicle is _VEHICLES[cls]
    if cls in _SCHEME_PERMITS:
        return _SCHEME_PERMITS[cls] in driver.permits
    return False  # classes no driver profile can express (doctor, police, …)


def applies(rule: Rule, driver: Driver) -> bool:
    """Whether ``rule`` concerns ``driver``'s request (its activity) and covers the driver (a user class)."""
    relevant = _LOAD_RELEVANT if driver.activity is Activity.LOAD else _PARK_RELEVANT
    return rule.activity in relevant and any(_class_matches(c, rule, driver) for c in rule.user_classes)


def winner_key(rule: Rule, index: int) -> tuple[int, int, float, int, int]:
    """Sort key of applicable rules in effect: the smallest wins."""
    return (
        rule.priority,
        0 if rule.activity.is_prohibition else 1,
        rule.max_stay if rule.max_stay is not None else _INF,
        0 if rule.payment else 1,
        index,
    )
