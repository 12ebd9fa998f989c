"""Usage benchmark: the zone-month usage query over about 10,000,000 events made by the simulator.

Outside CI. Needs a PostGIS server (DATABASE_URL, as for the tests); uses its own database ``parking_bench_usage``.

1. the bundled Camden zones and 1,000 bays, loaded by the real loader;
2. ``parking simulate --source camden --hours 24`` from ``--start`` through the real ingest (about 275,000 events);
3. that day copied onto the following ``--days`` − 1 days in SQL (events with new ids and shifted times, and their
   sessions), since the ingest alone would need hours for ten million events; then ``ANALYZE``;
4. the verdicts of the month's sessions in the zone (as the first request would judge them, timed once), then the
   zone-month queries, each ``--runs`` times (median, min, max): ``/v1/usage/bays`` and ``/v1/usage/zones`` with
   ``granularity=total`` and ``day``, through the real Flask app and a council key — first with every day's online
   time read from the raw events, then after settling the days (``usage_online`` and ``usage_hours``, as
   ``parking usage refresh`` does; it judges the stays it settles first, here only the zone-month's are judged),
   and whether the two gave identical answers;
5. the forecast refresh, and ``/v1/can-i-park`` at bays' points with and without forecasts to read.

    .venv/bin/python bench/bench_usage.py [--zone CA-B] [--days 37] [--start 2026-09-28] [--runs 5] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, make_url, pool, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders import runner  # noqa: E402
from parking_api.app import create_app  # noqa: E402
from parking_api.services import forecast, keys  # noqa: E402
from parking_api.services import usage as service  # noqa: E402
from parking_api.settings import Settings  # noqa: E402
from parking_api.store import migrate  # noqa: E402
from parking_api.store import usage as store  # noqa: E402
from parking_api.store.db import make_engine, sqlalchemy_url  # noqa: E402

DATABASE = "parking_bench_usage"

COPY_EVENTS = """
INSERT INTO events (event_id, event_time, place_id, source_id, event_type, event_source, session_key, space,
                    occupied, vehicle_type, permits, badge, plate_hash, key_id, payload)
SELECT gen_random_uuid(), e.event_time + make_interval(days => :n), e.place_id, e.source_id, e.event_type,
       e.event_source, e.session_key || ':' || :n, e.space, e.occupied, e.vehicle_type, e.permits, e.badge,
       e.plate_hash, e.key_id, '{}'::jsonb
  FROM events e
 WHERE e.event_time >= :lo AND e.event_time < :hi
"""
COPY_SESSIONS = """
INSERT INTO parking_sessions (place_id, session_key, space, started_at, ended_at, vehicle_type, permits, badge,
                              plate_hash, simulated)
SELECT s.place_id, s.session_key || ':' || :n, s.space, s.started_at + make_interval(days => :n),
       s.ended_at + make_interval(days => :n), s.vehicle_type, s.permits, s.badge, s.plate_hash, s.simulated
  FROM parking_sessions s
 WHERE s.started_at >= :lo AND s.started_at < :hi
"""


def bench_url(reuse: bool) -> str:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("set DATABASE_URL (a database on the PostGIS server to use)")
    url = make_url(sqlalchemy_url(base)).set(database=DATABASE)
    if not reuse:
        admin = create_engine(url.set(database="postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
    return url.render_as_string(hide_password=False)


def generate(url: str, start: date, days: int) -> None:
    migrate.upgrade(url)
    for kind, relative in runner.BUNDLED:
        report = runner.run_load(url, kind, str(runner.bundled_path(relative)))
        assert report.ok, report.error
    t0 = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/parking"), "simulate", "--source", "camden", "--hours", "24", "--seed", "13",
         "--start", f"{start.isoformat()}T00:00:00Z"],
        env={**os.environ, "DATABASE_URL": url}, check=True,
    )  # fmt: skip
    print(f"simulated one day in {time.perf_counter() - t0:.0f} s")
    lo, hi = f"{start.isoformat()}T00:00:00Z", f"{(start + timedelta(days=1)).isoformat()}T00:00:00Z"
    engine = make_engine(url, statement_timeout_ms=0)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for n in range(1, days):
            conn.execute(text("SELECT ensure_event_partition(:at)"), {"at": start + timedelta(days=n)})
    for n in range(1, days):
        with engine.begin() as conn:
            conn.execute(text(COPY_EVENTS), {"n": n, "lo": lo, "hi": hi})
            conn.execute(text(COPY_SESSIONS), {"n": n, "lo": lo, "hi": hi})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    print(f"copied onto {days - 1} more days in {time.perf_counter() - t0:.0f} s")
    engine.dispose()


def council_key(url: str) -> str:
    engine = make_engine(url, pool_size=1)
    with Session(engine) as session, session.begin():
        key = keys.create(session, role="council", name="bench", rate=1000, burst=1000).key
    engine.dispose()
    return key


def timed(client, path: str, query: dict[str, str], headers: dict[str, str], runs: int) -> tuple[list[float], list]:
    times, rows = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path, query_string=query, headers=headers)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        rows = response.get_json()["rows"]
    return times, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zone", default="CA-B")
    parser.add_argument("--days", type=int, default=37)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 9, 28))
    parser.add_argument("--month", type=date.fromisoformat, default=date(2026, 10, 1), help="First day of the month.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="Measure the database a previous run generated.")
    parser.add_argument("--skip-live", action="store_true", help="Skip the queries over raw events (slow).")
    args = parser.parse_args()
    url = bench_url(args.reuse)
    if not args.reuse:
        generate(url, args.start, args.days)
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        sessions = conn.execute(text("SELECT count(*) FROM parking_sessions")).scalar_one()
        bays = conn.execute(text("SELECT count(*) FROM places WHERE zone = :z"), {"z": args.zone}).scalar_one()
    engine.dispose()
    month_end = (args.month.replace(day=28) + timedelta(days=4)).replace(day=1)
    print(f"{events:,} events, {sessions:,} sessions; zone {args.zone}: {bays} bays; month {args.month}..{month_end}")

    settings = Settings(database_url=url, statement_timeout_ms=600_000, db_timeout_ms=600_000, rate_limit="1000,10000")
    app = create_app(settings, testing=True)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {council_key(url)}"}
    query = {"zone": args.zone, "from": args.month.isoformat(), "to": month_end.isoformat(),
             "include_simulated": "true"}  # fmt: skip
    engine = make_engine(url, statement_timeout_ms=0)
    t0 = time.perf_counter()
    with Session(engine) as session, session.begin():
        tz = service.timezone_of(session, None)
        when = service.period(args.month, month_end, tz)
        judged = service.judge_period(session, settings, store.Scope(zone=args.zone, include_simulated=True), when)
    print(f"judged the zone-month's {judged:,} sessions (as a first request would) in {time.perf_counter() - t0:.0f} s")
    with Session(engine) as session, session.begin():
        session.execute(text("DELETE FROM usage_online"))
        session.execute(text("DELETE FROM usage_hours"))
        session.execute(text("DELETE FROM usage_settled"))
    live = None
    if not args.skip_live:
        live = measure(client, query, headers, args.runs, "online time from the raw events")
    t0 = time.perf_counter()
    with Session(engine) as session, session.begin():
        end = _midnight(args.start + timedelta(days=args.days))
        days = store.settle_online(session, until=end, stale=timedelta(seconds=600))
    print(f"settled {days} days of online time in {time.perf_counter() - t0:.0f} s")
    settled = measure(client, query, headers, args.runs, "settled days (usage_online and usage_hours)")
    if live is not None:
        print("settled answers identical to the raw ones:", settled == live)
    t0 = time.perf_counter()
    end = _midnight(args.start + timedelta(days=args.days))
    with Session(engine) as session, session.begin():
        rows = forecast.refresh(session, Settings(database_url=url), now=end)
    print(f"forecast refresh: {rows:,} rows in {time.perf_counter() - t0:.0f} s")
    driver_path(client, engine)
    engine.dispose()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def measure(client, query: dict[str, str], headers: dict[str, str], runs: int, label: str) -> list[list]:
    """Each query ``runs`` times (median, min, max); returns each one's answer."""
    print(f"{label}:")
    answers = []
    for path, granularity in (("/v1/usage/zones", "total"), ("/v1/usage/zones", "day"), ("/v1/usage/bays", "total"),
                              ("/v1/usage/bays", "day")):  # fmt: skip
        times, rows = timed(client, path, {**query, "granularity": granularity}, headers, runs)
        answers.append(rows)
        print(f"| `{path}?granularity={granularity}` | {len(rows)} | {statistics.median(times) * 1000:,.0f} ms"
              f" | {min(times) * 1000:,.0f} ms | {max(times) * 1000:,.0f} ms |")
    return answers


def driver_path(client, engine, requests: int = 200) -> None:
    """``/v1/can-i-park`` at bays' points (an ``at`` in the history, so bays are ``unknown`` and forecasts apply),
    with the forecasts in place and then without any, after one warm-up pass (caches filled)."""
    with engine.connect() as conn:
        points = conn.execute(
            text("SELECT ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom)) FROM places ORDER BY id LIMIT 50")
        ).all()
    at = "2026-10-20T10:15:00"

    def run() -> tuple[list[float], int]:
        times, with_forecast = [], 0
        for i in range(requests):
            lat, lon = points[i % len(points)]
            t0 = time.perf_counter()
            response = client.get("/v1/can-i-park", query_string={"lat": lat, "lon": lon, "at": at})
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            body = response.get_json()
            shown = [body["bay"], *body["candidates"], *body["alternatives"]]
            with_forecast += sum(1 for item in shown if item and item["availability_forecast"])
        return times, with_forecast

    run()  # warm-up
    for label in ("with forecasts", "without forecasts"):
        times, with_forecast = run()
        print(f"/v1/can-i-park {label}: median {statistics.median(times) * 1000:.1f} ms over {requests}"
              f" ({with_forecast} bays shown with a forecast)")
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM bay_forecasts"))

if __name__ == "__main__":
    main()
