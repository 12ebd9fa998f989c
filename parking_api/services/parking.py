"""The driver questions: can I park here, which bays are around, what are this bay's rules and week.

Each function takes a session, typed parameters and the :class:`Settings`, calls the repository once (where it can)
and evaluates places with the pure engine. Results are plain dicts shaped as the v1 response schemas, plus the
instants at which they stop being true (the HTTP layer turns those into ``Cache-Control``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from parking_api.api.errors import BadParameter, NotFound
from parking_api.engine.model import (
    Activity,
    Authority,
    Badge,
    Driver,
    Fuel,
    Place,
    Regulation,
    Suspension,
    Vehicle,
    normalise_permit,
)
from parking_api.services import present
from parking_api.services.authorities import DEFAULT_TIMEZONE, authority_for
from parking_api.services.regulations import RegulationCache
from parking_api.services.timeparse import iso, localize_param, parse_iso, provisional_utc, zone
from parking_api.store import reads

ALTERNATIVES_RADIUS_M = 300.0
ALTERNATIVES_POOL = 50
ALTERNATIVES_SHOWN = 5
TIE_METRES = 1.0
MAX_SCHEDULE = timedelta(days=31)
DEFAULT_SCHEDULE = timedelta(days=7)

CAVEAT_LINES = "Red routes and yellow lines are not in this data: the signs on the street prevail."
CAVEAT_SUSPENSIONS = "Bay suspensions are known only where the council publishes them: check for suspension notices."
CAVEAT_NO_DATA = "No loaded data covers this spot, so whether you may park is unknown: read the signs on the street."
CAVEAT_ACCURACY = "Other bays are within your position's accuracy: check the sign of the bay you are in."


@dataclass(frozen=True)
class Settings:
    horizon_days: int = 7
    green_badge_zones: tuple[str, ...] = ("CA-C", "CA-D", "CA-E")

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)


@dataclass(frozen=True)
class DriverParams:
    permits: tuple[str, ...] = ()
    badge: str | None = None
    vehicle: str = "car"
    fuel: str | None = None
    activity: str = "park"

    def driver(self) -> Driver:
        return Driver(
            permits=frozenset(normalise_permit(p) for p in self.permits if p.strip()),
            badge=Badge(self.badge) if self.badge else None,
            vehicle=Vehicle(self.vehicle),
            fuel=Fuel(self.fuel) if self.fuel else None,
            activity=Activity(self.activity),
        )


@dataclass
class Result:
    """A response body and what bounds its freshness: ``changes`` are the instants at which some part of it stops
    being true; ``live`` says whether it answers for "now" (otherwise it only changes with the data)."""

    body: dict[str, Any]
    changes: list[datetime] = field(default_factory=list)
    live: bool = False


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# --- shared helpers ---------------------------------------------------------------------------------------------


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _suspensions(rows: Iterable[dict[str, Any]] | None) -> tuple[Suspension, ...]:
    out = []
    for row in rows or ():
        start, end = _dt(row.get("start")), _dt(row.get("end"))
        if start and end:
            out.append(Suspension(start=start, end=end, reason=row.get("reason") or ""))
    return tuple(out)


def _place(row: dict[str, Any], regulations: dict[int, Regulation]) -> Place:
    return Place(
        source=row["source"],
        ref=str(row["ref"]),
        kind=row.get("kind") or "bay",
        regulation=regulations[int(row["regulation_id"])],
        suspensions=_suspensions(row.get("suspensions")),
        restriction_type=row.get("restriction_type") or "",
        zone=row.get("zone"),
    )


def _zone_place(row: dict[str, Any], regulations: dict[int, Regulation]) -> Place:
    return Place(
        source=row["source"],
        ref=str(row["ref"]),
        kind="zone_default",
        regulation=regulations[int(row["regulation_id"])],
        restriction_type="zone default",
        zone=row.get("sub_zone") or row.get("code"),
    )


class _Context:
    """Sources, authorities and regulations for one request."""

    def __init__(self, session: Session, cache: RegulationCache, settings: Settings, sources: list[dict]) -> None:
        self.session = session
        self.cache = cache
        self.settings = settings
        self.sources = {s["name"]: s for s in sources}

    def authority(self, source_name: str | None) -> Authority:
        source = self.sources.get(source_name or "") or {"name": source_name or "", "timezone": DEFAULT_TIMEZONE}
        return authority_for(
            source, green_badge_zones=self.settings.green_badge_zones, horizon_days=self.settings.horizon_days
        )

    def default_timezone(self) -> str:
        for source in self.sources.values():
            if source.get("timezone"):
                return str(source["timezone"])
        return DEFAULT_TIMEZONE

    def regulations(self, rows: list[dict[str, Any]]) -> dict[int, Regulation]:
        return self.cache.resolve(rows, lambda ids: reads.regulations(self.session, ids))

    def data_as_of(self, source_name: str | None) -> str | None:
        source = self.sources.get(source_name or "")
        if not source:
            return None
        stamp = source.get("published_at") or source.get("last_loaded_at")
        return iso(_dt(stamp), source.get("timezone") or DEFAULT_TIMEZONE)

    def attribution(self, source_name: str | None) -> str | None:
        source = self.sources.get(source_name or "")
        return (source.get("attribution") or None) if source else None


def _evaluate(place: Place, driver: Driver, at: datetime, authority: Authority, *, stay: int | None = None):
    from parking_api.engine.evaluate import evaluate

    return evaluate(place, driver, at, authority, stay=stay, horizon=timedelta(days=authority.horizon_days))


def _answer_changes(answer: Any) -> list[datetime]:
    out = [t for t in (answer.until, answer.allowed_from, answer.pay_until) if t is not None]
    out.extend(change.at for change in answer.next_changes)
    return out


def _status(answer: Any, tz: str) -> dict[str, Any]:
    return {
        "can_park": bool(answer.can_park),
        "until": iso(answer.until, tz),
        "allowed_from": iso(answer.allowed_from, tz),
        "payment_required": bool(answer.payment_required_now),
        "max_stay": answer.max_stay,
        "reason": answer.reason,
    }


def _ref_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": row["source"],
        "ref": str(row["ref"]),
        "type": row.get("restriction_type") or "",
        "category": row.get("category") or "",
        "road": row.get("road"),
        "zone": row.get("zone"),
        "spaces": row.get("spaces"),
        "distance_m": round(float(row.get("distance_m") or 0.0), 1),
    }


def _restrictiveness(answer: Any) -> tuple:
    """Sort key: smaller is more restrictive (not allowed first, latest allowed_from; then earliest until)."""
    far = datetime.max.replace(tzinfo=UTC)
    if not answer.can_park:
        allowed_from = answer.allowed_from
        return (0, -(allowed_from or far).timestamp(), 0, 0, 0)
    until = answer.until or far
    return (
        1,
        until.timestamp(),
        0 if answer.payment_required_now else 1,
        answer.max_stay if answer.max_stay is not None else 10**9,
        0 if answer.stay_ok is False else 1,
    )


def _claim_priority(answer: Any) -> float:
    """How strongly a place's answer claims the point, for places covering it equally (lower wins, as rule
    priorities do): the winning rule's priority (a suspension's is 0); when rules are in effect but none is for this
    driver, the implied prohibition of the highest-precedence rule in effect (CurbLR: a positive rule for some
    classes prohibits everyone else); no rule in effect makes no claim."""
    won = [entry.priority for entry in answer.trace if entry.won]
    if won:
        return min(won)
    in_effect = [entry.priority for entry in answer.trace if entry.in_effect]
    return min(in_effect) if in_effect else _NO_CLAIM


_NO_CLAIM = float("inf")


def choose(answers: Sequence[tuple[dict[str, Any], Any]]) -> tuple[dict[str, Any], Any]:
    """Among places covering the point equally: the strongest claim by priority, then the most restrictive answer
    (not allowed beats allowed, later ``allowed_from`` beats earlier; earlier ``until`` beats later), then the
    nearest, then by source and ref (deterministic)."""
    return min(
        answers,
        key=lambda item: (
            _claim_priority(item[1]),
            _restrictiveness(item[1]),
            float(item[0].get("distance_m") or 0.0),
            item[0]["source"],
            str(item[0]["ref"]),
        ),
    )


def _payment(answer: Any, driver: Driver) -> dict[str, Any]:
    """Payment now, until when, the tariffs (all fuels) and the price of the stay at the driver's fuel (null
    without a fuel: the tariffs list every fuel's rate instead)."""
    currency = answer.tariffs[0].currency if answer.tariffs else "GBP"
    price = answer.price if driver.fuel is not None else None
    return {
        "required_now": bool(answer.payment_required_now),
        "pay_until": None,  # filled by the caller with the right time zone
        "tariffs": [present.tariff_json(t) for t in answer.tariffs],
        "price": present.money(price, currency),
    }


def _trace(answer: Any) -> list[dict[str, Any]]:
    return [entry.to_dict() if hasattr(entry, "to_dict") else dict(entry) for entry in answer.trace]


def _instant_param(raw: str | None, name: str) -> datetime | None:
    """``None`` for "now"; otherwise the parsed value (naive when the client gave no offset)."""
    if raw is None:
        return None
    return parse_iso(raw, name)


def _local_instant(requested: datetime | None, tz: str, name: str, now: datetime) -> datetime:
    """The instant a request is for, in ``tz``: the parameter ``name`` (a naive one read as local time) or now."""
    return localize_param(requested, tz, name) if requested else now.astimezone(zone(tz))


def _feature(row: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """A bay or zone row as a GeoJSON Feature, identified as ``source/ref``."""
    return {
        "type": "Feature",
        "id": f"{row['source']}/{row['ref']}",
        "geometry": present.geometry(row.get("geometry")),
        "properties": properties,
    }


# --- GET /v1/can-i-park -----------------------------------------------------------------------------------------


def can_i_park(
    session: Session,
    cache: RegulationCache,
    settings: Settings,
    *,
    lat: float,
    lon: float,
    at: str | None,
    accuracy: float,
    driver_params: DriverParams,
    stay: int | None,
    now: datetime | None = None,
) -> Result:
    now = now or utcnow()
    requested = _instant_param(at, "at")
    provisional = provisional_utc(requested) if requested else now
    window_start = provisional - timedelta(days=1)
    window_end = provisional + max(settings.horizon, timedelta(minutes=stay or 0)) + timedelta(days=2)

    found = reads.nearby(
        session,
        lon=lon,
        lat=lat,
        accuracy=accuracy,
        window_start=window_start,
        window_end=window_end,
        near_radius=ALTERNATIVES_RADIUS_M,
        near_limit=ALTERNATIVES_POOL,
        known_regulations=cache.known_ids(),
    )
    ctx = _Context(session, cache, settings, found.sources)
    regulations = ctx.regulations(found.regulations)
    driver = driver_params.driver()

    candidates = [p for p in found.places if p.get("candidate")]
    # The time zone that reads a naive ``at``: the nearest candidate's source, else the zone's, else any source's.
    anchor = candidates[0]["source"] if candidates else (found.zones[0]["source"] if found.zones else None)
    tz = ctx.authority(anchor).timezone if anchor else ctx.default_timezone()
    instant = _local_instant(requested, tz, "at", now)

    changes: list[datetime] = []
    body: dict[str, Any]
    chosen_row: dict[str, Any] | None = None
    if candidates:
        nearest = float(candidates[0]["distance_m"])
        evaluated = []
        for row in candidates:
            authority = ctx.authority(row["source"])
            answer = _evaluate(_place(row, regulations), driver, instant, authority, stay=stay)
            evaluated.append((row, answer))
        group = [item for item in evaluated if float(item[0]["distance_m"]) <= nearest + TIE_METRES]
        chosen_row, answer = choose(group)
        tz = ctx.authority(chosen_row["source"]).timezone
        body = _answer_body(answer, driver, tz, stay, basis="bay")
        body["bay"] = {**_ref_fields(chosen_row), "geometry": present.geometry(chosen_row.get("geometry"))}
        body["zone"] = _zone_ref(found.zones, chosen_row.get("zone"))
        others = []
        for row, other in evaluated:
            if row is chosen_row:
                continue
            other_tz = ctx.authority(row["source"]).timezone
            others.append({**_ref_fields(row), **_status(other, other_tz)})
            changes.extend(_answer_changes(other))
        body["candidates"] = others
        changes.extend(_answer_changes(answer))
        caveats = [CAVEAT_LINES, CAVEAT_SUSPENSIONS, *answer.caveats]
        if others:
            caveats.append(CAVEAT_ACCURACY)
        source_name = chosen_row["source"]
    elif found.zones:
        evaluated = []
        for row in found.zones:
            authority = ctx.authority(row["source"])
            zone_answer = _evaluate(_zone_place(row, regulations), driver, instant, authority, stay=stay)
            evaluated.append((row, zone_answer))
        zone_row, answer = min(evaluated, key=lambda item: (_restrictiveness(item[1]), item[0]["ref"]))
        tz = ctx.authority(zone_row["source"]).timezone
        body = _answer_body(answer, driver, tz, stay, basis="zone_default")
        label = zone_row.get("sub_zone") or zone_row.get("code")
        if "not a marked bay" not in answer.reason:
            body["reason"] = (
                f"{answer.reason.rstrip('.')}. These are zone {label}'s controlled hours, not a marked bay."
            )
        body["bay"] = None
        body["zone"] = _zone_json(zone_row)
        body["candidates"] = []
        changes.extend(_answer_changes(answer))
        caveats = [CAVEAT_LINES, *answer.caveats]
        source_name = zone_row["source"]
    else:
        body = _no_data_body(instant, tz, stay)
        caveats = [CAVEAT_NO_DATA, CAVEAT_LINES]
        source_name = None

    wants_alternatives = body["can_park"] is not True or body.get("stay_ok") is False
    alternatives: list[dict[str, Any]] = []
    if wants_alternatives:
        for row in found.places:
            if chosen_row is not None and row is chosen_row:
                continue
            if float(row["distance_m"]) > ALTERNATIVES_RADIUS_M:
                continue
            authority = ctx.authority(row["source"])
            alt = _evaluate(_place(row, regulations), driver, instant, authority, stay=stay)
            if not alt.can_park or (stay is not None and alt.stay_ok is False):
                continue
            alternatives.append(
                {
                    **_ref_fields(row),
                    "can_park": True,
                    "until": iso(alt.until, authority.timezone),
                    "payment_required": bool(alt.payment_required_now),
                    "max_stay": alt.max_stay,
                    "geometry": present.geometry(row.get("geometry")),
                }
            )
            changes.extend(_answer_changes(alt))
            if len(alternatives) >= ALTERNATIVES_SHOWN:
                break
    body["alternatives"] = alternatives
    body["data_as_of"] = ctx.data_as_of(source_name)
    body["attribution"] = ctx.attribution(source_name)
    body["caveats"] = caveats
    return Result(body=_ordered(body), changes=changes, live=requested is None)


_ORDER = (
    "can_park", "until", "allowed_from", "at", "basis", "reason", "bay", "zone", "max_stay", "stay", "stay_ok",
    "suspended", "payment", "next_changes", "rules", "candidates", "alternatives", "data_as_of", "attribution",
    "caveats",
)  # fmt: skip


def _ordered(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in _ORDER if key in body} | {k: v for k, v in body.items() if k not in _ORDER}


def _answer_body(answer: Any, driver: Driver, tz: str, stay: int | None, *, basis: str) -> dict[str, Any]:
    payment = _payment(answer, driver)
    payment["pay_until"] = iso(answer.pay_until, tz)
    return {
        "can_park": bool(answer.can_park),
        "until": iso(answer.until, tz),
        "allowed_from": iso(answer.allowed_from, tz),
        "at": iso(answer.at, tz),
        "basis": basis,
        "reason": answer.reason,
        "max_stay": answer.max_stay,
        "stay": stay,
        "stay_ok": answer.stay_ok if stay is not None else None,
        "suspended": bool(answer.suspended),
        "payment": payment,
        "next_changes": [
            {"at": iso(c.at, tz), "can_park": bool(c.can_park), "payment_required": bool(c.payment_required)}
            for c in answer.next_changes
        ],
        "rules": _trace(answer),
    }


def _no_data_body(instant: datetime, tz: str, stay: int | None) -> dict[str, Any]:
    return {
        "can_park": None,
        "until": None,
        "allowed_from": None,
        "at": iso(instant, tz),
        "basis": "no_data",
        "reason": "We hold no parking data for this spot (it is outside every loaded zone and bay), so we cannot "
        "say whether you may park here: read the signs on the street.",
        "bay": None,
        "zone": None,
        "max_stay": None,
        "stay": stay,
        "stay_ok": None,
        "suspended": False,
        "payment": None,
        "next_changes": [],
        "rules": [],
        "candidates": [],
    }


def _zone_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": row["source"],
        "ref": str(row["ref"]),
        "code": row.get("code") or "",
        "sub_zone": row.get("sub_zone") or "",
        "name": row.get("name") or "",
        "hours": present.zone_hours(row.get("hours")),
    }


def _zone_ref(zones: list[dict[str, Any]], bay_zone: str | None) -> dict[str, Any] | None:
    """The zone polygon the point lies in, preferring one of the bay's own zone code."""
    if not zones:
        return None
    same = [z for z in zones if bay_zone and z.get("code") == bay_zone]
    return _zone_json((same or zones)[0])


# --- GET /v1/bays -----------------------------------------------------------------------------------------------


def bays(
    session: Session,
    cache: RegulationCache,
    settings: Settings,
    *,
    lat: float,
    lon: float,
    at: str | None,
    radius: float,
    limit: int,
    offset: int,
    driver_params: DriverParams,
    now: datetime | None = None,
) -> Result:
    now = now or utcnow()
    requested = _instant_param(at, "at")
    provisional = provisional_utc(requested) if requested else now
    page = reads.bays_within(
        session,
        lon=lon,
        lat=lat,
        radius=radius,
        limit=limit,
        offset=offset,
        window_start=provisional - timedelta(days=1),
        window_end=provisional + settings.horizon + timedelta(days=2),
        known_regulations=cache.known_ids(),
    )
    ctx = _Context(session, cache, settings, page.sources)
    regulations = ctx.regulations(page.regulations)
    driver = driver_params.driver()
    tz = ctx.authority(page.places[0]["source"]).timezone if page.places else ctx.default_timezone()
    instant = _local_instant(requested, tz, "at", now)
    features = []
    changes: list[datetime] = []
    attributions: list[str] = []
    for row in page.places:
        authority = ctx.authority(row["source"])
        answer = _evaluate(_place(row, regulations), driver, instant, authority)
        properties = {**_ref_fields(row), **_status(answer, authority.timezone), "suspended": bool(answer.suspended)}
        features.append(_feature(row, properties))
        changes.extend(_answer_changes(answer))
        attribution = ctx.attribution(row["source"])
        if attribution and attribution not in attributions:
            attributions.append(attribution)
    body = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": page.matched,
        "numberReturned": len(features),
        "at": iso(instant, tz),
        "attribution": attributions,
    }
    return Result(body=body, changes=changes, live=requested is None)


# --- GET /v1/bays/{source}/{ref} --------------------------------------------------------------------------------


def _bay_row(session: Session, source: str, ref: str, start: datetime, end: datetime) -> dict[str, Any]:
    if "\x00" in source or "\x00" in ref:
        raise NotFound(f"No live bay {source!r}/{ref!r}.")
    row = reads.bay(session, source=source, ref=ref, window_start=start, window_end=end)
    if row is None:
        raise NotFound(f"No live bay {ref!r} in source {source!r}.")
    return row


def _single_bay(
    session: Session, cache: RegulationCache, settings: Settings, row: dict[str, Any]
) -> tuple[_Context, Authority, Place]:
    """The request context, authority and place of one bay row from :func:`_bay_row`."""
    ctx = _Context(session, cache, settings, [row["source_meta"]])
    place = _place(row, ctx.regulations([row["regulation"]]))
    return ctx, ctx.authority(row["source"]), place


def bay(
    session: Session,
    cache: RegulationCache,
    settings: Settings,
    *,
    source: str,
    ref: str,
    at: str | None,
    driver_params: DriverParams,
    now: datetime | None = None,
) -> Result:
    now = now or utcnow()
    requested = _instant_param(at, "at")
    provisional = provisional_utc(requested) if requested else now
    start = min(now, provisional) - timedelta(days=1)
    end = max(now, provisional) + timedelta(days=400)
    row = _bay_row(session, source, ref, start, end)
    ctx, authority, place = _single_bay(session, cache, settings, row)
    tz = authority.timezone
    instant = _local_instant(requested, tz, "at", now)
    answer = _evaluate(place, driver_params.driver(), instant, authority)
    # current and future suspensions, as of the instant answered when it is earlier than now (a past ``at`` whose
    # status is "suspended" lists the suspension that says why)
    since = min(now, instant)
    current = [s for s in place.suspensions if s.end > since]
    zone_meta = row.get("zone_meta")
    properties = {
        **_ref_fields(row),
        "distance_m": 0.0,
        "geometry_quality": row.get("geom_quality") or "",
        "regulation": present.regulation_json(place.regulation),
        "suspensions": [{"start": iso(s.start, tz), "end": iso(s.end, tz), "reason": s.reason} for s in current],
        "status": {"at": iso(instant, tz), **_status(answer, tz)},
        "zone_hours": present.zone_hours(zone_meta.get("hours")) if zone_meta else None,
        "data_as_of": ctx.data_as_of(row["source"]),
        "attribution": ctx.attribution(row["source"]),
    }
    body = _feature(row, properties)
    changes = _answer_changes(answer)
    changes.extend(s.start for s in current if s.start > now)
    changes.extend(s.end for s in current)
    return Result(body=body, changes=changes, live=requested is None)


# --- GET /v1/bays/{source}/{ref}/schedule -----------------------------------------------------------------------


def schedule(
    session: Session,
    cache: RegulationCache,
    settings: Settings,
    *,
    source: str,
    ref: str,
    start_raw: str | None,
    end_raw: str | None,
    driver_params: DriverParams,
    now: datetime | None = None,
) -> Result:
    from parking_api.engine.evaluate import timeline

    now = now or utcnow()
    start_req = _instant_param(start_raw, "from")
    end_req = _instant_param(end_raw, "to")
    start_prov = provisional_utc(start_req) if start_req else now
    end_prov = provisional_utc(end_req) if end_req else start_prov + DEFAULT_SCHEDULE
    if end_prov - start_prov > MAX_SCHEDULE + timedelta(days=1):
        raise BadParameter("to", "must be at most 31 days after from")
    row = _bay_row(session, source, ref, start_prov - timedelta(days=2), end_prov + timedelta(days=2))
    _, authority, place = _single_bay(session, cache, settings, row)
    tz = authority.timezone
    start = _local_instant(start_req, tz, "from", now)
    end = localize_param(end_req, tz, "to") if end_req else start + DEFAULT_SCHEDULE
    if end <= start:
        raise BadParameter("to", "must be after from")
    if end - start > MAX_SCHEDULE:
        raise BadParameter("to", "must be at most 31 days after from")
    driver = driver_params.driver()
    segments = timeline(place, driver, start, end, authority)
    intervals = []
    for segment in segments:
        interval = {
            "start": iso(segment.start, tz),
            "end": iso(segment.end, tz),
            "can_park": bool(segment.allowed),
            "payment_required": bool(segment.payment_required),
            "max_stay": segment.max_stay,
            "suspended": bool(segment.suspended),
        }
        interval["reason"] = _segment_reason(segment, place, driver, authority)
        intervals.append(interval)
    body = {
        "source": row["source"],
        "ref": str(row["ref"]),
        "from": iso(start, tz),
        "to": iso(end, tz),
        "timezone": tz,
        "intervals": intervals,
    }
    changes = [segment.end for segment in segments[:1]]
    return Result(body=body, changes=changes, live=start_req is None)


def _segment_reason(segment: Any, place: Place, driver: Driver, authority: Authority) -> str:
    from parking_api.engine.evaluate import evaluate, rule_label

    if segment.suspended:
        return "Suspended"
    if segment.rule is not None:
        return rule_label(segment.rule)
    if segment.allowed:
        return "No restriction"
    # rules are in effect but none is for this driver: the evaluator says whom the kerb is for
    answer = evaluate(place, driver, segment.start, authority, horizon=timedelta(minutes=1))
    return answer.reason


# --- zones and sources ------------------------------------------------------------------------------------------


def normalise_zone_code(code: str) -> str:
    return normalise_permit(code.replace("\x00", ""))


def zones(session: Session, *, code: str | None = None) -> Result:
    if code is not None:
        code = normalise_zone_code(code)
        if not code or len(code) > 32:
            raise NotFound(f"No zone {code!r}.")
    rows = reads.zones(session, code=code)
    if code is not None and not rows:
        raise NotFound(f"No zone {code!r}: zone codes look like CA-F.")
    features = [_feature(row, _zone_json(row)) for row in rows]
    body = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": len(features),
        "numberReturned": len(features),
    }
    return Result(body=body)


def sources(session: Session) -> Result:
    out = []
    for row in reads.sources(session):
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
                "published_at": iso(_dt(row.get("published_at")), tz),
                "last_loaded_at": iso(_dt(row.get("last_loaded_at")), tz),
                "bays": int(row.get("bays") or 0),
                "zones": int(row.get("zones") or 0),
            }
        )
    return Result(body={"sources": out})
