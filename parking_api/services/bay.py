"""One bay: what are its rules, suspensions and status for the driver, and what is its week (its schedule)?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from parking_api.engine.evaluate import evaluate
from parking_api.engine.model import Driver, Place, Suspension
from parking_api.engine.timeline import Segment, timeline
from parking_api.engine.wording import Phrase, phrase, rule_label
from parking_api.errors import InvalidInput, UnknownBay
from parking_api.services.context import Context, Evaluated, Found, local_instant, provisional_utc
from parking_api.store import reads

MAX_SCHEDULE = timedelta(days=31)
DEFAULT_SCHEDULE = timedelta(days=7)
DETAIL_AHEAD = timedelta(days=400)  # suspensions read for a bay's detail: every one still to come, in practice


@dataclass(frozen=True)
class BayDetail:
    """A bay as read (``status.row``), its place (regulation and suspensions), its status at ``at`` and the
    suspensions current or to come (as of ``at`` when that is earlier than now)."""

    status: Evaluated
    place: Place
    at: datetime
    suspensions: list[Suspension]
    source: dict[str, Any] | None
    changes: list[datetime]
    live: bool


@dataclass(frozen=True)
class Interval:
    segment: Segment
    reason: Phrase


@dataclass(frozen=True)
class Schedule:
    """The driver's status at one bay over [``start``, ``end``), in stretches of constant status."""

    row: dict[str, Any]
    start: datetime
    end: datetime
    timezone: str
    intervals: list[Interval]
    changes: list[datetime]
    live: bool


def bay(context: Context, *, source: str, ref: str, at: datetime | None, driver: Driver) -> BayDetail:
    moment = context.moment(at)
    start = min(context.now, moment.provisional) - timedelta(days=1)
    end = max(context.now, moment.provisional) + DETAIL_AHEAD
    row, found, place = _live_bay(context, source, ref, start, end, forecast_at=moment.requested or context.now)
    tz = found.timezone(row["source"])
    instant = moment.local(tz)
    status = Evaluated(row, found.answer(place, driver, instant), tz, found.availability(row))
    # current and future suspensions, as of the instant answered when it is earlier than now (a past ``at`` whose
    # status is "suspended" lists the suspension that says why)
    since = min(context.now, instant)
    current = [s for s in place.suspensions if s.end > since]
    changes = status.changes
    changes.extend(s.start for s in current if s.start > context.now)
    changes.extend(s.end for s in current)
    live = moment.live or status.availability.live
    return BayDetail(status, place, instant, current, found.source(row["source"]), changes, live)


def schedule(
    context: Context, *, source: str, ref: str, start: datetime | None, end: datetime | None, driver: Driver
) -> Schedule:
    """``start`` defaults to now, ``end`` to :data:`DEFAULT_SCHEDULE` after ``start``; at most
    :data:`MAX_SCHEDULE` apart."""
    moment = context.moment(start)
    start_utc = moment.provisional
    end_utc = provisional_utc(end) if end else start_utc + DEFAULT_SCHEDULE
    if end_utc - start_utc > MAX_SCHEDULE + timedelta(days=1):  # before reading; the exact check follows
        raise InvalidInput("to", "must be at most 31 days after from")
    row, found, place = _live_bay(context, source, ref, start_utc - timedelta(days=2), end_utc + timedelta(days=2))
    tz = found.timezone(row["source"])
    local_start = moment.local(tz, "from")
    local_end = local_instant(end, tz, "to") if end else local_start + DEFAULT_SCHEDULE
    if local_end <= local_start:
        raise InvalidInput("to", "must be after from")
    # in elapsed time: two datetimes of one time zone subtract as wall clocks, an hour off across a clock change
    if local_end.astimezone(UTC) - local_start.astimezone(UTC) > MAX_SCHEDULE:
        raise InvalidInput("to", "must be at most 31 days after from")
    authority = found.authority(row["source"])
    segments = timeline(place, driver, local_start, local_end, authority)
    intervals = [Interval(segment, _reason(segment, place, driver, found)) for segment in segments]
    changes = [segment.end for segment in segments[:1]]
    return Schedule(row, local_start, local_end, tz, intervals, changes, moment.live)


def _live_bay(
    context: Context,
    source: str,
    ref: str,
    window_start: datetime,
    window_end: datetime,
    *,
    forecast_at: datetime | None = None,
) -> tuple[dict[str, Any], Found, Place]:
    """The bay's row, what was found with it and its place (with the availability forecast for the hour of
    ``forecast_at``); :class:`UnknownBay` when it is not live."""
    if "\x00" in source or "\x00" in ref:
        raise UnknownBay(f"No live bay {source!r}/{ref!r}.")
    row = reads.bay(
        context.session, source=source, ref=ref, window_start=window_start, window_end=window_end,
        forecast_at=forecast_at,
    )  # fmt: skip
    if row is None:
        raise UnknownBay(f"No live bay {ref!r} in source {source!r}.")
    found = context.found([row["source_meta"]], [row["regulation"]])
    return row, found, found.place(row)


def _reason(segment: Segment, place: Place, driver: Driver, found: Found) -> Phrase:
    """An interval's reason in words (said in the request's language by the API)."""
    if segment.suspended:
        return phrase("interval.suspended")
    if segment.rule is not None:
        return rule_label(segment.rule)
    if segment.allowed:
        return phrase("interval.unrestricted")
    # rules are in effect but none is for this driver: the evaluator says whom the kerb is for
    authority = found.authority(place.source)
    answer = evaluate(place, driver, segment.start, authority, horizon=timedelta(minutes=1))
    return answer.reason_words
