"""Camden's restriction types as data, and the builders that turn a Parking Bays row or a CPZ polygon into rules.

The table (:data:`CAMDEN_BAY_TYPES`) is the service's reading of each ``restriction_type`` as a driver reads the sign:
who may park during the bay's times of operation, whom its maximum stay binds, whether it is enforced on bank
holidays, whether the blue-badge concession applies, and whether goods vehicles may load. Outside the times of
operation a bay carries no rule of its own. Where the council's pages are silent the row takes the reading that
cannot earn a driver a penalty charge.

Priorities, the badge concession and zone codes are UK-wide and live in ``uk.py``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import (
    ALL_DAYS,
    Activity,
    Authority,
    HolidayMode,
    Regulation,
    Rule,
    TimeSpan,
    UserClass,
    Window,
)
from .parse import ParseError, parse_duration, parse_permits, parse_tariff, parse_times, parse_window
from .uk import (
    PRIORITY_CLASS,
    PRIORITY_EVERYONE,
    PRIORITY_LOADING,
    PRIORITY_PERMIT,
    PRIORITY_PROHIBITION,
    ZONE_DEFAULT_BADGE_MINUTES,
    bay_prohibition,
    publisher_wording,
    zone_badge_concession,
    zone_codes,
)

CAMDEN = Authority(name="camden", green_badge_zones=frozenset({"CA-C", "CA-D", "CA-E"}))

LISTED = "listed"  # a grant's permits are the row's valid_parking_permits


class UnknownRestrictionType(ParseError):
    """A ``restriction_type`` the authority's table has no row for."""

    def __init__(self, value: object) -> None:
        super().__init__("restriction type", value, "not in the authority's table of bay types")


@dataclass(frozen=True)
class Grant:
    """One group of drivers a bay type admits during its hours (one rule)."""

    who: frozenset[UserClass]
    label: str  # driver wording; "{permits}" is replaced by the row's permits, e.g. "Permit holders ({permits})"
    activity: Activity = Activity.PARK
    permits: str = ""  # LISTED (the row's valid_parking_permits) or a fixed scheme token ("TRADER", "BUSA")
    paid: bool = False
    max_stay: bool = False  # the row's maximum stay binds this group ("max stay binds" column)
    priority: int = PRIORITY_CLASS


@dataclass(frozen=True)
class BayType:
    """One row of the table in the shared notes (``camden-types.md``)."""

    restriction_type: str
    category: str
    grants: tuple[Grant, ...]  # "may park during hours"; empty with a prohibition = nobody
    max_stay_binds: str  # the table's column, as words (the grants' ``max_stay`` flags implement it)
    bank_holidays: bool  # enforced on bank holidays
    blue_badge_concession: bool  # free, no time limit for blue (or, in the green-badge area, green) badge holders
    load: bool  # goods vehicles may load (``activity=load``)
    prohibition: Activity | None = None  # bus stops and taxi ranks: no stopping for anyone
    prohibition_label: str = ""


def _g(who: UserClass | tuple[UserClass, ...], label: str, **kw: Any) -> Grant:
    classes = frozenset(who if isinstance(who, tuple) else (who,))
    return Grant(who=classes, label=label, **kw)


_P = UserClass
_RESIDENT = _g(_P.PERMIT, "Resident permit holders ({permits})", permits=LISTED, priority=PRIORITY_PERMIT)
_PERMIT = _g(_P.PERMIT, "Permit holders ({permits})", permits=LISTED, priority=PRIORITY_PERMIT)
_PAYING = _g(_P.EVERYONE, "Paid parking", paid=True, max_stay=True, priority=PRIORITY_EVERYONE)
_GOODS_LOADING = _g(
    _P.GOODS, "Goods vehicles loading", activity=Activity.LOAD, max_stay=True, priority=PRIORITY_LOADING
)
_TRADER = _g(_P.TRADER, "Trader permit holders", permits="TRADER", priority=PRIORITY_PERMIT)
_BUSINESS = _g(_P.BUSINESS, "Business permit holders (BUSA)", permits="BUSA", priority=PRIORITY_PERMIT)


def _row(restriction_type: str, category: str, grants: tuple[Grant, ...], binds: str, bank_holidays: bool,
         concession: bool, load: bool = False, **kw: Any) -> BayType:  # fmt: skip
    return BayType(restriction_type, category, grants, binds, bank_holidays, concession, load, **kw)


CAMDEN_BAY_TYPE_ROWS: tuple[BayType, ...] = (
    _row("resident permit holders only", "resident_permit",
         (dataclasses.replace(_RESIDENT, label="Resident permit holders only ({permits})"),), "—", False, True),
    _row("permit holders only", "permit",
         (dataclasses.replace(_PERMIT, label="Permit holders only ({permits})"),), "—", False, False),
    _row("paid-for", "paid", (_PAYING,), "payers", False, True),
    _row("paid-for / resident permit holders", "shared_use_resident", (_RESIDENT, _PAYING), "payers", False, True),
    _row("paid-for / permit holders", "shared_use_permit", (_PERMIT, _PAYING), "payers", False, True),
    _row("disabled (blue badge)", "disabled_blue_badge",
         (_g(_P.BLUE_BADGE, "Blue badge holders only", max_stay=True),), "badge holders", True, True),
    _row("disabled (dedicated)", "disabled_dedicated",
         (_g(_P.DISABLED_DEDICATED, "Dedicated disabled bay (one named badge holder)", permits=LISTED),),
         "—", True, False),
    _row("disabled (green permit)", "disabled_green_badge",
         (_g(_P.GREEN_BADGE, "Green badge holders only", max_stay=True),), "badge holders", True, False),
    _row("solo motorcycles", "motorcycle",
         (_g(_P.MOTORCYCLE, "Solo motorcycles only", max_stay=True),), "motorcycles", True, False),
    _row("loading", "loading", (_GOODS_LOADING,), "loaders", True, False, load=True),
    _row("loading / parking", "loading", (_GOODS_LOADING,), "loaders", True, False, load=True),
    _row("loading / resident permit holders", "loading_resident", (_RESIDENT, _GOODS_LOADING), "loaders",
         True, False, load=True),
    _row("car club", "car_club", (_g(_P.CAR_CLUB, "Car club vehicles only"),), "—", True, False),
    _row("electric vehicle recharging", "ev_charging",
         (_g(_P.ELECTRIC, "Electric vehicles while charging", max_stay=True),), "electric vehicles", True, False),
    _row("doctor", "doctor", (_g(_P.DOCTOR, "Doctors only"),), "—", True, False),
    _row("taxi rank", "taxi_rank", (), "—", True, False,
         prohibition=Activity.NO_STOPPING, prohibition_label="Taxi rank (taxis wait here for hire)"),
    _row("bus cage", "bus_stop", (), "—", True, False,
         prohibition=Activity.NO_STOPPING, prohibition_label="Bus stop"),
    _row("free (buses)", "bus", (_g(_P.BUS, "Buses and coaches only (free)", max_stay=True),), "buses", True, False),
    _row("paid-for (buses)", "bus_paid",
         (_g(_P.BUS, "Buses and coaches only (paid)", paid=True, max_stay=True),), "buses", True, False),
    _row("cycle hire", "cycle_hire", (_g(_P.CYCLE_HIRE, "Cycle hire docking station"),), "—", True, False),
    _row("trader", "trader", (_TRADER,), "—", False, False),
    _row("trader / permit holders", "trader_permit", (_TRADER, _PERMIT), "—", False, False),
    _row("business scheme a", "business", (_BUSINESS,), "—", False, False),
    _row("business a", "business", (_BUSINESS,), "—", False, False),
    _row("police", "police", (_g(_P.POLICE, "Police vehicles only"),), "—", True, False),
    _row("diplomatic", "diplomatic", (_g(_P.DIPLOMATIC, "Diplomatic vehicles only"),), "—", True, False),
    _row("free", "free", (_g(_P.EVERYONE, "Free parking", max_stay=True, priority=PRIORITY_EVERYONE),),
         "everyone", False, False),
)  # fmt: skip

CAMDEN_BAY_TYPES: Mapping[str, BayType] = {row.restriction_type: row for row in CAMDEN_BAY_TYPE_ROWS}


def normalise_restriction_type(text: str) -> str:
    """``Paid-for/Permit holders`` and ``paid-for / permit  holders`` are one key."""
    text = re.sub(r"\s*/\s*", " / ", text.strip().lower())
    return re.sub(r"\s+", " ", text)


def _with_holidays(spans: tuple[TimeSpan, ...], enforced: bool) -> tuple[TimeSpan, ...]:
    if enforced:
        return spans
    return tuple(
        dataclasses.replace(s, holidays=HolidayMode.EXCEPT) if s.holidays is HolidayMode.IGNORE else s for s in spans
    )


def build_bay_regulation(
    restriction_type: str,
    times_of_operation: str,
    maximum_stay: str | None,
    tariff: str | None,
    valid_parking_permits: str | None,
    zone: str | None,
    authority: Authority = CAMDEN,
    *,
    types: Mapping[str, BayType] | None = None,
) -> Regulation:
    """The rules of one Parking Bays row. Raises :class:`ParseError` (or :class:`UnknownRestrictionType`) quoting
    any value it cannot read.

    A maximum stay binds only the groups in the table's "max stay binds" column; ``loading 40 minutes`` binds only
    loading. Bays not enforced on bank holidays get ``HolidayMode.EXCEPT`` spans. A permit bay without listed permits
    takes the bay's own zone as its permit.
    """
    table = CAMDEN_BAY_TYPES if types is None else types
    bay = table.get(normalise_restriction_type(restriction_type or ""))
    if bay is None:
        raise UnknownRestrictionType(restriction_type)
    spans = _with_holidays(parse_times(times_of_operation), bay.bank_holidays)
    duration = parse_duration(maximum_stay)
    tariffs = parse_tariff(tariff)
    permits = parse_permits(valid_parking_permits)
    if not permits:
        permits = frozenset(c for c in zone_codes(zone) if c.startswith("CA-"))  # the bay's own zone

    rules: list[Rule] = []
    for grant in bay.grants:
        if grant.permits == LISTED:
            rule_permits = permits
        elif grant.permits:
            rule_permits = frozenset({grant.permits})
        else:
            rule_permits = frozenset()
        binds = (
            duration is not None
            and grant.max_stay
            and (duration.binds == "any" or (duration.binds == "loading" and grant.activity is Activity.LOAD))
        )
        rules.append(
            Rule(
                activity=grant.activity,
                user_classes=grant.who,
                permits=rule_permits,
                time_spans=spans,
                priority=grant.priority,
                max_stay=duration.max_stay if binds and duration else None,
                no_return=duration.no_return if binds and duration else None,
                payment=grant.paid,
                tariffs=tariffs if grant.paid else (),
                label=grant.label.replace("{permits}", " or ".join(sorted(rule_permits)) or "any zone"),
            )
        )
    if bay.blue_badge_concession and not any(UserClass.BLUE_BADGE in g.who for g in bay.grants):
        rules.append(zone_badge_concession(zone, authority, spans, None))
    if bay.prohibition is not None:
        rules.append(bay_prohibition(bay.prohibition, spans, bay.prohibition_label or bay.restriction_type))
    rules.sort(key=lambda r: r.priority)
    return Regulation(
        rules=tuple(rules),
        category=bay.category,
        description=publisher_wording(
            restriction_type, times_of_operation, maximum_stay, tariff,
            f"permits {valid_parking_permits}" if not _is_na(valid_parking_permits) else None,
        ),
    )  # fmt: skip


def _is_na(text: str | None) -> bool:
    return text is None or text.strip().lower() in ("", "n/a", "na")


def build_bay_regulation_from_row(row: Mapping[str, Any], authority: Authority = CAMDEN) -> Regulation:
    """The same from a Socrata Parking Bays record (field names as in the 2020 JSON)."""
    return build_bay_regulation(
        row.get("restriction_type", ""),
        row.get("times_of_operation", ""),
        row.get("maximum_stay"),
        row.get("tariff"),
        row.get("valid_parking_permits"),
        row.get("controlled_parking_zone"),
        authority,
    )


def build_zone_default(
    mon_fri: str | None,
    saturday: str | None,
    sunday: str | None,
    zone_code: str | None,
    authority: Authority = CAMDEN,
) -> Regulation:
    """The kerb of a CPZ sub-zone outside its bays: a single yellow line during the controlled hours.

    ``None`` means uncontrolled that day; ``00:00-23:59`` means the whole day. Not enforced on bank holidays. Blue
    badge holders (green in the green-badge area) may park up to 3 hours; loading is allowed, as no loading-ban data
    is held.
    """
    by_window: dict[Window, set[int]] = {}
    for days, text in ((range(5), mon_fri), ((5,), saturday), ((6,), sunday)):
        if _is_na(text):
            continue
        assert text is not None
        by_window.setdefault(parse_window(text), set()).update(days)
    spans = tuple(
        TimeSpan(days=frozenset(days) if len(days) < 7 else ALL_DAYS, windows=(window,), holidays=HolidayMode.EXCEPT)
        for window, days in sorted(by_window.items(), key=lambda item: min(item[1]))
    )
    zone_label = zone_code or "the zone"
    rules: list[Rule] = []
    if spans:
        rules = [
            zone_badge_concession(zone_code, authority, spans, ZONE_DEFAULT_BADGE_MINUTES),
            Rule(
                activity=Activity.LOAD,
                time_spans=spans,
                priority=PRIORITY_LOADING,
                label="Loading and unloading, no loading-ban data held",
            ),
            Rule(
                activity=Activity.NO_PARKING,
                time_spans=spans,
                priority=PRIORITY_PROHIBITION,
                label=f"Single yellow line ({zone_label} controlled hours)",
            ),
        ]
    hours = [f"Mon-Fri {mon_fri or 'uncontrolled'}", f"Sat {saturday or 'uncontrolled'}",
             f"Sun {sunday or 'uncontrolled'}"]  # fmt: skip
    return Regulation(
        rules=tuple(rules),
        category="zone_default",
        description=f"{zone_label} controlled hours: " + ", ".join(hours),
    )


__all__ = [
    "CAMDEN",
    "CAMDEN_BAY_TYPES",
    "CAMDEN_BAY_TYPE_ROWS",
    "BayType",
    "Grant",
    "UnknownRestrictionType",
    "build_bay_regulation",
    "build_bay_regulation_from_row",
    "build_zone_default",
    "normalise_restriction_type",
]
