"""Whether a stay kept to the rule in force when it happened, as the engine answers it (no SQL, no HTTP).

A sensor sees a vehicle arrive and leave, sometimes its type, and a permit or badge only when the event says so.
So a stay is judged for the driver the sensor saw (the vehicle type, or a car when not given, with no permit and
no badge), at the instant it started, by :func:`~parking_api.engine.evaluate.evaluate`:

- the event says the vehicle holds a permit or a badge → ``unverifiable`` (a sensor cannot check it);
- that driver may not park at the start:
  - the bay is suspended then → ``overstay`` (kind ``suspended``);
  - someone the sensor cannot tell apart could (a permit holder of any permit the rules name, a badge holder, a
    vehicle type the rules name when the event gave none) → ``unverifiable`` (kind ``permit_only``);
  - nobody could (no stopping, a car-club bay by another vehicle, …) → ``overstay`` (kind ``not_allowed``);
- that driver may park, and the stay ends after the engine's ``until`` (the max stay counted as the engine counts
  it, within the controlled period; or the start of a restriction or suspension) → ``overstay`` (kind
  ``max_stay``, ``suspended`` or ``not_allowed``), unless a permit holder could have stayed until the end (a
  shared-use bay) → ``unverifiable``. A badge is not assumed here: where anyone may park, the limit applies.
- otherwise ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from parking_api.engine.evaluate import Answer, evaluate
from parking_api.engine.model import Authority, Badge, Driver, Place, UserClass, Vehicle

OK = "ok"
OVERSTAY = "overstay"
UNVERIFIABLE = "unverifiable"

_VEHICLE_CLASSES = {
    UserClass.CAR_CLUB: Vehicle.CAR_CLUB,
    UserClass.MOTORCYCLE: Vehicle.MOTORCYCLE,
    UserClass.GOODS: Vehicle.GOODS,
    UserClass.BUS: Vehicle.BUS,
    UserClass.TAXI: Vehicle.TAXI,
}
_SCHEMES = {UserClass.TRADER: "TRADER", UserClass.BUSINESS: "BUSA"}
_UNSEEN = frozenset(
    {UserClass.DOCTOR, UserClass.POLICE, UserClass.DIPLOMATIC, UserClass.CONSTRUCTION, UserClass.DISABLED_DEDICATED,
     UserClass.CYCLE_HIRE, UserClass.OTHER}
)  # fmt: skip
"""Classes no driver profile expresses: a bay reserved for them is judged unverifiable, never an overstay."""


@dataclass(frozen=True)
class Verdict:
    verdict: str
    kind: str | None
    allowed_until: datetime | None
    rule: str


def _vehicle(vehicle_type: str | None) -> Vehicle | None:
    try:
        return Vehicle(vehicle_type) if vehicle_type else None
    except ValueError:
        return None  # "other": judged as a car


def _privileged(place: Place, vehicle: Vehicle | None, *, badge: bool) -> list[Driver]:
    """The drivers a sensor cannot tell from the one it saw: any permit the rules name, a badge (``badge``), and
    when the event gave no vehicle type, each vehicle type the rules name."""
    permits = {place.zone or "PERMIT"}
    vehicles = {vehicle or Vehicle.CAR}
    for rule in place.regulation.rules:
        permits.update(rule.permits)
        permits.update(code for cls, code in _SCHEMES.items() if cls in rule.user_classes)
        if vehicle is None:
            vehicles.update(v for cls, v in _VEHICLE_CLASSES.items() if cls in rule.user_classes)
    chosen_badge = Badge.GREEN if badge else None
    return [Driver(permits=frozenset(permits), badge=chosen_badge, vehicle=v) for v in sorted(vehicles)]


def _reserved_for_unseen(place: Place) -> bool:
    return any(rule.user_classes & _UNSEEN for rule in place.regulation.rules if not rule.activity.is_prohibition)


def _suspended_during(place: Place, start: datetime, end: datetime) -> bool:
    return any(s.start < end and s.end > start for s in place.suspensions)


def judge(
    place: Place,
    authority: Authority,
    *,
    started_at: datetime,
    ended_at: datetime,
    vehicle_type: str | None = None,
    permits: list[str] | None = None,
    badge: str | None = None,
) -> Verdict:
    """The verdict on one ended stay (see the module docstring)."""
    if permits or badge:
        held = "a badge" if badge else "a permit"
        words = f"The vehicle reported {held}, which a sensor cannot check."
        return Verdict(UNVERIFIABLE, "permit_or_badge", None, words)
    vehicle = _vehicle(vehicle_type)
    horizon = max(ended_at - started_at + timedelta(days=1), timedelta(days=authority.horizon_days))
    seen = Driver(vehicle=vehicle or Vehicle.CAR)
    answer = evaluate(place, seen, started_at, authority, horizon=horizon)
    if not answer.can_park:
        if answer.suspended:
            return Verdict(OVERSTAY, "suspended", None, f"Parked in a suspended bay. {answer.reason}")
        if _could_park(place, vehicle, started_at, ended_at, authority, horizon, badge=True, whole_stay=False):
            return Verdict(UNVERIFIABLE, "permit_only", None, f"Only some drivers may park then. {answer.reason}")
        if _reserved_for_unseen(place):
            words = f"Reserved for users a sensor cannot see. {answer.reason}"
            return Verdict(UNVERIFIABLE, "permit_only", None, words)
        return Verdict(OVERSTAY, "not_allowed", None, f"Parked where this vehicle may not. {answer.reason}")
    if answer.until is None or ended_at <= answer.until:
        return Verdict(OK, None, answer.until, answer.reason)
    if _could_park(place, vehicle, started_at, ended_at, authority, horizon, badge=False, whole_stay=True):
        return Verdict(UNVERIFIABLE, "permit_only", answer.until, f"A permit holder could stay longer. {answer.reason}")
    kind = _kind(place, seen, answer, ended_at, authority)
    return Verdict(OVERSTAY, kind, answer.until, _overstay_words(answer))


def _could_park(
    place: Place,
    vehicle: Vehicle | None,
    start: datetime,
    end: datetime,
    authority: Authority,
    horizon: timedelta,
    *,
    badge: bool,
    whole_stay: bool,
) -> bool:
    for driver in _privileged(place, vehicle, badge=badge):
        other = evaluate(place, driver, start, authority, horizon=horizon)
        if other.can_park and (not whole_stay or other.until is None or end <= other.until):
            return True
    return False


def _kind(place: Place, driver: Driver, answer: Answer, end: datetime, authority: Authority) -> str:
    """Why the stay had to end at ``until``: a suspension began, a restriction began (nobody like this driver may
    park at ``until``), or else the max stay ran out (a newcomer could park then, this stay could not go on)."""
    until = answer.until
    assert until is not None
    if _suspended_during(place, until, end):
        return "suspended"
    if evaluate(place, driver, until, authority).can_park:
        return "max_stay"
    return "not_allowed"


def _overstay_words(answer: Answer) -> str:
    limit = f" (max stay {answer.max_stay} minutes)" if answer.max_stay is not None else ""
    until = answer.until.strftime("%H:%M") if answer.until else ""
    return f"Stayed past {until}{limit}. {answer.reason}"
