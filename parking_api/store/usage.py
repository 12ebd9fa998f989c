"""The SQL of usage: sessions and online time per bucket, the verdicts on sessions, overstays, and the forecast.

Every aggregate is computed here, in one statement each, in the transaction's ``TimeZone`` (set to the authority's
zone by :func:`local_time`), so that ``date_trunc('day', …)`` and ``+ interval '1 day'`` are local days (23 or 25
hours on a clock-change day) and hours are real hours.

The pipeline shared by metrics and forecast:

- ``online``: per bay, the union (a multirange) of the times its data was online: from each event that is not
  ``comms_lost`` until the bay's next event, at most the staleness limit later (what live availability would have
  called ``live``), clipped to the period and to now; a ``comms_lost`` at the same instant as another event is
  taken as coming after it. Before ``usage_settled.until`` it is read from ``usage_online`` (kept per UTC day by
  :func:`settle_online`), after it from the raw events;
- ``steps``: per bay, the number of sessions open at each instant (a running sum of +1 at each start, −1 at each
  end), as stretches of constant count;
- ``pieces``: those stretches within the online time, cut at bucket boundaries; a piece's length counts as online
  time, ``min(count, spaces)`` × length as occupied space-time, and its length again as full time when the count
  reaches the bay's spaces.

When a day is settled the same pipeline, run over that UTC day, keeps every bay's sums per hour in ``usage_hours``
(with each ended stay's dwell seconds); :func:`metrics` then reads the period's whole settled hours from it and runs
the pipeline only over the raw windows before and after them (:func:`split`). Every sum is ``numeric`` seconds, so
the two paths add up to the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg2.extras import execute_values
from sqlalchemy import text
from sqlalchemy.orm import Session

UNITS = ("hour", "day", "total")
LONGEST_STAY_DAYS = 31
"""A stay occupies its space at most this long after its start (a departure never reported)."""
FORECAST_WEEKS = 8


@dataclass(frozen=True)
class Scope:
    """Which bays: of one zone code and/or source, among the sources a key may read (``None``: all)."""

    zone: str | None = None
    source: str | None = None
    sources: Sequence[str] | None = None
    include_simulated: bool = False


def local_time(session: Session, tz: str) -> None:
    """Make the transaction's local time ``tz`` (for bucket arithmetic; reset at its end)."""
    session.execute(text("SELECT set_config('TimeZone', :tz, true)"), {"tz": tz})


_BAYS = """
bays AS MATERIALIZED (
    SELECT p.id AS place_id, s.name AS source, p.ref, p.zone, p.road, greatest(coalesce(p.spaces, 1), 1) AS spaces,
           {group} AS grp
      FROM places p
      JOIN sources s ON s.id = p.source_id
     WHERE (p.retired_at IS NULL OR p.retired_at > :lo)
       AND (CAST(:zone AS text) IS NULL OR p.zone = :zone)
       AND (CAST(:source AS text) IS NULL OR s.name = :source)
       AND (CAST(:sources AS text[]) IS NULL OR s.name = ANY(CAST(:sources AS text[])))
)"""

# The raw windows of [lo, hi): [lo, a1) and [b0, hi), read from the sessions and events; [a1, b0) is read from
# ``usage_hours`` (see :func:`split`). Sessions overlapping a window: those starting in it, and those started up to
# LONGEST_STAY_DAYS before it and still there at its start (one range of the (place_id, started_at) index per bay and
# window). ``stop`` is where a session stops occupying: its end, at most LONGEST_STAY_DAYS after its start.
_SESSIONS = f"""
wins AS (
    SELECT w0, w1
      FROM (VALUES (CAST(:lo AS timestamptz), CAST(:a1 AS timestamptz)),
                   (CAST(:b0 AS timestamptz), CAST(:hi AS timestamptz))) w(w0, w1)
     WHERE w1 > w0
),
ses AS MATERIALIZED (
    SELECT DISTINCT ps.id, ps.place_id, ps.started_at, ps.ended_at, x.stop, ps.simulated
      FROM bays b
     CROSS JOIN wins w
      JOIN parking_sessions ps
        ON ps.place_id = b.place_id AND ps.started_at >= w.w0 - interval '{LONGEST_STAY_DAYS} days'
       AND ps.started_at < w.w1
     CROSS JOIN LATERAL (SELECT least(coalesce(ps.ended_at, 'infinity'),
                                      ps.started_at + interval '{LONGEST_STAY_DAYS} days') AS stop) x
     WHERE (ps.started_at >= w.w0 OR x.stop > w.w0)
       AND (:include_simulated OR NOT ps.simulated)
)"""

_PIECES = """
ev AS (
    SELECT e.place_id, e.event_time, e.event_type,
           lead(e.event_time) OVER (PARTITION BY e.place_id
                                     ORDER BY e.event_time, e.event_type = 'comms_lost') AS next_time
      FROM bays b
      JOIN events e ON e.place_id = b.place_id
     WHERE e.event_time >= greatest(CAST(:lo AS timestamptz), CAST(:settled AS timestamptz))
                           - CAST(:stale AS interval)
       AND e.event_time < :hi
       AND (:include_simulated OR e.event_source IS DISTINCT FROM 'simulator')
),
live_online AS (
    SELECT place_id, a, z
      FROM (SELECT place_id, greatest(event_time, :lo, :settled) AS a,
                   least(coalesce(next_time, 'infinity'), event_time + CAST(:stale AS interval), :hi, :now) AS z
              FROM ev
             WHERE event_type <> 'comms_lost') x
     WHERE z > a
),
stored_online AS (
    SELECT u.place_id, lower(r) AS a, upper(r) AS z
      FROM bays b
      JOIN usage_online u
        ON u.place_id = b.place_id AND u.with_simulated = :include_simulated
       AND u.day >= (CAST(:lo AS timestamptz) AT TIME ZONE 'UTC')::date
       AND u.day <= (least(CAST(:hi AS timestamptz), CAST(:settled AS timestamptz)) AT TIME ZONE 'UTC')::date
       AND (u.day <= (CAST(:a1 AS timestamptz) AT TIME ZONE 'UTC')::date
            OR u.day >= (CAST(:b0 AS timestamptz) AT TIME ZONE 'UTC')::date)
     CROSS JOIN LATERAL unnest(u.online * tstzmultirange(tstzrange(
           :lo, greatest(CAST(:lo AS timestamptz), least(CAST(:hi AS timestamptz), :settled, :now))))) AS r
),
online AS MATERIALIZED (
    SELECT place_id, range_agg(tstzrange(a, z))
                     * tstzmultirange(tstzrange(:lo, :a1), tstzrange(:b0, :hi)) AS mr
      FROM (SELECT * FROM live_online UNION ALL SELECT * FROM stored_online) x
     GROUP BY place_id
),
deltas AS (
    SELECT place_id, greatest(started_at, :lo) AS t, 1 AS d FROM ses
    UNION ALL
    SELECT place_id, stop, -1 FROM ses WHERE stop < :hi
    UNION ALL
    SELECT place_id, CAST(:lo AS timestamptz), 0 FROM online
),
steps AS (
    SELECT place_id, t, sum(d) OVER w AS n, coalesce(lead(t) OVER w, :hi) AS t_next
      FROM deltas
    WINDOW w AS (PARTITION BY place_id ORDER BY t)
),
pieces AS (
    SELECT st.place_id, st.n, b.spaces, lower(r) AS a, upper(r) AS z
      FROM steps st
      JOIN online o ON o.place_id = st.place_id
      JOIN bays b ON b.place_id = st.place_id
     CROSS JOIN LATERAL unnest(o.mr * tstzmultirange(tstzrange(st.t, st.t_next))) AS r
     WHERE st.t_next > st.t
),
cut AS (
    SELECT p.place_id, p.n, p.spaces, k.bucket,
           extract(epoch FROM least(p.z, k.bucket + {step}) - greatest(p.a, k.bucket)) AS seconds
      FROM pieces p
     CROSS JOIN LATERAL (SELECT {bucket_of_series} AS bucket) k
)"""


def _bucketing(unit: str) -> dict[str, str]:
    """SQL fragments for the buckets of ``unit``: the step, a bucket's start for an instant, and every bucket a
    piece ``[a, z)`` touches. ``total`` is one bucket from ``lo`` to ``hi``."""
    if unit == "total":
        return {
            "step": "(CAST(:hi AS timestamptz) - CAST(:lo AS timestamptz))",
            "bucket_of": "CAST(:lo AS timestamptz)",
            "bucket_of_series": "CAST(:lo AS timestamptz)",
            "buckets": "SELECT CAST(:lo AS timestamptz) AS bucket",
        }
    step = f"interval '1 {unit}'"
    return {
        "step": step,
        "bucket_of": f"date_trunc('{unit}', {{t}})",
        "bucket_of_series": f"generate_series(date_trunc('{unit}', p.a), p.z - interval '1 microsecond', {step})",
        "buckets": f"""SELECT generate_series(date_trunc('{unit}', CAST(:lo AS timestamptz)),
                                      CAST(:hi AS timestamptz) - interval '1 microsecond', {step}) AS bucket""",
    }


def _group_sql(by: str) -> str:
    return "p.id::text" if by == "bay" else "s.name || '/' || coalesce(p.zone, '')"


def metrics(
    session: Session, scope: Scope, *, by: str, unit: str, lo: datetime, hi: datetime, now: datetime,
    stale: timedelta, windows: tuple[datetime, datetime],
) -> list[dict[str, Any]]:  # fmt: skip
    """The usage metrics per bay (``by="bay"``) or per zone (``"zone"``) and bucket, in bucket order; the caller
    sets the local time first (:func:`local_time`). Seconds and counts are raw; the caller rounds. ``windows``:
    :func:`split`'s answer for the period. Dwell times are minutes."""
    parts = _bucketing(unit)
    bucket_of_start = parts["bucket_of"].format(t="s.started_at")
    bucket_of_hour = parts["bucket_of"].format(t="h.hour")
    a1, b0 = windows
    sql = f"""
WITH {_BAYS.format(group=_group_sql(by))},
{_SESSIONS},
{_PIECES.format(step=parts["step"], bucket_of_series=parts["bucket_of_series"])},
groups AS (
    SELECT grp, min(source) AS source, min(ref) AS ref, min(zone) AS zone, min(road) AS road,
           sum(spaces) AS spaces, count(*) AS bays
      FROM bays GROUP BY grp
),
buckets AS ({parts["buckets"]}),
hrs AS (
    SELECT b.grp, b.spaces, {bucket_of_hour} AS bucket, h.online_s, h.occupied_s, h.sessions, h.overstays,
           h.unverifiable, h.dwell_s
      FROM bays b
      JOIN usage_hours h
        ON h.place_id = b.place_id AND h.with_simulated = :include_simulated AND h.hour >= :a1 AND h.hour < :b0
),
time_agg AS (
    SELECT grp, bucket, sum(online_s) AS online_s, sum(capacity_s) AS capacity_s, sum(occupied_s) AS occupied_s
      FROM (SELECT b.grp, c.bucket, c.seconds AS online_s, c.spaces * c.seconds AS capacity_s,
                   least(c.n, c.spaces) * c.seconds AS occupied_s
              FROM cut c JOIN bays b ON b.place_id = c.place_id
             WHERE c.seconds > 0
             UNION ALL
            SELECT grp, bucket, online_s, spaces * online_s, occupied_s FROM hrs) x
     GROUP BY grp, bucket
),
starts AS (
    SELECT b.grp, {bucket_of_start} AS bucket, 1 AS sessions, (v.verdict = 'overstay')::int AS overstays,
           (v.verdict = 'unverifiable')::int AS unverifiable,
           CASE WHEN s.ended_at IS NULL THEN '{{}}'::numeric[]
                ELSE ARRAY[extract(epoch FROM s.ended_at - s.started_at)] END AS dwell_s
      FROM ses s
      JOIN bays b ON b.place_id = s.place_id
      LEFT JOIN session_verdicts v ON v.session_id = s.id AND v.started_at = s.started_at AND v.ended_at = s.ended_at
     WHERE s.started_at >= :lo AND s.started_at < :hi AND NOT (s.started_at >= :a1 AND s.started_at < :b0)
     UNION ALL
    SELECT grp, bucket, sessions, overstays, unverifiable, dwell_s FROM hrs WHERE sessions > 0
),
counts AS MATERIALIZED (
    SELECT grp, bucket, sum(sessions) AS sessions, sum(coalesce(overstays, 0)) AS overstays,
           sum(coalesce(unverifiable, 0)) AS unverifiable
      FROM starts
     GROUP BY grp, bucket
),
dwells AS MATERIALIZED (
    SELECT grp, bucket, avg(d) / 60 AS dwell_avg, percentile_cont(0.5) WITHIN GROUP (ORDER BY d) / 60 AS dwell_median
      FROM starts CROSS JOIN LATERAL unnest(dwell_s) AS d
     GROUP BY grp, bucket
),
session_agg AS (
    SELECT c.grp, c.bucket, c.sessions, d.dwell_avg, d.dwell_median, c.overstays, c.unverifiable
      FROM counts c
      LEFT JOIN dwells d ON d.grp = c.grp AND d.bucket = c.bucket
),
susp AS (
    SELECT su.place_id, range_agg(tstzrange(greatest(su.starts_at, :lo), least(su.ends_at, :hi))) AS mr
      FROM suspensions su JOIN bays b ON b.place_id = su.place_id
     WHERE su.ends_at > :lo AND su.starts_at < :hi
     GROUP BY su.place_id
),
susp_agg AS (
    SELECT b.grp, k.bucket, sum(extract(epoch FROM least(upper(r), k.bucket + {parts["step"]})
                                         - greatest(lower(r), k.bucket))) AS suspended_s
      FROM susp
      JOIN bays b ON b.place_id = susp.place_id
     CROSS JOIN LATERAL unnest(susp.mr) AS r
     CROSS JOIN LATERAL (SELECT {parts["bucket_of_series"].replace("p.a", "lower(r)").replace("p.z", "upper(r)")}
                                AS bucket) k
     GROUP BY b.grp, k.bucket
)
SELECT g.source, g.ref, g.zone, g.road, g.spaces, g.bays,
       greatest(k.bucket, CAST(:lo AS timestamptz)) AS bucket_start,
       least(k.bucket + {parts["step"]}, CAST(:hi AS timestamptz)) AS bucket_end,
       extract(epoch FROM least(k.bucket + {parts["step"]}, CAST(:hi AS timestamptz))
                          - greatest(k.bucket, CAST(:lo AS timestamptz))) AS bucket_s,
       coalesce(t.online_s, 0) AS online_s, coalesce(t.capacity_s, 0) AS capacity_s,
       coalesce(t.occupied_s, 0) AS occupied_s,
       coalesce(sa.sessions, 0) AS sessions, sa.dwell_avg, sa.dwell_median,
       coalesce(sa.overstays, 0) AS overstays, coalesce(sa.unverifiable, 0) AS unverifiable,
       coalesce(sp.suspended_s, 0) AS suspended_s
  FROM groups g
 CROSS JOIN buckets k
  LEFT JOIN time_agg t ON t.grp = g.grp AND t.bucket = k.bucket
  LEFT JOIN session_agg sa ON sa.grp = g.grp AND sa.bucket = k.bucket
  LEFT JOIN susp_agg sp ON sp.grp = g.grp AND sp.bucket = k.bucket
 ORDER BY g.source, {"g.ref" if by == "bay" else "g.zone"}, k.bucket
"""
    params = _params(scope, lo=lo, hi=hi, now=now, stale=stale, settled=_settled(session), a1=a1, b0=b0)
    # The planner's estimates for the bucket cross joins are huge, so JIT would spend seconds compiling a statement
    # that runs in a fraction of that.
    session.execute(text("SELECT set_config('jit', 'off', true)"))
    rows = session.execute(text(sql), params).mappings().all()
    return [dict(r) for r in rows]


def split(session: Session, lo: datetime, hi: datetime, tz: str) -> tuple[datetime, datetime]:
    """Where ``usage_hours`` answers for [lo, hi): ``(a1, b0)``, the whole settled hours from ``lo`` rounded up to
    ``hi`` rounded down or the settled instant; the raw windows [lo, a1) and [b0, hi) are read from the sessions
    and events. ``(hi, hi)`` (all raw) when no whole settled hour is inside, or when ``tz``'s offset is not whole
    hours in the period (a local day would cut a settled hour)."""
    offsets = {t.astimezone(ZoneInfo(tz)).utcoffset() for t in (lo, hi)}
    whole = all(o is not None and o.total_seconds() % 3600 == 0 for o in offsets)
    start = lo.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if start < lo:
        start += timedelta(hours=1)
    end = min(hi.astimezone(UTC).replace(minute=0, second=0, microsecond=0), _settled(session))
    if not whole or end <= start:
        return hi, hi
    return start, end


def _settled(session: Session) -> datetime:
    return settled_until(session) or datetime(1970, 1, 1, tzinfo=UTC)


def settled_until(session: Session) -> datetime | None:
    """The instant before which ``usage_online`` holds the online time (``None``: nothing settled yet)."""
    return session.execute(text("SELECT until FROM usage_settled")).scalar_one_or_none()


def first_start(session: Session) -> datetime | None:
    """When the first stay began (``None``: none yet)."""
    return session.execute(text("SELECT min(started_at) FROM parking_sessions")).scalar_one()


def _params(scope: Scope, **extra: Any) -> dict[str, Any]:
    return {
        "zone": scope.zone,
        "source": scope.source,
        "sources": list(scope.sources) if scope.sources is not None else None,
        "include_simulated": scope.include_simulated,
        **extra,
    }


def sessions_to_judge(session: Session, scope: Scope, *, lo: datetime, hi: datetime) -> list[dict[str, Any]]:
    """Ended sessions starting in [lo, hi) with no verdict for their current start and end, with what judging
    them needs: the bay's regulation, zone and kind, its suspensions near the session, and its source."""
    sql = f"""
WITH {_BAYS.format(group="NULL")}
SELECT ps.id, ps.started_at, ps.ended_at, ps.vehicle_type, ps.permits, ps.badge,
       b.source, b.ref, b.zone, p.kind, p.restriction_type, p.regulation_id,
       (SELECT coalesce(json_agg(json_build_object('start', su.starts_at, 'end', su.ends_at, 'reason', su.reason)
                                 ORDER BY su.starts_at), '[]'::json)
          FROM suspensions su
         WHERE su.place_id = ps.place_id AND su.ends_at > ps.started_at - interval '1 day'
           AND su.starts_at < ps.ended_at + interval '1 day') AS suspensions
  FROM bays b
  JOIN places p ON p.id = b.place_id
  JOIN parking_sessions ps ON ps.place_id = b.place_id AND ps.started_at >= :lo AND ps.started_at < :hi
  LEFT JOIN session_verdicts v ON v.session_id = ps.id
 WHERE ps.ended_at IS NOT NULL AND (:include_simulated OR NOT ps.simulated)
   AND (v.session_id IS NULL OR v.started_at <> ps.started_at OR v.ended_at <> ps.ended_at)
 ORDER BY ps.place_id, ps.started_at
"""
    rows = session.execute(text(sql), _params(scope, lo=lo, hi=hi)).mappings().all()
    return [dict(r) for r in rows]


def save_verdicts(session: Session, verdicts: Iterable[tuple[Any, ...]]) -> None:
    """Upsert ``(session_id, started_at, ended_at, verdict, kind, allowed_until, rule)`` rows."""
    rows = list(verdicts)
    if not rows:
        return
    cursor = session.connection().connection.cursor()
    try:
        execute_values(
            cursor,
            """INSERT INTO session_verdicts (session_id, started_at, ended_at, verdict, kind, allowed_until, rule)
               VALUES %s
               ON CONFLICT (session_id) DO UPDATE SET started_at = excluded.started_at, ended_at = excluded.ended_at,
                   verdict = excluded.verdict, kind = excluded.kind, allowed_until = excluded.allowed_until,
                   rule = excluded.rule, judged_at = now()""",
            rows,
            page_size=1000,
        )
    finally:
        cursor.close()


def overstays(session: Session, scope: Scope, *, lo: datetime, hi: datetime, limit: int) -> list[dict[str, Any]]:
    """The sessions starting in [lo, hi) judged overstays (for their current times), in time order."""
    sql = f"""
WITH {_BAYS.format(group="NULL")}
SELECT b.source, b.ref, b.zone, b.road, ps.started_at, ps.ended_at,
       extract(epoch FROM ps.ended_at - ps.started_at) / 60 AS dwell_minutes,
       v.kind, v.allowed_until, v.rule, ps.simulated
  FROM bays b
  JOIN parking_sessions ps ON ps.place_id = b.place_id AND ps.started_at >= :lo AND ps.started_at < :hi
  JOIN session_verdicts v ON v.session_id = ps.id AND v.started_at = ps.started_at AND v.ended_at = ps.ended_at
 WHERE v.verdict = 'overstay' AND (:include_simulated OR NOT ps.simulated)
 ORDER BY ps.started_at, b.source, b.ref
 LIMIT :limit
"""
    rows = session.execute(text(sql), _params(scope, lo=lo, hi=hi, limit=limit)).mappings().all()
    return [dict(r) for r in rows]


def refresh_forecasts(session: Session, *, now: datetime, stale: timedelta, tz: str) -> int:
    """Recompute ``bay_forecasts`` for every bay from the :data:`FORECAST_WEEKS` whole weeks of local hours
    before the current hour (simulated data included: it is all a demo has). Returns the rows written."""
    local_time(session, tz)
    hi = session.execute(text("SELECT date_trunc('hour', CAST(:now AS timestamptz))"), {"now": now}).scalar_one()
    lo = hi - timedelta(weeks=FORECAST_WEEKS)
    parts = _bucketing("hour")
    scope = Scope(include_simulated=True)
    sql = f"""
WITH {_BAYS.format(group="NULL")},
{_SESSIONS},
{_PIECES.format(step=parts["step"], bucket_of_series=parts["bucket_of_series"])},
per_hour AS (
    SELECT place_id, bucket, sum(seconds) AS online_s, sum(seconds) FILTER (WHERE n >= spaces) AS full_s
      FROM cut WHERE seconds > 0 GROUP BY place_id, bucket
),
slots AS (
    SELECT place_id,
           ((extract(isodow FROM bucket)::int - 1) * 24 + extract(hour FROM bucket)::int) AS hour_of_week,
           sum(online_s - coalesce(full_s, 0)) / nullif(sum(online_s), 0) AS share_free,
           count(DISTINCT date_trunc('week', bucket)) AS weeks
      FROM per_hour
     GROUP BY 1, 2
),
written AS (
    INSERT INTO bay_forecasts (place_id, hour_of_week, share_free, weeks, computed_at)
    SELECT place_id, hour_of_week, share_free, weeks, :now FROM slots
    RETURNING 1
)
SELECT count(*) FROM written
"""
    session.execute(text("DELETE FROM bay_forecasts"))
    params = _params(scope, lo=lo, hi=hi, now=now, stale=stale, settled=_settled(session), a1=hi, b0=hi)
    return int(session.execute(text(sql), params).scalar_one())


def forecasts(session: Session, wanted: Sequence[tuple[int, int]]) -> dict[int, dict[str, Any]]:
    """The forecast rows for ``(place_id, hour_of_week)`` pairs, by place (one indexed statement)."""
    if not wanted:
        return {}
    rows = session.execute(
        text(
            """SELECT f.place_id, f.share_free, f.weeks
                 FROM unnest(CAST(:places AS bigint[]), CAST(:hours AS smallint[])) AS k(place_id, hour_of_week)
                 JOIN bay_forecasts f ON f.place_id = k.place_id AND f.hour_of_week = k.hour_of_week"""
        ),
        {"places": [p for p, _ in wanted], "hours": [h for _, h in wanted]},
    ).all()
    return {r[0]: {"share_free": r[1], "weeks": r[2]} for r in rows}


def dwell_minutes(session: Session, scope: Scope, *, lo: datetime, hi: datetime) -> list[float]:
    """The dwell time (minutes) of every ended session of ``scope`` starting in [lo, hi)."""
    sql = f"""
WITH {_BAYS.format(group="NULL")}
SELECT extract(epoch FROM ps.ended_at - ps.started_at) / 60
  FROM bays b
  JOIN parking_sessions ps ON ps.place_id = b.place_id AND ps.started_at >= :lo AND ps.started_at < :hi
 WHERE ps.ended_at IS NOT NULL AND (:include_simulated OR NOT ps.simulated)
"""
    return [float(v) for v in session.execute(text(sql), _params(scope, lo=lo, hi=hi)).scalars()]


def max_stays(session: Session, scope: Scope) -> list[int]:
    """The distinct maximum stays (minutes) the rules of ``scope``'s bays set."""
    sql = f"""
WITH {_BAYS.format(group="NULL")}
SELECT DISTINCT (rule->>'max_stay')::int
  FROM bays b
  JOIN places p ON p.id = b.place_id
  JOIN regulations r ON r.id = p.regulation_id
 CROSS JOIN LATERAL jsonb_array_elements(r.definition->'rules') AS rule
 WHERE rule->>'max_stay' IS NOT NULL
 ORDER BY 1
"""
    live = _params(scope, lo=datetime.now(UTC))  # the bays' rules now
    return [int(v) for v in session.execute(text(sql), live).scalars()]


SETTLE_DAY = """
INSERT INTO usage_online (place_id, day, with_simulated, online)
SELECT place_id, CAST(:day AS date), :with_simulated, range_agg(tstzrange(a, z))
  FROM (SELECT place_id, greatest(event_time, :d0) AS a,
               least(coalesce(next_time, 'infinity'), event_time + CAST(:stale AS interval), :d1) AS z
          FROM (SELECT e.place_id, e.event_time, e.event_type,
                       lead(e.event_time) OVER (PARTITION BY e.place_id
                                                 ORDER BY e.event_time, e.event_type = 'comms_lost') AS next_time
                  FROM events e
                 WHERE e.event_time >= CAST(:d0 AS timestamptz) - CAST(:stale AS interval) AND e.event_time < :d1
                   AND (:with_simulated OR e.event_source IS DISTINCT FROM 'simulator')) ev
         WHERE event_type <> 'comms_lost') x
 WHERE z > a
 GROUP BY place_id
ON CONFLICT (place_id, day, with_simulated) DO UPDATE SET online = excluded.online
"""


_HOUR_PARTS = _bucketing("hour")
SETTLE_HOURS = f"""
WITH bays AS MATERIALIZED (
    SELECT p.id AS place_id, greatest(coalesce(p.spaces, 1), 1) AS spaces FROM places p
),
{_SESSIONS},
{_PIECES.format(step=_HOUR_PARTS["step"], bucket_of_series=_HOUR_PARTS["bucket_of_series"])},
hour_time AS (
    SELECT place_id, bucket AS hour, sum(seconds) AS online_s, sum(least(n, spaces) * seconds) AS occupied_s
      FROM cut WHERE seconds > 0 GROUP BY place_id, bucket
),
hour_starts AS (
    SELECT s.place_id, date_trunc('hour', s.started_at) AS hour, count(*) AS sessions,
           count(*) FILTER (WHERE v.verdict = 'overstay') AS overstays,
           count(*) FILTER (WHERE v.verdict = 'unverifiable') AS unverifiable,
           coalesce(array_agg(extract(epoch FROM s.ended_at - s.started_at)) FILTER (WHERE s.ended_at IS NOT NULL),
                    '{{}}') AS dwell_s
      FROM ses s
      LEFT JOIN session_verdicts v ON v.session_id = s.id AND v.started_at = s.started_at AND v.ended_at = s.ended_at
     WHERE s.started_at >= :lo AND s.started_at < :hi
     GROUP BY s.place_id, date_trunc('hour', s.started_at)
)
INSERT INTO usage_hours (place_id, with_simulated, hour, online_s, occupied_s, sessions, overstays, unverifiable,
                         dwell_s)
SELECT coalesce(t.place_id, st.place_id), :include_simulated, coalesce(t.hour, st.hour), coalesce(t.online_s, 0),
       coalesce(t.occupied_s, 0), coalesce(st.sessions, 0), coalesce(st.overstays, 0), coalesce(st.unverifiable, 0),
       coalesce(st.dwell_s, '{{}}')
  FROM hour_time t
  FULL JOIN hour_starts st ON st.place_id = t.place_id AND st.hour = t.hour
"""


def _settle_hours(session: Session, day: datetime, stale: timedelta, with_simulated: bool) -> None:
    """Write ``usage_hours`` for the UTC day from ``day`` (its online time already in ``usage_online``): the same
    statement parts as :func:`metrics`, over every bay (retired or not) and hour of the day."""
    end = day + timedelta(days=1)
    session.execute(
        text("DELETE FROM usage_hours WHERE with_simulated = :w AND hour >= :d0 AND hour < :d1"),
        {"w": with_simulated, "d0": day, "d1": end},
    )
    session.execute(
        text(SETTLE_HOURS),
        {"lo": day, "hi": end, "a1": end, "b0": end, "settled": end, "now": end, "stale": stale,
         "include_simulated": with_simulated},
    )  # fmt: skip


def settle_online(session: Session, *, until: datetime, stale: timedelta, rebuild: bool = False) -> int:
    """Keep every bay's online time per UTC day in ``usage_online``, and its usage per hour in ``usage_hours``,
    from the last settled day (or the first event; every day again with ``rebuild``) up to ``until`` (a UTC
    midnight), and move ``usage_settled`` there. The stays are counted with the verdicts they have then (the
    caller judges them first: :func:`parking_api.services.usage.settle`); events, stays and verdicts that change
    later for a settled day are not counted until a rebuild. Returns the days settled."""
    current = None if rebuild else settled_until(session)
    local_time(session, "UTC")  # hours of usage_hours are UTC hours
    if rebuild:
        session.execute(text("DELETE FROM usage_online"))
        session.execute(text("DELETE FROM usage_hours"))
    start = current or session.execute(text("SELECT min(event_time) FROM events")).scalar_one()
    if start is None:
        return 0
    day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    settled = 0
    while day + timedelta(days=1) <= until:
        for with_simulated in (False, True):
            session.execute(
                text(SETTLE_DAY),
                {"day": day.date(), "d0": day, "d1": day + timedelta(days=1), "stale": stale,
                 "with_simulated": with_simulated},
            )  # fmt: skip
            _settle_hours(session, day, stale, with_simulated)
        day += timedelta(days=1)
        settled += 1
    if settled or rebuild:
        session.execute(
            text("INSERT INTO usage_settled (id, until) VALUES (1, :t) ON CONFLICT (id) DO UPDATE SET until = :t"),
            {"t": max(day, current) if current else day},
        )
    return settled
