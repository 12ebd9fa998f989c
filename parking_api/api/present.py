"""Turning engine objects and repository rows into the API's JSON: instants, money, GeoJSON, rules in words."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from parking_api.engine.model import Regulation, Rule, TimeSpan
from parking_api.engine.wording import rule_text, say
from parking_api.engine.wording import span as span_words
from parking_api.services.context import zone

PENNY = Decimal("0.01")


def iso(value: datetime | None, tz: str) -> str | None:
    """ISO 8601 with the local offset of ``tz`` (seconds precision unless the value has microseconds)."""
    if value is None:
        return None
    local = value.astimezone(zone(tz))
    return local.isoformat(timespec="microseconds" if local.microsecond else "seconds")


def money(amount: Decimal | float | str | None, currency: str = "GBP") -> dict[str, str] | None:
    if amount is None:
        return None
    value = Decimal(str(amount)).quantize(PENNY, rounding=ROUND_HALF_UP)
    return {"amount": f"{value:.2f}", "currency": currency or "GBP"}


def tariff_json(tariff: Any) -> dict[str, Any]:
    return {"fuel": tariff.fuel, "per_hour": money(tariff.per_hour, getattr(tariff, "currency", "GBP"))}


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def span_json(span: TimeSpan) -> dict[str, Any]:
    text = say(span_words(span))
    return {
        "days": sorted(span.days),
        "iso_days": sorted(day + 1 for day in span.days),
        "text": text,
        "windows": [[clock(a), clock(b)] for a, b in span.windows],
        "date_from": span.date_from.isoformat() if span.date_from else None,
        "date_to": span.date_to.isoformat() if span.date_to else None,
        "holidays": span.holidays.value,
    }


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "activity": rule.activity.value,
        "who": sorted(c.value for c in rule.user_classes),
        "permits": sorted(rule.permits),
        "label": rule.label,
        "text": say(rule_text(rule)),
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
