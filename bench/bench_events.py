"""Ingest load test: concurrent clients post 100,000 occupancy events over loopback, with deliberate duplicates;
afterwards exactly the accepted ones are stored, once each, and none is lost. Then /v1/can-i-park is timed with live
availability in the answers, against the same service with no occupancy (every bay ``unknown``) in the same run.

Outside CI. Needs a PostGIS server (DATABASE_URL, as for the tests); uses its own database ``parking_bench_events``.

    .venv/bin/python bench/bench_events.py [--events 100000] [--clients 8] [--batch 500] [--duplicates 0.1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, make_url, pool, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parking_api.services import keys  # noqa: E402
from parking_api.store import migrate  # noqa: E402
from parking_api.store.db import make_engine, sqlalchemy_url  # noqa: E402

RESTORE_OCCUPANCY = "INSERT INTO occupancy SELECT * FROM json_populate_recordset(NULL::occupancy, CAST(:r AS json))"


def bench_url() -> str:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not base:
        sys.exit("set DATABASE_URL (a database on the PostGIS server to use)")
    url = make_url(sqlalchemy_url(base)).set(database="parking_bench_events")
    admin = create_engine(url.set(database="postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "parking_bench_events" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "parking_bench_events"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, key: str, body: list[dict]) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def make_batches(refs: list[str], total: int, batch: int, duplicates: float, rng: random.Random) -> list[list[dict]]:
    """``total`` distinct events in batches, plus ``duplicates`` × total re-sent copies mixed into later batches."""
    now = datetime.now(UTC)
    events = []
    for i in range(total):
        ref = rng.choice(refs)
        when = now - timedelta(seconds=rng.uniform(60, 7200))
        kind = rng.choice(["scheduled_report", "park_start", "park_end"])
        item = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "event_type": kind,
            "event_time": when.isoformat(),
            "bay": {"source": "camden", "ref": ref},
            "event_source": "in_ground",
            "event_session_id": f"s{i // 2}",
        }
        if kind == "scheduled_report":
            item["occupied"] = rng.randint(0, 1)
        events.append(item)
    copies = [dict(e) for e in rng.sample(events, int(total * duplicates))]
    stream = events + copies
    # copies go after their originals' positions, so most duplicates arrive in a later batch
    stream = events[: total // 2] + sorted(events[total // 2 :] + copies, key=lambda _: rng.random())
    return [stream[i : i + batch] for i in range(0, len(stream), batch)]


def time_can_i_park(base: str, points: list[tuple[float, float]], seconds: float, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        while time.monotonic() < stop:
            lat, lon = rng.choice(points)
            started = time.perf_counter()
            with urllib.request.urlopen(f"{base}/v1/can-i-park?lat={lat}&lon={lon}", timeout=30) as r:
                r.read()
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "req_s": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=10.0, help="each can-i-park timing run")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    url = bench_url()
    migrate.upgrade(url)
    from loaders import runner

    for kind, relative in runner.BUNDLED:
        assert runner.run_load(url, kind, str(Path(runner.__file__).parent / "data" / relative)).ok
    engine = make_engine(url)
    with engine.connect() as conn:
        refs = conn.execute(text("SELECT ref FROM places WHERE retired_at IS NULL")).scalars().all()
        points = conn.execute(
            text("SELECT ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom)) FROM places")
        ).all()
    with Session(engine) as session, session.begin():
        client_keys = [
            keys.create(session, role="sensor", name=f"bench {i}", rate=10_000, burst=100_000).key
            for i in range(args.clients)
        ]

    port = free_port()
    # no limits: one machine posts and asks from one address far above what a driver or a sensor would
    env = {**os.environ, "DATABASE_URL": url, "PARKING_LOG_LEVEL": "WARNING", "PARKING_RATE_LIMIT": "off"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/parking"), "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        rng = random.Random(7)
        batches = make_batches(refs, args.events, args.batch, args.duplicates, rng)
        sent = sum(len(b) for b in batches)
        queue = list(enumerate(batches))
        lock = threading.Lock()
        results: list[dict] = []

        def client(key: str) -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    _, batch = queue.pop(0)
                body = post(f"{base}/v1/events", key, batch)
                with lock:
                    results.extend(zip(batch, body["results"], strict=True))

        began = time.monotonic()
        threads = [threading.Thread(target=client, args=(k,)) for k in client_keys]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - began

        accepted = {e["event_id"] for e, r in results if r["status"] == "accepted"}
        statuses = {s: sum(1 for _, r in results if r["status"] == s) for s in ("accepted", "duplicate", "rejected")}
        distinct = {e["event_id"] for e, _ in results}
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*), count(DISTINCT event_id) FROM events")).one()
            ids = conn.execute(text("SELECT count(*) FROM event_ids")).scalar_one()
            occupancy_rows = conn.execute(text("SELECT count(*) FROM occupancy")).scalar_one()
        print(f"posted {sent} events ({args.events} distinct, {sent - args.events} deliberate duplicates) "
              f"in {len(batches)} batches by {args.clients} clients in {elapsed:.1f} s")  # fmt: skip
        print(f"results: {statuses}; ingest {len(accepted) / elapsed:,.0f} accepted events/s "
              f"({sent / elapsed:,.0f} posted/s)")  # fmt: skip
        print(f"stored: {stored[0]} rows, {stored[1]} distinct ids, {ids} idempotency records; bays with occupancy "
              f"{occupancy_rows}")  # fmt: skip
        ok = stored[0] == stored[1] == ids == len(accepted) == len(distinct) == args.events
        print("check: every distinct event accepted exactly once, stored once, none lost:", "OK" if ok else "FAILED")

        # can-i-park with live availability vs the same answers with every bay unknown, alternated three times
        runs: dict[str, list[dict[str, float]]] = {"live availability": [], "no occupancy": []}
        with engine.connect() as conn:
            saved = conn.execute(text("SELECT * FROM occupancy")).all()
        for _ in range(3):
            with engine.begin() as conn:  # fresh reports for every bay: all live
                conn.execute(text("UPDATE occupancy SET observed_at = now()"))
            runs["live availability"].append(time_can_i_park(base, points, args.seconds, args.clients))
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM occupancy"))
            runs["no occupancy"].append(time_can_i_park(base, points, args.seconds, args.clients))
            with engine.begin() as conn:
                conn.execute(
                    text(RESTORE_OCCUPANCY),
                    {"r": json.dumps([dict(r._mapping) for r in saved], default=str)},
                )
        for name, measured in runs.items():
            print(f"can-i-park, {name}: {statistics.median(m['req_s'] for m in measured):,.0f} req/s, "
                  f"p50 {statistics.median(m['p50_ms'] for m in measured):.1f} ms, "
                  f"p99 {statistics.median(m['p99_ms'] for m in measured):.1f} ms (median of 3)")  # fmt: skip
        if not ok:
            sys.exit(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        engine.dispose()


if __name__ == "__main__":
    main()
