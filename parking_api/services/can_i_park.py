"""Can this driver park here at this time, and until when? The answer for a GPS position: the nearest bay (bays
covering the point equally weighed together), else the zone's controlled hours, else "no data"; with nearby
alternatives when the answer is no."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from parking_api.engine.evaluate import Answer
from parking_api.engine.model import Driver
from parking_api.engine.wording import phrase, say
from parking_api.services.choice import choose, most_restrictive_zone
from parking_api.services.context import Context, Evaluated, Found
from parking_api.store import reads

ALTERNATIVES_RADIUS_M = 300.0
ALTERNATIVES_POOL = 50
ALTERNATIVES_SHOWN = 5
TIE_METRES = 1.0

CAVEAT_LINES = say(phrase("caveat.lines"))
CAVEAT_SUSPENSIONS = say(phrase("caveat.suspensions"))
CAVEAT_NO_DATA = say(phrase("caveat.no_data"))
CAVEAT_ACCURACY = say(phrase("caveat.accuracy"))
REMIND_BEFORE = 10  # minutes


@dataclass(frozen=True)
class CanIPark:
    """The answer for a point. ``basis`` says what answers: a ``bay`` (``answering`` is the chosen bay, ``zone`` the
    polygon the point lies in), a ``zone_default`` (``answering`` is the zone) or ``no_data`` (``answering`` is
    None)."""

    basis: str
    at: datetime
    timezone: str
    driver: Driver
    stay: int | None
    answering: Evaluated | None
    zone: dict[str, Any] | None
    candidates: list[Evaluated]
    alternatives: list[Evaluated]
    caveats: list[str]
    source: dict[str, Any] | None
    live: bool
    pay_by_phone_providers: dict[str, str]
    remind_at: datetime | None = None

    @property
    def ambiguous(self) -> bool:
        """Whether bays within the position's accuracy disagree about whether this driver may park."""
        if self.answering is None:
            return False
        mine = bool(self.answering.answer.can_park)
        return any(bool(item.answer.can_park) is not mine for item in self.candidates)

    @property
    def changes(self) -> list[datetime]:
        answers = [self.answering, *self.candidates, *self.alternatives]
        return [t for item in answers if item is not None for t in item.changes]


def can_i_park(
    context: Context,
    *,
    lat: float,
    lon: float,
    at: datetime | None,
    accuracy: float,
    driver: Driver,
    stay: int | None,
    remind_before: int = REMIND_BEFORE,
) -> CanIPark:
    moment = context.moment(at)
    ahead = max(context.settings.horizon, timedelta(minutes=stay or 0))
    read, found = context.read_places(
        reads.nearby,
        moment,
        ahead,
        lon=lon,
        lat=lat,
        accuracy=accuracy,
        near_radius=ALTERNATIVES_RADIUS_M,
        near_limit=ALTERNATIVES_POOL,
        forecast_at=moment.requested or context.now,
    )
    candidates = [row for row in read.places if row.get("candidate")]
    # The time zone that reads a naive ``at``: the nearest candidate's source, else the zone's, else any source's.
    anchor = candidates[0]["source"] if candidates else (read.zones[0]["source"] if read.zones else None)
    tz = found.timezone(anchor)
    instant = moment.local(tz)

    others: list[Evaluated] = []
    answering: Evaluated | None
    if candidates:
        nearest = float(candidates[0]["distance_m"])
        evaluated = [found.evaluate(row, driver, instant, stay=stay) for row in candidates]
        answering = choose([item for item in evaluated if float(item.row["distance_m"]) <= nearest + TIE_METRES])
        others = [item for item in evaluated if item is not answering]
        basis, zone = "bay", _zone_of(read.zones, answering.row.get("zone"))
        caveats = [CAVEAT_LINES, CAVEAT_SUSPENSIONS, *answering.answer.caveats]
        if others:
            caveats.append(CAVEAT_ACCURACY)
    elif read.zones:
        answering = most_restrictive_zone([found.evaluate_zone(row, driver, instant, stay=stay) for row in read.zones])
        basis, zone = "zone_default", answering.row
        caveats = [CAVEAT_LINES, *answering.answer.caveats]
    else:
        answering, basis, zone = None, "no_data", None
        caveats = [CAVEAT_NO_DATA, CAVEAT_LINES]
    wanted = answering is None or _wants_alternatives(answering, stay)
    shown_already = {id(item.row) for item in others}
    pool = [row for row in read.places if id(row) not in shown_already]
    alternatives = _alternatives(found, pool, answering, driver, instant, stay) if wanted else []
    shown = [item for item in (answering, *others, *alternatives) if item is not None]
    for item in shown:
        reads.geometry_of(item.row)
    return CanIPark(
        basis=basis,
        at=instant,
        timezone=answering.timezone if answering else tz,
        driver=driver,
        stay=stay,
        answering=answering,
        zone=zone,
        candidates=others,
        alternatives=alternatives,
        caveats=caveats,
        source=found.source(answering.row["source"] if answering else None),
        live=moment.live or any(item.availability.live for item in shown),
        pay_by_phone_providers=context.settings.pay_by_phone_provider_map,
        remind_at=reminder(answering.answer, remind_before) if answering else None,
    )


def reminder(answer: Answer, before: int) -> datetime | None:
    """When to remind the driver: ``before`` minutes before the first of ``until`` and payment becoming due again
    (counted in real time, so across a clock change too), never before the instant asked about; None when the
    driver may not park or nothing ends the stay within the horizon."""
    if not answer.can_park:
        return None
    due = [t.astimezone(UTC) for t in (answer.until, answer.pay_from) if t is not None]
    if not due:
        return None
    return max(min(due) - timedelta(minutes=before), answer.at.astimezone(UTC)).astimezone(answer.at.tzinfo)


def _wants_alternatives(answering: Evaluated, stay: int | None) -> bool:
    """Alternatives are offered when the driver may not park, or may not stay as long as planned."""
    return not answering.answer.can_park or (stay is not None and answering.answer.stay_ok is False)


def _zone_of(zones: list[dict[str, Any]], bay_zone: str | None) -> dict[str, Any] | None:
    """The zone polygon the point lies in, preferring one of the bay's own zone code."""
    if not zones:
        return None
    same = [z for z in zones if bay_zone and z.get("code") == bay_zone]
    return (same or zones)[0]


def _alternatives(
    found: Found,
    places: list[dict[str, Any]],
    answering: Evaluated | None,
    driver: Driver,
    instant: datetime,
    stay: int | None,
) -> list[Evaluated]:
    """Up to :data:`ALTERNATIVES_SHOWN` other places nearby where the driver may park (and stay): those with a space
    free now (live counts) first, then nearest first. The places are put in that order before any is evaluated
    (availability needs no evaluation), so evaluating stops at the fifth that qualifies."""
    nearby = [
        (found.availability(row).has_free_space, float(row["distance_m"]), row)
        for row in places
        if (answering is None or row is not answering.row) and float(row["distance_m"]) <= ALTERNATIVES_RADIUS_M
    ]
    nearby.sort(key=lambda item: (not item[0], item[1]))  # stable: ties keep the read's order
    out: list[Evaluated] = []
    for _free, _distance, row in nearby:
        alternative = found.evaluate(row, driver, instant, stay=stay)
        if not alternative.answer.can_park or (stay is not None and alternative.answer.stay_ok is False):
            continue
        out.append(alternative)
        if len(out) == ALTERNATIVES_SHOWN:
            break
    return out
