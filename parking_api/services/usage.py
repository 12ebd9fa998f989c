"""The council's usage questions: metrics per bay or zone and bucket, the overstays, and the drivers' forecast.

Sessions ended in the period are judged first (:mod:`parking_api.usage.judge`), once per start and end; the
aggregates are SQL (:mod:`parking_api.store.usage`). Metrics are ``None`` where the bay's (or zone's) data was
offline for the whole bucket, except ``online_percent`` (0) and ``suspension_hours`` (known from the suspensions).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from parking_api.engine.clock import NonexistentLocalTime, localize
from parking_api.engine.model import Place, Suspension, regulation_from_json
from parking_api.errors import InvalidInput
from parking_api.services.authorities import DEFAULT_TIMEZONE, authority_for
from parking_api.services.context import stamp, zone
from parking_api.settings import Settings
from parking_api.store import reads
from parking_api.store import usage as store
from parking_api.store.usage import Scope
from parking_api.usage.judge import judge

MAX_SPAN = {"hour": timedelta(days=31), "day": timedelta(days=366), "total": timedelta(days=366)}
MAX_OVERSTAYS = 10_000
BAY_COLUMNS = ("source", "ref", "zone", "road", "spaces")
ZONE_COLUMNS = ("source", "zone", "bays", "spaces")
METRIC_COLUMNS = (
    "bucket_start", "bucket_end", "total_sessions", "turnover", "average_dwell_time", "median_dwell_time",
    "occupancy_percent", "overstays", "unverifiable_sessions", "suspension_hours", "online_percent",
)  # fmt: skip
OVERSTAY_COLUMNS = (
    "source", "ref", "zone", "road", "started_at", "ended_at", "dwell_minutes", "allowed_until", "overstay_minutes",
    "kind", "rule", "simulated",
)  # fmt: skip


@dataclass(frozen=True)
class Period:
    """[``start``, ``end``) in the authority's zone ``tz``."""

    start: datetime
    end: datetime
    tz: str


def period(start: datetime | date, end: datetime | date, tz: str, *, unit: str = "total") -> Period:
    """The period ``from``–``to`` asked for: a date is local midnight, a naive date-time local time (an error in
    the spring gap); ``to`` after ``from`` and at most :data:`MAX_SPAN` of ``unit`` later."""
    lo = _instant(start, tz, "from")
    hi = _instant(end, tz, "to")
    if hi <= lo:
        raise InvalidInput("to", "must be after from")
    if hi - lo > MAX_SPAN[unit] + timedelta(hours=1):
        raise InvalidInput("to", f"must be at most {MAX_SPAN[unit].days} days after from for granularity {unit}")
    return Period(lo, hi, tz)


def _instant(value: datetime | date, tz: str, name: str) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is not None:
        return value.astimezone(zone(tz))
    try:
        return localize(value, tz)
    except NonexistentLocalTime:
        raise InvalidInput(name, f"{value.isoformat()} does not exist in {tz} (the clocks go forward)") from None


def timezone_of(session: Session, source: str | None) -> str:
    """The zone buckets are cut in: the source's, else the first source's, else London's."""
    rows = reads.sources(session)
    for row in rows:
        if source is None or row["name"] == source:
            return row.get("timezone") or DEFAULT_TIMEZONE
    return DEFAULT_TIMEZONE


def judge_period(session: Session, settings: Settings, scope: Scope, when: Period) -> int:
    """Judge the ended sessions of ``scope`` starting in the period that have no verdict for their current times;
    returns how many were judged."""
    rows = store.sessions_to_judge(session, scope, lo=when.start, hi=when.end)
    if not rows:
        return 0
    sources = {s["name"]: s for s in reads.sources(session)}
    regulations = {
        r["id"]: regulation_from_json(r["definition"])
        for r in reads.regulations(session, sorted({row["regulation_id"] for row in rows}))
    }
    verdicts = []
    for row in rows:
        source = sources.get(row["source"]) or {"name": row["source"], "timezone": DEFAULT_TIMEZONE}
        authority = authority_for(source, green_badge_zones=settings.green_badge_zones,
                                  horizon_days=settings.horizon_days)  # fmt: skip
        place = Place(
            source=row["source"],
            ref=str(row["ref"]),
            kind=row.get("kind") or "bay",
            regulation=regulations[row["regulation_id"]],
            suspensions=tuple(
                Suspension(stamp(s["start"]), stamp(s["end"]), s.get("reason") or "")
                for s in (row["suspensions"] or [])
            ),
            restriction_type=row.get("restriction_type") or "",
            zone=row.get("zone"),
        )
        tzinfo = zone(authority.timezone)
        found = judge(
            place,
            authority,
            started_at=row["started_at"].astimezone(tzinfo),
            ended_at=row["ended_at"].astimezone(tzinfo),
            vehicle_type=row.get("vehicle_type"),
            permits=row.get("permits"),
            badge=row.get("badge"),
        )
        verdicts.append(
            (row["id"], row["started_at"], row["ended_at"], found.verdict, found.kind, found.allowed_until, found.rule)
        )
    store.save_verdicts(session, verdicts)
    return len(verdicts)


def usage(
    session: Session, settings: Settings, scope: Scope, when: Period, *, by: str, unit: str, now: datetime
) -> list[dict[str, Any]]:
    """The metric rows per bay (``by="bay"``) or zone (``"zone"``) and bucket (see the module docstring). Only
    the stays outside the settled hours are judged here: the settled ones were judged when they were settled."""
    a1, b0 = store.split(session, when.start, when.end, when.tz)
    for lo, hi in ((when.start, a1), (b0, when.end)):
        if hi > lo:
            judge_period(session, settings, scope, Period(lo, hi, when.tz))
    store.local_time(session, when.tz)
    raw = store.metrics(
        session, scope, by=by, unit=unit, lo=when.start, hi=when.end, now=now, stale=settings.stale_after,
        windows=(a1, b0),
    )  # fmt: skip
    return [_row(r, by, when.tz) for r in raw]


def settle(session: Session, settings: Settings, *, until: datetime, rebuild: bool = False) -> int:
    """Judge every stay of the days to settle (so that the settled hours count their overstays), then settle
    them up to ``until`` (:func:`parking_api.store.usage.settle_online`). Returns the days settled."""
    start = None if rebuild else store.settled_until(session)
    first = start or store.first_start(session)
    if first is not None and first < until:
        tz = timezone_of(session, None)
        judge_period(session, settings, Scope(include_simulated=True), Period(first, until, tz))
    return store.settle_online(session, until=until, stale=settings.stale_after, rebuild=rebuild)


def _round(value: Any, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _row(raw: dict[str, Any], by: str, tz: str) -> dict[str, Any]:
    online = float(raw["online_s"] or 0)
    bucket = float(raw["bucket_s"] or 0)
    seen = online > 0
    head = (
        {"source": raw["source"], "ref": str(raw["ref"]), "zone": raw["zone"], "road": raw["road"],
         "spaces": int(raw["spaces"])}
        if by == "bay"
        else {"source": raw["source"], "zone": raw["zone"], "bays": int(raw["bays"]), "spaces": int(raw["spaces"])}
    )  # fmt: skip
    capacity = float(raw["capacity_s"] or 0)
    sessions = int(raw["sessions"])
    return {
        **head,
        "bucket_start": _iso(raw["bucket_start"], tz),
        "bucket_end": _iso(raw["bucket_end"], tz),
        "total_sessions": sessions if seen else None,
        "turnover": round(sessions / int(raw["spaces"]), 2) if seen else None,
        "average_dwell_time": _round(raw["dwell_avg"], 1) if seen else None,
        "median_dwell_time": _round(raw["dwell_median"], 1) if seen else None,
        "occupancy_percent": round(min(100.0, 100 * float(raw["occupied_s"]) / capacity), 1) if seen else None,
        "overstays": int(raw["overstays"]) if seen else None,
        "unverifiable_sessions": int(raw["unverifiable"]) if seen else None,
        "suspension_hours": round(float(raw["suspended_s"]) / 3600, 2),
        "online_percent": round(100 * online / (bucket * int(raw["bays"])), 1) if bucket else 0.0,
    }


def _iso(value: datetime | None, tz: str) -> str | None:
    if value is None:
        return None
    return value.astimezone(zone(tz)).isoformat(timespec="seconds")


def overstays(
    session: Session, settings: Settings, scope: Scope, when: Period, *, limit: int = MAX_OVERSTAYS
) -> list[dict[str, Any]]:
    """The overstays of sessions starting in the period, with the rule in words, in time order."""
    judge_period(session, settings, scope, when)
    out = []
    for r in store.overstays(session, scope, lo=when.start, hi=when.end, limit=limit):
        allowed = r["allowed_until"]
        over = (r["ended_at"] - allowed).total_seconds() / 60 if allowed else float(r["dwell_minutes"])
        out.append(
            {
                "source": r["source"],
                "ref": str(r["ref"]),
                "zone": r["zone"],
                "road": r["road"],
                "started_at": _iso(r["started_at"], when.tz),
                "ended_at": _iso(r["ended_at"], when.tz),
                "dwell_minutes": round(float(r["dwell_minutes"]), 1),
                "allowed_until": _iso(allowed, when.tz),
                "overstay_minutes": round(over, 1),
                "kind": r["kind"],
                "rule": r["rule"],
                "simulated": bool(r["simulated"]),
            }
        )
    return out


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """The rows as CSV with a header, in ``columns`` order; null is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return out.getvalue()


def columns(by: str) -> tuple[str, ...]:
    return (BAY_COLUMNS if by == "bay" else ZONE_COLUMNS) + METRIC_COLUMNS
