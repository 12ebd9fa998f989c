"""Turning engine objects and repository rows into the API's JSON: money, GeoJSON, rules in words."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from parking_api.engine.model import ALL_DAY, ALL_DAYS, Activity, HolidayMode, Regulation, Rule, TimeSpan, UserClass

DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PENNY = Decimal("0.01")


def money(amount: Decimal | float | str | None, currency: str = "GBP") -> dict[str, str] | None:
    if amount is None:
        return None
    value = Decimal(str(amount)).quantize(PENNY, rounding=ROUND_HALF_UP)
    return {"amount": f"{value:.2f}", "currency": currency or "GBP"}


def tariff_json(tariff: Any) -> dict[str, Any]:
    return {"fuel": tariff.fuel, "per_hour": money(tariff.per_hour, getattr(tariff, "currency", "GBP"))}


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def days_text(days: frozenset[int]) -> str:
    if days == ALL_DAYS:
        return "every day"
    ordered = sorted(days)
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_ABBR[run[0]]}-{DAY_ABBR[run[-1]]}")
        else:
            parts.extend(DAY_ABBR[d] for d in run)
    return ", ".join(parts)


def windows_text(windows: tuple[tuple[int, int], ...]) -> str:
    if windows == (ALL_DAY,):
        return "all day"
    return " & ".join(f"{clock(a)}-{clock(b)}" for a, b in windows)


def span_json(span: TimeSpan) -> dict[str, Any]:
    text = f"{days_text(span.days)} {windows_text(span.windows)}"
    if span.date_from or span.date_to:
        text += f", {span.date_from or '…'} to {span.date_to or '…'}"
    if span.yearly:
        text += ", " + ", ".join(f"{a} to {b} each year" for a, b in span.yearly)
    if span.holidays is HolidayMode.EXCEPT:
        text += ", not on public holidays"
    elif span.holidays is HolidayMode.ONLY:
        text += ", on public holidays only"
    for name, how in span.designated:
        text += f", {'only during' if how == 'only' else 'except during'} {name}"
    return {
        "days": sorted(span.days),
        "text": text,
        "windows": [[clock(a), clock(b)] for a, b in span.windows],
        "date_from": span.date_from.isoformat() if span.date_from else None,
        "date_to": span.date_to.isoformat() if span.date_to else None,
        "holidays": span.holidays.value,
    }


_WHO = {
    UserClass.EVERYONE: "anyone",
    UserClass.PERMIT: "permit holders",
    UserClass.BLUE_BADGE: "blue badge holders",
    UserClass.GREEN_BADGE: "green badge holders",
    UserClass.DISABLED_DEDICATED: "the named badge holder",
    UserClass.CAR_CLUB: "car club vehicles",
    UserClass.MOTORCYCLE: "solo motorcycles",
    UserClass.GOODS: "goods vehicles",
    UserClass.BUS: "buses and coaches",
    UserClass.TAXI: "taxis",
    UserClass.DOCTOR: "doctors",
    UserClass.TRADER: "trader permit holders",
    UserClass.BUSINESS: "business permit holders",
    UserClass.POLICE: "police vehicles",
    UserClass.DIPLOMATIC: "diplomatic vehicles",
    UserClass.ELECTRIC: "electric vehicles",
    UserClass.CYCLE_HIRE: "hire cycles",
    UserClass.CONSTRUCTION: "construction vehicles",
    UserClass.OTHER: "others",
}

_ACTIVITY = {
    Activity.PARK: "may park",
    Activity.LOAD: "may load and unload",
    Activity.NO_PARKING: "no parking",
    Activity.NO_LOADING: "no loading",
    Activity.NO_STOPPING: "no stopping",
}


def duration_text(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{rest} minutes"


def rule_text(rule: Rule) -> str:
    who = [_WHO.get(c, c.value) for c in sorted(rule.user_classes, key=lambda c: c.value)]
    if rule.permits and UserClass.PERMIT in rule.user_classes:
        who = [w + f" ({', '.join(sorted(rule.permits))})" if w == "permit holders" else w for w in who]
    if rule.activity.is_prohibition:
        head = _ACTIVITY[rule.activity].capitalize()
        if rule.user_classes != frozenset({UserClass.EVERYONE}):
            head += " for " + " or ".join(who)
    else:
        head = f"{' or '.join(who).capitalize()} {_ACTIVITY[rule.activity]}"
        if rule.payment:
            head += " (paying)"
    parts = [head]
    if rule.time_spans:
        parts.append("; ".join(span_json(s)["text"] for s in rule.time_spans))
    else:
        parts.append("at all times")
    if rule.max_stay:
        parts.append(f"max stay {duration_text(rule.max_stay)}")
    if rule.no_return:
        parts.append(f"no return within {duration_text(rule.no_return)}")
    return ", ".join(parts)


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "activity": rule.activity.value,
        "who": sorted(c.value for c in rule.user_classes),
        "permits": sorted(rule.permits),
        "label": rule.label,
        "text": rule_text(rule),
        "times": [span_json(s) for s in rule.time_spans],
        "max_stay": rule.max_stay,
        "no_return": rule.no_return,
        "payment": rule.payment,
        "tariffs": [tariff_json(t) for t in rule.tariffs],
        "priority": rule.priority,
    }


def regulation_json(regulation: Regulation) -> dict[str, Any]:
    return {
        "category": regulation.category,
        "description": regulation.description,
        "rules": [rule_json(r) for r in regulation.rules],
    }


def geometry(value: Any) -> dict[str, Any]:
    """A GeoJSON geometry from PostGIS (``ST_AsGeoJSON``), without the ``crs`` member RFC 7946 removed."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "crs"}
    return {"type": "GeometryCollection", "geometries": []}


_HOURS_KEYS = {
    "monday_to_friday": ("monday_to_friday", "mon_fri", "control_monday_to_friday"),
    "saturday": ("saturday", "sat", "control_saturday"),
    "sunday": ("sunday", "sun", "control_sunday"),
}


def zone_hours(hours: dict[str, Any] | None) -> dict[str, str | None]:
    """A zone's controlled hours per day group (null: not controlled that day), whatever keys the loader used."""
    hours = hours or {}
    out: dict[str, str | None] = {}
    for key, aliases in _HOURS_KEYS.items():
        value = next((hours[a] for a in aliases if hours.get(a) is not None), None)
        out[key] = str(value) if value is not None else None
    return out
