"""The v1 response bodies: what the services answered, shaped as the schemas in :mod:`.schemas` document it
(instants with the authority's local offset, money as strings, places as GeoJSON features)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from parking_api.api.present import geometry, iso, money, regulation_json, tariff_json, zone_hours
from parking_api.api.v1 import language
from parking_api.engine.evaluate import Answer
from parking_api.engine.model import Driver
from parking_api.engine.reasons import until_status
from parking_api.engine.wording import phrase
from parking_api.occupancy.availability import Availability
from parking_api.services.authorities import DEFAULT_TIMEZONE
from parking_api.services.bay import BayDetail, Schedule
from parking_api.services.bays import BaysNear
from parking_api.services.can_i_park import CanIPark
from parking_api.services.context import Evaluated, stamp
from parking_api.services.sources import Coverage

# --- GET /v1/can-i-park -----------------------------------------------------------------------------------------


_ORDER = (
    "can_park", "until", "allowed_from", "at", "valid_until", "until_status", "remind_at", "basis", "place_id",
    "reason", "reason_code", "reason_params", "bay", "zone", "max_stay", "stay",
    "stay_ok", "suspended", "payment", "next_changes", "rules", "candidates", "ambiguous", "alternatives", "data_as_of",
    "attribution",
    "caveats",
)  # fmt: skip


def can_i_park(result: CanIPark) -> dict[str, Any]:
    answering = result.answering
    if answering is None:
        answer = _no_answer(result.stay)
    else:
        answer = _answer(answering.answer, result.driver, result.timezone, result.stay)
        answer["payment"]["pay_by_phone"] = pay_by_phone(answering.row, result.pay_by_phone_providers)
    bay = None
    if result.basis == "bay" and answering is not None:
        bay = {
            **_ref_fields(answering.row),
            **_availability(answering),
            "geometry": geometry(answering.row.get("geometry")),
        }
    body = {
        **answer,
        "at": iso(result.at, result.timezone),
        "valid_until": None,  # set by the HTTP layer, which knows the answer's changes and its cache
        "until_status": until_status(answer["can_park"], answer["until"]),
        "remind_at": iso(result.remind_at, result.timezone),
        "basis": result.basis,
        "place_id": f"{answering.row['source']}/{answering.row['ref']}" if answering is not None else None,
        "reason": _reason(result),
        "reason_code": answering.answer.reason_code if answering is not None else "no_data",
        "reason_params": reason_params(answering.answer, result.timezone) if answering is not None else {},
        "bay": bay,
        "zone": _zone_json(result.zone) if result.zone is not None else None,
        "candidates": [
            {**_ref_fields(item.row), **_status(item), **_availability(item), "geometry": _geometry_of(item)}
            for item in result.candidates
        ],
        "ambiguous": result.ambiguous,
        "alternatives": [_alternative(item) for item in result.alternatives],
        "data_as_of": _data_as_of(result.source),
        "attribution": _attribution(result.source),
        "caveats": [language.caveat(text) for text in result.caveats],
    }
    return {key: body[key] for key in _ORDER}


def _geometry_of(item: Evaluated) -> dict[str, Any]:
    return geometry(item.row.get("geometry"))


def pay_by_phone(row: dict[str, Any], providers: dict[str, str]) -> dict[str, Any] | None:
    """The bay's pay-by-phone location code (Camden's ``cashless_identifier``) and, where configured, the provider."""
    code = row.get("pay_by_phone_code")
    if not code:
        return None
    return {"provider": providers.get(row["source"]), "location_code": str(code)}


def _reason(result: CanIPark) -> str:
    """The reason in the request's language; on a zone default, saying that the zone's hours answer."""
    if result.answering is None:
        return language.say(phrase("reason.no_data"))
    answer = result.answering.answer
    reason = language.say(answer.reason_words)
    if result.basis == "zone_default" and "not a marked bay" not in answer.reason:
        label = result.answering.row.get("sub_zone") or result.answering.row.get("code")
        return f"{reason.rstrip('.')}. {language.say(phrase('reason.zone_note', zone=label))}"
    return reason


def reason_params(answer: Answer, tz: str) -> dict[str, Any]:
    """The reason's parameters as JSON: instants in ISO 8601 with the local offset."""
    return {k: iso(v, tz) if isinstance(v, datetime) else v for k, v in answer.reason_params.items()}


def _answer(answer: Answer, driver: Driver, tz: str, stay: int | None) -> dict[str, Any]:
    return {
        "can_park": bool(answer.can_park),
        "until": iso(answer.until, tz),
        "allowed_from": iso(answer.allowed_from, tz),
        "max_stay": answer.max_stay,
        "stay": stay,
        "stay_ok": answer.stay_ok if stay is not None else None,
        "suspended": bool(answer.suspended),
        "payment": _payment(answer, driver, tz),
        "next_changes": [
            {"at": iso(c.at, tz), "can_park": bool(c.can_park), "payment_required": bool(c.payment_required)}
            for c in answer.next_changes
        ],
        "rules": [entry.to_dict() for entry in answer.trace],
    }


def _no_answer(stay: int | None) -> dict[str, Any]:
    return {
        "can_park": None,
        "until": None,
        "allowed_from": None,
        "max_stay": None,
        "stay": stay,
        "stay_ok": None,
        "suspended": False,
        "payment": None,
        "next_changes": [],
        "rules": [],
    }


def _payment(answer: Answer, driver: Driver, tz: str) -> dict[str, Any]:
    """Payment now, until when, the tariffs (all fuels) and the price of the stay at the driver's fuel (null
    without a fuel: the tariffs list every fuel's rate instead)."""
    currency = answer.tariffs[0].currency if answer.tariffs else "GBP"
    price = answer.price if driver.fuel is not None else None
    return {
        "required_now": bool(answer.payment_required_now),
        "pay_until": iso(answer.pay_until, tz),
        "tariffs": [tariff_json(t) for t in answer.tariffs],
        "price": money(price, currency),
    }


def _alternative(item: Evaluated) -> dict[str, Any]:
    return {
        **_ref_fields(item.row),
        "can_park": True,
        "until": iso(item.answer.until, item.timezone),
        "payment_required": bool(item.answer.payment_required_now),
        "max_stay": item.answer.max_stay,
        "reason_code": item.answer.reason_code,
        "reason_params": reason_params(item.answer, item.timezone),
        **_availability(item),
        "geometry": geometry(item.row.get("geometry")),
    }


# --- bays ---------------------------------------------------------------------------------------------------------


def bays_near(result: BaysNear, wanted: list[str] | None = None) -> dict[str, Any]:
    """The bays as a FeatureCollection; ``wanted`` names the only properties each feature keeps (a map's slim
    layer)."""
    features = []
    for item in result.bays:
        payment = _payment(item.answer, result.driver, item.timezone)
        payment["pay_by_phone"] = pay_by_phone(item.row, result.pay_by_phone_providers)
        properties = {
            **_ref_fields(item.row),
            **_status(item),
            "suspended": bool(item.answer.suspended),
            "stay_ok": item.answer.stay_ok if result.stay is not None else None,
            "payment": payment,
            **_availability(item),
        }
        if wanted is not None:
            properties = {name: value for name, value in properties.items() if name in wanted}
        features.append(_feature(item.row, properties))
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": result.matched,
        "numberReturned": len(features),
        "at": iso(result.at, result.timezone),
        "stay": result.stay,
        "coverage": result.coverage,
        "attribution": result.attributions,
    }


def bay(result: BayDetail) -> dict[str, Any]:
    row, tz = result.status.row, result.status.timezone
    zone_meta = row.get("zone_meta")
    properties = {
        **_ref_fields(row),
        "distance_m": 0.0,
        "geometry_quality": row.get("geom_quality") or "",
        "regulation": regulation_json(result.place.regulation),
        "suspensions": [
            {"start": iso(s.start, tz), "end": iso(s.end, tz), "reason": s.reason} for s in result.suspensions
        ],
        "status": {"at": iso(result.at, tz), **_status(result.status)},
        **_availability(result.status),
        "zone_hours": zone_hours(zone_meta.get("hours")) if zone_meta else None,
        "data_as_of": _data_as_of(result.source),
        "attribution": _attribution(result.source),
    }
    return _feature(row, properties)


def schedule(result: Schedule) -> dict[str, Any]:
    tz = result.timezone
    intervals = [
        {
            "start": iso(interval.segment.start, tz),
            "end": iso(interval.segment.end, tz),
            "can_park": bool(interval.segment.allowed),
            "payment_required": bool(interval.segment.payment_required),
            "max_stay": interval.segment.max_stay,
            "suspended": bool(interval.segment.suspended),
            "reason": language.say(interval.reason),
        }
        for interval in result.intervals
    ]
    return {
        **_ids(result.row),
        "from": iso(result.start, tz),
        "to": iso(result.end, tz),
        "timezone": tz,
        "intervals": intervals,
    }


# --- zones and sources --------------------------------------------------------------------------------------------


def zones(rows: list[dict[str, Any]]) -> dict[str, Any]:
    features = [_feature(row, _zone_json(row)) for row in rows]
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": len(features),
        "numberReturned": len(features),
    }


def sources(rows: list[dict[str, Any]], coverage: dict[str, Coverage]) -> dict[str, Any]:
    out = []
    for row in rows:
        tz = row.get("timezone") or DEFAULT_TIMEZONE
        out.append(
            {
                "name": row["name"],
                "publisher": row.get("publisher") or "",
                "licence": row.get("licence") or "",
                "attribution": row.get("attribution") or "",
                "url": row.get("url") or "",
                "timezone": tz,
                "holidays": row.get("holidays"),
                "published_at": iso(stamp(row.get("published_at")), tz),
                "last_loaded_at": iso(stamp(row.get("last_loaded_at")), tz),
                "bays": int(row.get("bays") or 0),
                "zones": int(row.get("zones") or 0),
                "coverage": coverage[row["name"]].as_json() if row["name"] in coverage else None,
            }
        )
    return {"sources": out}


# --- shared parts -------------------------------------------------------------------------------------------------


def _status(item: Evaluated) -> dict[str, Any]:
    """A place's status for the driver (``StatusFields`` in the schemas)."""
    answer = item.answer
    return {
        "can_park": bool(answer.can_park),
        "until": iso(answer.until, item.timezone),
        "allowed_from": iso(answer.allowed_from, item.timezone),
        "payment_required": bool(answer.payment_required_now),
        "max_stay": answer.max_stay,
        "reason": language.say(answer.reason_words),
        "reason_code": answer.reason_code,
        "reason_params": reason_params(answer, item.timezone),
    }


def _availability(item: Evaluated) -> dict[str, Any]:
    """A place's live availability (``AvailabilityFields`` in the schemas): counts only while fresh."""
    return availability_json(item.availability, item.timezone)


def availability_json(found: Availability, tz: str) -> dict[str, Any]:
    return {
        "available_spaces": found.available_spaces,
        "occupied_spaces": found.occupied_spaces,
        "availability_status": found.status,
        "availability_observed_at": iso(found.observed_at, tz),
        "availability_simulated": found.simulated,
        "availability_forecast": (
            {"share_free": found.forecast.share_free, "weeks": found.forecast.weeks} if found.forecast else None
        ),
    }


def _ids(row: dict[str, Any]) -> dict[str, Any]:
    return {"source": row["source"], "ref": str(row["ref"])}


def _ref_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **_ids(row),
        "type": row.get("restriction_type") or "",
        "category": row.get("category") or "",
        "road": row.get("road"),
        "zone": row.get("zone"),
        "spaces": row.get("spaces"),
        "distance_m": round(float(row.get("distance_m") or 0.0), 1),
    }


def _zone_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **_ids(row),
        "code": row.get("code") or "",
        "sub_zone": row.get("sub_zone") or "",
        "name": row.get("name") or "",
        "hours": zone_hours(row.get("hours")),
    }


def _feature(row: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """A bay or zone row as a GeoJSON Feature, identified as ``source/ref``."""
    return {
        "type": "Feature",
        "id": f"{row['source']}/{row['ref']}",
        "geometry": geometry(row.get("geometry")),
        "properties": properties,
    }


def _data_as_of(source: dict[str, Any] | None) -> str | None:
    """When the source's data was published (or, failing that, loaded)."""
    if not source:
        return None
    published = stamp(source.get("published_at") or source.get("last_loaded_at"))
    return iso(published, source.get("timezone") or DEFAULT_TIMEZONE)


def _attribution(source: dict[str, Any] | None) -> str | None:
    return (source.get("attribution") or None) if source else None
