"""The canonical kerbside rule model.

Every loader maps its source format into these plain, immutable data classes; the evaluator reads only them. The
model borrows from the public specifications (OMF Curb Data Specification policies/rules/time spans, CurbLR
regulations with a priority hierarchy, the DfT D-TRO timeValidity) and keeps one representation for all of them:

- a :class:`Place` (a bay, or the zone-wide default kerb of a controlled parking zone) has one :class:`Regulation`;
- a regulation is a tuple of :class:`Rule`; each rule says *which activity* is permitted or prohibited, *for whom*,
  *when* (:class:`TimeSpan`), with which max stay and payment, at which ``priority`` (lower number wins);
- temporary :class:`Suspension` s override every rule of the place.

Precedence (written down once, here, and implemented by ``evaluate.py``): at an instant, the rules *in effect* are
those one of whose time spans contains it (a rule without time spans is always in effect). Among the in-effect rules
that *apply to the driver* (activity requested and user class matched), the one with the lowest ``priority`` wins;
ties go to the more restrictive rule (a prohibition beats a permission, then the shorter max stay, then payment). When
rules are in effect but none applies to the driver, the driver is *not* allowed (a positive rule for some classes
implies a prohibition for everyone else, as in CurbLR). When no rule is in effect the kerb is unrestricted for that
place. A suspension in force beats everything.

The model is serialisable to and from plain JSON (``to_json`` / ``from_json``) so that PostGIS can store a regulation
as one JSONB document, content-addressed by :meth:`Regulation.fingerprint`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Activity(StrEnum):
    """What a rule is about. The ``no_*`` twins are prohibitions."""

    PARK = "park"
    LOAD = "load"
    NO_PARKING = "no_parking"
    NO_LOADING = "no_loading"
    NO_STOPPING = "no_stopping"

    @property
    def is_prohibition(self) -> bool:
        return self.value.startswith("no_")


class UserClass(StrEnum):
    """Who a rule applies to. A rule lists several classes; a driver matching any of them is covered.

    ``PERMIT`` is qualified by the rule's ``permits`` (zone or scheme codes); an empty ``permits`` with ``PERMIT``
    means "any permit". ``EVERYONE`` matches every driver.
    """

    EVERYONE = "everyone"
    PERMIT = "permit"
    BLUE_BADGE = "blue_badge"
    GREEN_BADGE = "green_badge"
    DISABLED_DEDICATED = "disabled_dedicated"
    CAR_CLUB = "car_club"
    MOTORCYCLE = "motorcycle"
    GOODS = "goods"
    BUS = "bus"
    TAXI = "taxi"
    DOCTOR = "doctor"
    TRADER = "trader"
    BUSINESS = "business"
    POLICE = "police"
    DIPLOMATIC = "diplomatic"
    ELECTRIC = "electric"
    CYCLE_HIRE = "cycle_hire"
    CONSTRUCTION = "construction"
    OTHER = "other"  # a class the source names that no driver profile can express (kept for the trace)


class Vehicle(StrEnum):
    """What the driver drives. ``CAR_CLUB`` is a car-club car (it may use car-club bays)."""

    CAR = "car"
    CAR_CLUB = "car_club"
    MOTORCYCLE = "motorcycle"
    GOODS = "goods"
    BUS = "bus"
    TAXI = "taxi"


class Fuel(StrEnum):
    PETROL = "petrol"
    DIESEL = "diesel"
    ELECTRIC = "electric"


class Badge(StrEnum):
    BLUE = "blue"
    GREEN = "green"


class HolidayMode(StrEnum):
    """How a time span treats public holidays of the authority's calendar."""

    IGNORE = "ignore"  # holidays are ordinary days
    EXCEPT = "except"  # not in effect on a holiday (Camden: most bays are not enforced on bank holidays)
    ONLY = "only"  # in effect only on a holiday


# Minutes since local midnight. An end of 1440 is the end of the day; a window whose end is not after its start runs
# over midnight into the next day (``22:00-06:00`` is (1320, 360)).
Window = tuple[int, int]
ALL_DAY: Window = (0, 1440)


def _memo_hash(obj: Any) -> int:
    """The hash of a frozen dataclass, computed once: regulations are the keys of the engine's caches, looked up many
    times per answer, and hashing their nested rules and spans every time was a measurable part of its cost."""
    try:
        return obj.__dict__["_hash"]
    except KeyError:
        value = hash(tuple(getattr(obj, f.name) for f in fields(obj)))
        object.__setattr__(obj, "_hash", value)
        return value


ALL_DAYS: frozenset[int] = frozenset(range(7))  # 0 = Monday … 6 = Sunday, as date.weekday()


@dataclass(frozen=True)
class TimeSpan:
    """When a rule is in effect: all conditions are AND-ed; a rule's several spans are OR-ed.

    ``days``: weekdays (0 = Monday) on which a window *starts*; ``windows``: local times of day (start inclusive,
    end exclusive); ``date_from``/``date_to``: inclusive local dates of validity; ``yearly``: recurring ``(MM-DD,
    MM-DD)`` inclusive ranges that may wrap over New Year; ``holidays``: the public-holiday policy;
    ``designated``: other named periods (CurbLR ``designatedPeriods``) as ``(name, "only" | "except")`` — a name the
    authority's calendar does not know makes an ``only`` span never in effect and is reported in the trace.
    """

    __hash__ = _memo_hash

    days: frozenset[int] = ALL_DAYS
    windows: tuple[Window, ...] = (ALL_DAY,)
    date_from: date | None = None
    date_to: date | None = None
    yearly: tuple[tuple[str, str], ...] = ()
    holidays: HolidayMode = HolidayMode.IGNORE
    designated: tuple[tuple[str, str], ...] = ()

    @property
    def is_always(self) -> bool:
        return (
            self.days == ALL_DAYS
            and self.windows == (ALL_DAY,)
            and self.date_from is None
            and self.date_to is None
            and not self.yearly
            and self.holidays is HolidayMode.IGNORE
            and not self.designated
        )


@dataclass(frozen=True)
class Tariff:
    """A price per hour for one fuel label as the publisher writes it ("non-diesel", "diesel", "electric", "any")."""

    fuel: str
    per_hour: Decimal
    currency: str = "GBP"


@dataclass(frozen=True)
class Rule:
    """One permission or prohibition. See the module docstring for how rules combine."""

    __hash__ = _memo_hash

    activity: Activity
    user_classes: frozenset[UserClass] = frozenset({UserClass.EVERYONE})
    permits: frozenset[str] = frozenset()
    time_spans: tuple[TimeSpan, ...] = ()
    priority: int = 100
    max_stay: int | None = None  # minutes
    no_return: int | None = None  # minutes
    payment: bool = False
    tariffs: tuple[Tariff, ...] = ()
    label: str = ""  # short human description for the trace, e.g. "permit holders (CA-B)"


@dataclass(frozen=True)
class Regulation:
    """The ordered rules of one place, and the publisher's wording they came from (kept for display)."""

    __hash__ = _memo_hash

    rules: tuple[Rule, ...]
    category: str = ""  # our canonical class, e.g. "resident_permit", "paid", "disabled_blue_badge", "zone_default"
    description: str = ""  # the publisher's wording, e.g. "paid-for / permit holders, mon-fri 08:30-18:30, 2 hours"
    # Sign words about hours or a stay limit that could not be read (a row loaded with ``--lenient``): answers
    # about it cannot confirm a stay and say so.
    unread: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """A stable content hash: identical regulations (thousands of bays share a few) are stored once."""
        return hashlib.sha256(json.dumps(regulation_to_json(self), sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Suspension:
    """A temporary suspension of a place: nobody may park from ``start`` (inclusive) to ``end`` (exclusive)."""

    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True)
class Authority:
    """Per-authority settings the evaluator needs: time zone, holidays and the blue-badge concession."""

    name: str
    timezone: str = "Europe/London"
    holiday_country: str | None = "GB"
    holiday_subdiv: str | None = "ENG"
    green_badge_zones: frozenset[str] = frozenset()
    horizon_days: int = 7


@dataclass(frozen=True)
class Place:
    """A bay or a zone default. ``kind`` is "bay" or "zone_default"."""

    source: str
    ref: str
    kind: str
    regulation: Regulation
    suspensions: tuple[Suspension, ...] = ()
    restriction_type: str = ""
    zone: str | None = None


@dataclass(frozen=True)
class Driver:
    """Who asks. ``permits`` are normalised tokens (``CA-B``, ``BUSA``, ``TRADER``)."""

    permits: frozenset[str] = frozenset()
    badge: Badge | None = None
    vehicle: Vehicle = Vehicle.CAR
    fuel: Fuel | None = None
    activity: Activity = Activity.PARK

    def __post_init__(self) -> None:
        object.__setattr__(self, "permits", frozenset(normalise_permit(p) for p in self.permits))


def normalise_permit(token: str) -> str:
    """``ca_m``, ``CAM`` and ``CA-M`` are one zone; scheme codes (``BUSA``) are upper-cased and kept."""
    token = token.strip().upper().replace("_", "-").replace(" ", "")
    if len(token) == 3 and token.startswith("CA") and token[2].isalpha():
        return f"CA-{token[2]}"
    return token


# --- JSON (de)serialisation -----------------------------------------------------------------------------------


def _span_to_json(span: TimeSpan) -> dict[str, Any]:
    out: dict[str, Any] = {"days": sorted(span.days), "windows": [list(w) for w in span.windows]}
    if span.date_from:
        out["date_from"] = span.date_from.isoformat()
    if span.date_to:
        out["date_to"] = span.date_to.isoformat()
    if span.yearly:
        out["yearly"] = [list(y) for y in span.yearly]
    if span.holidays is not HolidayMode.IGNORE:
        out["holidays"] = span.holidays.value
    if span.designated:
        out["designated"] = [list(d) for d in span.designated]
    return out


def _span_from_json(data: dict[str, Any]) -> TimeSpan:
    return TimeSpan(
        days=frozenset(data.get("days", range(7))),
        windows=tuple((int(a), int(b)) for a, b in data.get("windows", [ALL_DAY])),
        date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
        date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
        yearly=tuple((a, b) for a, b in data.get("yearly", ())),
        holidays=HolidayMode(data.get("holidays", "ignore")),
        designated=tuple((a, b) for a, b in data.get("designated", ())),
    )


def rule_to_json(rule: Rule) -> dict[str, Any]:
    out = asdict(rule)
    out["activity"] = rule.activity.value
    out["user_classes"] = sorted(c.value for c in rule.user_classes)
    out["permits"] = sorted(rule.permits)
    out["time_spans"] = [_span_to_json(s) for s in rule.time_spans]
    out["tariffs"] = [{"fuel": t.fuel, "per_hour": str(t.per_hour), "currency": t.currency} for t in rule.tariffs]
    return out


def rule_from_json(data: dict[str, Any]) -> Rule:
    return Rule(
        activity=Activity(data["activity"]),
        user_classes=frozenset(UserClass(c) for c in data.get("user_classes", ["everyone"])),
        permits=frozenset(data.get("permits", ())),
        time_spans=tuple(_span_from_json(s) for s in data.get("time_spans", ())),
        priority=int(data.get("priority", 100)),
        max_stay=data.get("max_stay"),
        no_return=data.get("no_return"),
        payment=bool(data.get("payment", False)),
        tariffs=tuple(
            Tariff(fuel=t["fuel"], per_hour=Decimal(t["per_hour"]), currency=t.get("currency", "GBP"))
            for t in data.get("tariffs", ())
        ),
        label=data.get("label", ""),
    )


def regulation_to_json(regulation: Regulation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "category": regulation.category,
        "description": regulation.description,
        "rules": [rule_to_json(r) for r in regulation.rules],
    }
    if regulation.unread:  # only then, so that every other regulation keeps its fingerprint
        out["unread"] = list(regulation.unread)
    return out


def regulation_from_json(data: dict[str, Any]) -> Regulation:
    return Regulation(
        rules=tuple(rule_from_json(r) for r in data["rules"]),
        category=data.get("category", ""),
        description=data.get("description", ""),
        unread=tuple(data.get("unread", ())),
    )


__all__ = [
    "ALL_DAY",
    "ALL_DAYS",
    "Activity",
    "Authority",
    "Badge",
    "Driver",
    "Fuel",
    "HolidayMode",
    "Place",
    "Regulation",
    "Rule",
    "Suspension",
    "Tariff",
    "TimeSpan",
    "UserClass",
    "Vehicle",
    "Window",
    "normalise_permit",
    "regulation_from_json",
    "regulation_to_json",
    "rule_from_json",
    "rule_to_json",
]
