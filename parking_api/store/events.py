"""The SQL of live availability: storing a batch of events (idempotently, in the caller's transaction), pairing
sessions, keeping each bay's current occupancy, reading events back, and pruning raw events.

A batch is written in this order, so that concurrent batches neither race nor deadlock:

1. the monthly partitions the batch needs (``ensure_event_partition``, before any lock on ``events`` is held);
2. a transaction-scoped advisory lock per bay touched, in bay order (batches on the same bays queue; others not);
3. ``event_ids`` (``ON CONFLICT DO NOTHING``): an id another transaction already stored is a duplicate — if that
   transaction is still open, this one waits for its outcome, so an id is never accepted twice;
4. the raw events, the sessions they open or close, and the bays' occupancy rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extras import execute_values
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from parking_api.occupancy.events import Event, EventType
from parking_api.occupancy.pairing import Stay

OCCUPANCY_LOCK = 0x4F434355  # "OCCU": the advisory-lock namespace of bays' occupancy


@dataclass(frozen=True)
class Bay:
    place_id: int
    source_id: int
    source: str
    ref: str
    spaces: int | None


def bays(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Bay]:
    """The live bays named by ``(source, ref)`` pairs (one statement)."""
    pairs = sorted(set(keys))
    if not pairs:
        return {}
    rows = session.execute(
        text(
            """SELECT p.id, p.source_id, s.name, p.ref, p.spaces
                 FROM unnest(CAST(:sources AS text[]), CAST(:refs AS text[])) AS k(source, ref)
                 JOIN sources s ON s.name = k.source
                 JOIN places p ON p.source_id = s.id AND p.ref = k.ref AND p.retired_at IS NULL"""
        ),
        {"sources": [s for s, _ in pairs], "refs": [r for _, r in pairs]},
    ).all()
    return {(r[2], r[3]): Bay(r[0], r[1], r[2], r[3], r[4]) for r in rows}


def ensure_partitions(session: Session, times: Iterable[datetime]) -> None:
    """Make the monthly partitions these event times fall in (no-ops for the ones that exist).

    Creating a partition locks the whole ``events`` table until its transaction ends; held through a batch, that
    lock could deadlock with a batch that holds a bay's lock and waits to insert. So when the session is bound to
    an engine (the API), partitions are made in a short transaction of their own, committed at once; a session on
    a connection (an import, a test) makes them in its own transaction, before it takes any bay lock.
    """
    months = sorted({t.replace(day=1, hour=12, minute=0, second=0, microsecond=0) for t in times})
    if not months:
        return
    bind = session.get_bind()
    missing = [m for m in months if not _partition_exists(session, m)]
    if not missing:
        return
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            for month in missing:
                conn.execute(text("SELECT ensure_event_partition(:at)"), {"at": month})
    else:
        for month in missing:
            session.execute(text("SELECT ensure_event_partition(:at)"), {"at": month})


def _partition_exists(session: Session, month: datetime) -> bool:
    name = f"events_p{month:%Y%m}"
    return session.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar_one()


def lock_bays(session: Session, place_ids: Iterable[int]) -> None:
    """One transaction-scoped lock per bay, in bay order (so two batches never wait on each other in a cycle); the
    key folds a bigint id into the lock's int half (a collision only makes two bays share a lock)."""
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(:cls, (id % 2147483647)::int)"
            " FROM unnest(CAST(:ids AS bigint[])) id ORDER BY id"
        ),
        {"cls": OCCUPANCY_LOCK, "ids": sorted(set(place_ids))},
    )


def claim_event_ids(session: Session, claims: Sequence[tuple[uuid.UUID, int, datetime]]) -> set[uuid.UUID]:
    """Record ``(event_id, place_id, event_time)``; returns the ids that were new (the others are duplicates)."""
    if not claims:
        return set()
    rows = session.execute(
        text(
            """INSERT INTO event_ids (event_id, place_id, event_time)
               SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:places AS bigint[]), CAST(:times AS timestamptz[]))
               ON CONFLICT (event_id) DO NOTHING RETURNING event_id"""
        ),
        {
            "ids": [str(c[0]) for c in claims],
            "places": [c[1] for c in claims],
            "times": [c[2] for c in claims],
        },
    ).all()
    return {r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(str(r[0])) for r in rows}


def insert_events(session: Session, events: Sequence[tuple[Event, Bay, str | None]], *, key_id: str | None) -> None:
    """The raw events (``(event, bay, plate_hash)``), in one multi-row insert."""
    if not events:
        return
    rows = [
        (
            str(e.event_id),
            e.event_time,
            bay.place_id,
            bay.source_id,
            e.event_type.value,
            e.event_source,
            e.session_key,
            e.space,
            e.occupied,
            e.vehicle_type,
            list(e.permits) or None,
            e.badge,
            plate,
            key_id,
            json.dumps(e.payload, default=str),
        )
        for e, bay, plate in events
    ]
    cursor = session.connection().connection.cursor()
    try:
        execute_values(
            cursor,
            "INSERT INTO events (event_id, event_time, place_id, source_id, event_type, event_source, session_key,"
            " space, occupied, vehicle_type, permits, badge, plate_hash, key_id, payload) VALUES %s",
            rows,
            template="(%s::uuid, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::text[], %s, %s, %s, %s::jsonb)",
            page_size=1000,
        )
    finally:
        cursor.close()


def pairable_sessions(session: Session, keys: Iterable[tuple[int, str | None]], since: datetime) -> list[Stay]:
    """The stays a new start or end may pair with — of the same bay and key only: the open ones, and ends without
    a start since ``since``. (Reading every open stay of a bay would grow with each stay a sensor never closed.)"""
    wanted = sorted({(place, key or "") for place, key in keys})
    rows = session.execute(
        text(
            """SELECT s.id, s.place_id, s.session_key, s.space, s.started_at, s.ended_at, s.start_event_id,
                      s.end_event_id, s.vehicle_type, s.permits, s.badge, s.plate_hash, s.simulated
                 FROM unnest(CAST(:places AS bigint[]), CAST(:keys AS text[])) AS k(place_id, session_key)
                 JOIN parking_sessions s
                   ON s.place_id = k.place_id AND coalesce(s.session_key, '') = k.session_key
                WHERE s.ended_at IS NULL OR (s.started_at IS NULL AND s.ended_at >= :since)"""
        ),
        {"places": [p for p, _ in wanted], "keys": [k for _, k in wanted], "since": since},
    ).all()
    return [Stay(*row) for row in rows]


def save_sessions(session: Session, sessions: Iterable[Stay]) -> None:
    new = [s for s in sessions if s.id is None]
    changed = [s for s in sessions if s.id is not None and s.changed]
    columns = (
        "place_id, session_key, space, started_at, ended_at, start_event_id, end_event_id, vehicle_type, permits,"
        " badge, plate_hash, simulated"
    )
    cursor = session.connection().connection.cursor()
    try:
        if new:
            execute_values(
                cursor,
                f"INSERT INTO parking_sessions ({columns}) VALUES %s",
                [_session_values(s) for s in new],
                template="(%s, %s, %s, %s, %s, %s::uuid, %s::uuid, %s, %s::text[], %s, %s, %s)",
                page_size=1000,
            )
        if changed:
            execute_values(
                cursor,
                """UPDATE parking_sessions p SET started_at = v.started_at, ended_at = v.ended_at,
                          start_event_id = v.start_event_id, end_event_id = v.end_event_id,
                          vehicle_type = coalesce(p.vehicle_type, v.vehicle_type),
                          permits = coalesce(p.permits, v.permits), badge = coalesce(p.badge, v.badge),
                          plate_hash = coalesce(p.plate_hash, v.plate_hash)
                     FROM (VALUES %s) AS v(id, started_at, ended_at, start_event_id, end_event_id, vehicle_type,
                                           permits, badge, plate_hash)
                    WHERE p.id = v.id""",
                [
                    (
                        s.id,
                        s.started_at,
                        s.ended_at,
                        str(s.start_event_id) if s.start_event_id else None,
                        str(s.end_event_id) if s.end_event_id else None,
                        s.vehicle_type,
                        s.permits,
                        s.badge,
                        s.plate_hash,
                    )
                    for s in changed
                ],
                template="(%s::bigint, %s::timestamptz, %s::timestamptz, %s::uuid, %s::uuid, %s, %s::text[], %s, %s)",
                page_size=1000,
            )
    finally:
        cursor.close()


def _session_values(s: Stay) -> tuple[Any, ...]:
    return (
        s.place_id,
        s.session_key,
        s.space,
        s.started_at,
        s.ended_at,
        str(s.start_event_id) if s.start_event_id else None,
        str(s.end_event_id) if s.end_event_id else None,
        s.vehicle_type,
        s.permits,
        s.badge,
        s.plate_hash,
        s.simulated,
    )


def update_occupancy(session: Session, events: Sequence[Event], place_of: dict[uuid.UUID, int]) -> None:
    """Fold the accepted events into their bays' occupancy rows: the latest event (by event time, so late arrivals
    never overwrite newer news), the latest count report, whether only the simulator ever reported, then the count
    (the latest report plus the starts and minus the ends after it, or, without a report, the open sessions)."""
    latest: dict[int, dict[str, Any]] = {}
    for e in sorted(events, key=lambda e: e.event_time):
        place = place_of[e.event_id]
        row = latest.setdefault(
            place,
            {
                "observed_at": e.event_time,
                "type": e.event_type.value,
                "report_at": None,
                "reported": None,
                "count_at": None,
                "simulated": True,
            },
        )
        row["observed_at"], row["type"] = e.event_time, e.event_type.value
        row["simulated"] = row["simulated"] and e.simulated
        if e.event_type in (EventType.PARK_START, EventType.PARK_END, EventType.SCHEDULED_REPORT):
            row["count_at"] = e.event_time
        if e.event_type is EventType.SCHEDULED_REPORT:
            row["report_at"], row["reported"] = e.event_time, e.occupied
    if not latest:
        return
    places = sorted(latest)
    session.execute(
        text(
            """INSERT INTO occupancy AS o (place_id, observed_at, last_event_type, count_at, reported, report_at,
                                           simulated, occupied, updated_at)
               SELECT v.place_id, v.observed_at, v.type, v.count_at, v.reported, v.report_at, v.simulated, 0, now()
                 FROM unnest(CAST(:places AS bigint[]), CAST(:observed AS timestamptz[]), CAST(:types AS text[]),
                             CAST(:count_at AS timestamptz[]), CAST(:reported AS int[]),
                             CAST(:report_at AS timestamptz[]), CAST(:simulated AS boolean[]))
                      AS v(place_id, observed_at, type, count_at, reported, report_at, simulated)
               ON CONFLICT (place_id) DO UPDATE SET
                   last_event_type = CASE WHEN excluded.observed_at >= o.observed_at
                                          THEN excluded.last_event_type ELSE o.last_event_type END,
                   observed_at = greatest(o.observed_at, excluded.observed_at),
                   count_at = greatest(o.count_at, excluded.count_at),
                   reported = CASE WHEN excluded.report_at IS NOT NULL
                                    AND (o.report_at IS NULL OR excluded.report_at >= o.report_at)
                                   THEN excluded.reported ELSE o.reported END,
                   report_at = greatest(o.report_at, excluded.report_at),
                   simulated = o.simulated AND excluded.simulated,
                   updated_at = now()"""
        ),
        {
            "places": places,
            "observed": [latest[p]["observed_at"] for p in places],
            "types": [latest[p]["type"] for p in places],
            "count_at": [latest[p]["count_at"] for p in places],
            "reported": [latest[p]["reported"] for p in places],
            "report_at": [latest[p]["report_at"] for p in places],
            "simulated": [latest[p]["simulated"] for p in places],
        },
    )
    session.execute(
        text(
            """UPDATE occupancy o SET occupied = CASE
                   WHEN o.report_at IS NULL THEN
                       (SELECT count(*) FROM parking_sessions s
                         WHERE s.place_id = o.place_id AND s.ended_at IS NULL AND s.started_at IS NOT NULL)
                   ELSE greatest(0, o.reported
                       + (SELECT count(*) FROM parking_sessions s
                           WHERE s.place_id = o.place_id AND s.started_at > o.report_at)
                       - (SELECT count(*) FROM parking_sessions s
                           WHERE s.place_id = o.place_id AND s.ended_at > o.report_at))
                   END
             WHERE o.place_id = ANY(CAST(:places AS bigint[]))"""
        ),
        {"places": places},
    )


def read_events(
    session: Session,
    *,
    sources: Sequence[str] | None,
    source: str | None,
    ref: str | None,
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Stored events in ``[since, until)`` ordered by event time then id, from after the ``after`` cursor."""
    rows = (
        session.execute(
            text(
                """SELECT e.event_id::text AS event_id, e.event_time, e.payload
                     FROM events e
                     JOIN places p ON p.id = e.place_id
                     JOIN sources s ON s.id = e.source_id
                    WHERE (CAST(:source AS text) IS NULL OR s.name = :source)
                      AND (CAST(:ref AS text) IS NULL OR p.ref = :ref)
                      AND (CAST(:sources AS text[]) IS NULL OR s.name = ANY(CAST(:sources AS text[])))
                      AND (CAST(:since AS timestamptz) IS NULL OR e.event_time >= :since)
                      AND (CAST(:until AS timestamptz) IS NULL OR e.event_time < :until)
                      AND (CAST(:after_time AS timestamptz) IS NULL
                           OR (e.event_time, e.event_id) > (CAST(:after_time AS timestamptz), CAST(:after_id AS uuid)))
                    ORDER BY e.event_time, e.event_id
                    LIMIT :limit"""
            ),
            {
                "source": source,
                "ref": ref,
                "sources": list(sources) if sources is not None else None,
                "since": since,
                "until": until,
                "after_time": after[0] if after else None,
                "after_id": after[1] if after else None,
                "limit": limit,
            },
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def prune(session: Session, older_than: datetime) -> int:
    """Delete raw events older than ``older_than`` (whole partitions dropped where they lie entirely before it);
    sessions, occupancy and the ``event_ids`` record stay. Returns the number of events removed."""
    removed = 0
    partitions = session.execute(
        text(
            """SELECT c.relname, (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]
                 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'events'::regclass"""
        )
    ).all()
    for name, upper in partitions:
        if upper and datetime.fromisoformat(upper.replace(" ", "T")) <= older_than:
            removed += session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            session.execute(text(f'DROP TABLE "{name}"'))
    removed += session.execute(text("DELETE FROM events WHERE event_time < :t"), {"t": older_than}).rowcount
    return removed


def source_timezone(session: Session, source: str) -> str:
    tz = session.execute(text("SELECT timezone FROM sources WHERE name = :n"), {"n": source}).scalar_one_or_none()
    return tz or "Europe/London"


def bay_occupancy(session: Session, source: str, ref: str) -> dict[str, Any] | None:
    """A live bay with its spaces, time zone, occupancy row (``occupancy`` null when never observed) and its
    availability forecast for this hour of the week (``forecast``, null without one)."""
    row = (
        session.execute(
            text(
                """SELECT s.name AS source, p.ref, p.spaces, s.timezone,
                          CASE WHEN o.place_id IS NULL THEN NULL ELSE json_build_object(
                              'occupied', o.occupied, 'observed_at', o.observed_at,
                              'last_event_type', o.last_event_type, 'simulated', o.simulated) END AS occupancy,
                          (SELECT json_build_object('share_free', f.share_free, 'weeks', f.weeks)
                             FROM bay_forecasts f, LATERAL (SELECT now() AT TIME ZONE s.timezone AS t) w
                            WHERE f.place_id = p.id
                              AND f.hour_of_week = (extract(isodow FROM w.t)::int - 1) * 24
                                                   + extract(hour FROM w.t)::int) AS forecast
                     FROM places p
                     JOIN sources s ON s.id = p.source_id
                     LEFT JOIN occupancy o ON o.place_id = p.id
                    WHERE s.name = :source AND p.ref = :ref AND p.retired_at IS NULL"""
            ),
            {"source": source, "ref": ref},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
