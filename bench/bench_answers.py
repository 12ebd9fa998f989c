"""The driver answers side by side: ``/v1/can-i-park`` (as ``parking serve`` serves it) against a bare reference
endpoint (``bench/bench_ref_app.py``: one KNN query for the 5 nearest bays, psycopg2 pool, no ORM), with wrk.

Both run under the gunicorn command line ``parking serve`` builds (worker class, threads, keep-alive; only the WSGI
app differs), with ``PARKING_RATE_LIMIT=off``, at random points over Greater London. Every bay has live occupancy
(a fresh ``scheduled_report`` count), so the answers carry availability. Runs alternate reference / ours
``--runs`` times; medians, with the CPU each answer cost the workers and the PostgreSQL server (from ``/proc``).
``/v1/bays`` (250 m) and a bay's schedule get their own lines. Before timing, a sample
of answers from the warm server is compared with the same questions answered in process with every cache cleared
before each (the slow path); any difference fails the benchmark.

    DATABASE_URL=... .venv/bin/python bench/bench_answers.py [--bays N] [--seconds 10] [--runs 3]

The data live in a database of their own on the same server (``BENCH_DATABASE_URL``, default the DATABASE_URL's
name + ``_bench``): the bundled data plus N bays made by ``bench/gen_camden.py`` and loaded by the real loader as
source ``camden_bench`` (once; kept for later runs). Prints markdown rows (``--markdown``) or a readable summary.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, pool, text  # noqa: E402

from parking_api import serving  # noqa: E402
from parking_api.store.db import sqlalchemy_url  # noqa: E402

PY = sys.executable
LUA = ROOT / "bench" / "answer_points.lua"
SOURCE = "camden_bench"
STALE_SECONDS = 86_400  # PARKING_AVAILABILITY_STALE_SECONDS of both apps here: the counts stay live for the run
AT = "2027-03-03T12:00"  # a weekday noon (most bays controlled) after the live counts go stale: answers that hold


def bench_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = make_url(sqlalchemy_url(os.environ["DATABASE_URL"]))
    return base.set(database=f"{base.database}_bench").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The URL as libpq reads it (the service accepts the SQLAlchemy spelling too)."""
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


def prepare(url: str, bays: int, data_dir: Path) -> int:
    """Create, migrate and fill the database when it has fewer than ``bays`` benchmark bays; analyse it; give every
    live bay a fresh occupancy count. Returns the number of live bays."""
    sa = make_url(sqlalchemy_url(url))
    admin = create_engine(sa.set(database="postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": sa.database}).first():
            conn.execute(text(f'CREATE DATABASE "{sa.database}"'))
    admin.dispose()
    env = {**os.environ, "DATABASE_URL": url}
    cli = [str(ROOT / ".venv" / "bin" / "parking")]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    engine = create_engine(sa, poolclass=pool.NullPool)
    with engine.connect() as conn:
        have = conn.execute(
            text("SELECT count(*) FROM places p JOIN sources s ON s.id = p.source_id "
                 "WHERE s.name = :s AND p.retired_at IS NULL"), {"s": SOURCE}
        ).scalar_one()  # fmt: skip
        bundled = conn.execute(text("SELECT count(*) FROM zones")).scalar_one()
    if not bundled:
        subprocess.run([*cli, "load", "bundled"], env=env, check=True, stdout=subprocess.DEVNULL)
    if have < bays:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / f"camden_bays_{bays}.csv"
        if not path.exists():
            subprocess.run([PY, str(ROOT / "bench" / "gen_camden.py"), str(bays), str(path)], check=True)
        print(f"loading {bays:,} bays (minutes)", file=sys.stderr)
        subprocess.run([*cli, "load", "camden-bays", str(path), "--source", SOURCE, "--allow-shrink"], env=env,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    with engine.begin() as conn:
        # Live availability for every bay: a fresh count, as a sensor's scheduled report would leave it. Rewritten
        # only when older than half of STALE_SECONDS, so that a run does not measure the writes of its own set-up.
        fresh = conn.execute(text("""
            SELECT NOT EXISTS (SELECT 1 FROM places p LEFT JOIN occupancy o ON o.place_id = p.id
                                WHERE p.retired_at IS NULL
                                  AND (o.place_id IS NULL OR o.observed_at < now() - make_interval(secs => :s / 2)))
        """), {"s": STALE_SECONDS}).scalar_one()  # fmt: skip
    with engine.begin() as conn:
        if not fresh:
            conn.execute(text("""
                INSERT INTO occupancy (place_id, occupied, observed_at, last_event_type, count_at, reported, report_at,
                                       simulated)
                SELECT p.id, o.n, now(), 'scheduled_report', now(), o.n, now(), false
                  FROM places p CROSS JOIN LATERAL (SELECT (p.id % greatest(coalesce(p.spaces, 1), 1) + 1)::int
                                                      % (greatest(coalesce(p.spaces, 1), 1) + 1) AS n) o
                 WHERE p.retired_at IS NULL
                ON CONFLICT (place_id) DO UPDATE SET occupied = excluded.occupied, observed_at = excluded.observed_at,
                    last_event_type = excluded.last_event_type, count_at = excluded.count_at,
                    reported = excluded.reported, report_at = excluded.report_at, simulated = false
            """))  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM occupancy"))  # hint bits set now, not by the first requests timed
        for table in ("places", "zones", "suspensions", "regulations", "occupancy", "sources"):
            conn.execute(text(f"ANALYZE {table}"))
        live = conn.execute(text("SELECT count(*) FROM places WHERE retired_at IS NULL")).scalar_one()
    engine.dispose()
    return live


def sample_refs(url: str, n: int, path: Path) -> None:
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT s.name, p.ref FROM places p TABLESAMPLE SYSTEM (1) REPEATABLE (7) "
                 "JOIN sources s ON s.id = p.source_id WHERE p.retired_at IS NULL LIMIT :n"), {"n": n}
        ).all()  # fmt: skip
    engine.dispose()
    path.write_text("".join(f"{s}/{r}\n" for s, r in rows))


class Server:
    """A gunicorn started with ``parking serve``'s command line (``app`` replaces the service's WSGI app)."""

    def __init__(self, url: str, port: int, workers: int, app: str | None = None) -> None:
        from parking_api.cli import serve

        defaults = {param.name: param.default for param in serve.params}  # `parking serve`'s own defaults
        argv = serving.gunicorn_argv("127.0.0.1", port, workers=workers, threads=defaults["threads"],
                                     timeout=defaults["timeout"], control_socket=None)  # fmt: skip
        if app:
            argv[-1] = app
        env = {**os.environ, "DATABASE_URL": libpq_url(url), "PARKING_RATE_LIMIT": "off",
               "PARKING_AVAILABILITY_STALE_SECONDS": str(STALE_SECONDS)}  # fmt: skip
        self.port = port
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - open as long as the server runs
        self.proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log,
                                     start_new_session=True)  # fmt: skip
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        self.log.seek(0)
        raise SystemExit(f"server on port {port} did not start:\n{self.log.read().decode(errors='replace')[-3000:]}")

    def rss_mb(self) -> list[float]:
        """Resident memory of each worker (children of the gunicorn master), MB."""
        out = subprocess.run(["ps", "--ppid", str(self.proc.pid), "-o", "rss="], capture_output=True, text=True)
        return [int(v) / 1024 for v in out.stdout.split()]

    def workers(self) -> list[int]:
        out = subprocess.run(["ps", "--ppid", str(self.proc.pid), "-o", "pid="], capture_output=True, text=True)
        return [int(v) for v in out.stdout.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


def wrk(port: int, path: str, seconds: int, connections: int, extra: str = "", refs: Path | None = None) -> dict:
    env = {**os.environ, "BENCH_PATH": path, "BENCH_EXTRA": extra}
    if refs:
        env["BENCH_REFS"] = str(refs)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), f"http://127.0.0.1:{port}"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT"))
    result = {k: float(v) for k, v in (item.split("=", 1) for item in line.split()[1:])}
    if result["errors"] or result["non2xx"]:
        raise SystemExit(f"wrk saw errors on {path}: {line}")
    return result


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (``/proc/<pid>/stat``, fields 14 and 15)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                pids.append(int(entry))
        except OSError:
            continue
    return pids


def wrk_cpu(server: Server, path: str, seconds: int, connections: int) -> dict:
    """:func:`wrk`, plus the CPU each request cost the server's workers (``py_ms``) and the PostgreSQL server on
    this machine (``pg_ms``, every postgres process: the same server serves both apps), in milliseconds."""
    workers = server.workers()
    before_py, before_pg = _cpu_seconds(workers), _cpu_seconds(_postgres_pids())
    result = wrk(server.port, path, seconds, connections)
    after_py, after_pg = _cpu_seconds(workers), _cpu_seconds(_postgres_pids())
    spent_py = sum(t - before_py.get(pid, 0.0) for pid, t in after_py.items())
    spent_pg = sum(t - before_pg.get(pid, 0.0) for pid, t in after_pg.items())  # a new backend counts whole
    return {**result, "py_ms": 1000 * spent_py / result["requests"], "pg_ms": 1000 * spent_pg / result["requests"]}


def _slow_nearby(session, **params):
    """``reads.nearby`` before the prepared statement: the statement planned on every request."""
    from parking_api.store import reads

    params["known"] = sorted(params.pop("known_regulations", ()))
    params.update(reads.forecast_params(params.pop("forecast_at", None)), point_cap=reads.POINT_REACH_CAP_M)
    row = session.execute(reads.NEARBY_SQL, params).mappings().one()
    return reads.Nearby(*(reads._json(row[k]) for k in ("places", "zones", "regulations", "sources")))


def _slow_alternatives(found, places, answering, driver, instant, stay):
    """``can_i_park._alternatives`` before it stopped at the fifth: every nearby place evaluated, then sorted."""
    from parking_api.services import can_i_park as service

    out = []
    for row in places:
        if answering is not None and row is answering.row:
            continue
        if float(row["distance_m"]) > service.ALTERNATIVES_RADIUS_M:
            continue
        alternative = found.evaluate(row, driver, instant, stay=stay)
        if not alternative.answer.can_park or (stay is not None and alternative.answer.stay_ok is False):
            continue
        out.append(alternative)
    out.sort(key=lambda item: (not item.availability.has_free_space, float(item.row["distance_m"])))
    return out[: service.ALTERNATIVES_SHOWN]


def check_sample(url: str, port: int, n: int, seed: int = 5) -> int:
    """Ask ``n`` random points of the warm server, and the same questions of an in-process app on the slow path:
    every cache cleared before each question, the statement planned each time and every alternative evaluated (the
    code before this benchmark's optimisations, kept here); the JSON bodies must be equal. Returns the number
    compared."""
    os.environ["DATABASE_URL"] = libpq_url(url)
    os.environ["PARKING_RATE_LIMIT"] = "off"
    os.environ["PARKING_AVAILABILITY_STALE_SECONDS"] = str(STALE_SECONDS)
    from parking_api.api.v1.http import regulation_cache
    from parking_api.app import create_app
    from parking_api.engine.evaluate import clear_caches
    from parking_api.services import can_i_park as service

    service.reads = type("SlowReads", (), {"nearby": staticmethod(_slow_nearby),
                                           "geometry_of": staticmethod(service.reads.geometry_of)})  # fmt: skip
    service._alternatives = _slow_alternatives
    app = create_app()
    client = app.test_client()
    rng = random.Random(seed)
    drivers = ("", "&permit=CA-B&fuel=petrol&stay=90", "&badge=blue", "&vehicle=goods&activity=load")
    for k in range(n):
        lat, lon = 51.28 + rng.random() * 0.42, -0.51 + rng.random() * 0.84
        query = f"/v1/can-i-park?lat={lat:.6f}&lon={lon:.6f}&at={AT}{drivers[k % len(drivers)]}"
        warm = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}{query}", timeout=10).read())
        with app.app_context():
            clear_caches()
            regulation_cache(app).clear()
        cold = client.get(query)
        if cold.status_code != 200 or cold.get_json() != warm:
            raise SystemExit(f"answers differ for {query}:\nwarm {json.dumps(warm)[:2000]}\ncold {cold.data[:2000]!r}")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bays", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8765")))
    parser.add_argument("--check", type=int, default=200, help="answers compared with the slow path")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "kerbside-bench")
    parser.add_argument("--markdown", action="store_true", help="print the rows of run_all.sh's table")
    args = parser.parse_args()

    url = bench_url()
    live = prepare(url, args.bays, args.data_dir)
    refs = args.data_dir / "schedule_refs.txt"
    args.data_dir.mkdir(parents=True, exist_ok=True)
    sample_refs(url, 2000, refs)

    ours = Server(url, args.port, args.workers)
    ref = Server(url, args.port + 1, args.workers, app="bench.bench_ref_app:app")
    try:
        compared = check_sample(url, ours.port, args.check)
        for server, path in ((ref, "/nearest"), (ours, "/v1/can-i-park")):  # warm-up
            wrk(server.port, path, 3, args.connections)
        bare, full = [], []
        for _ in range(args.runs):
            bare.append(wrk_cpu(ref, "/nearest", args.seconds, args.connections))
            full.append(wrk_cpu(ours, "/v1/can-i-park", args.seconds, args.connections))
        bays = [wrk(ours.port, "/v1/bays", args.seconds, args.connections, "&radius=250")
                for _ in range(args.runs)]  # fmt: skip
        schedule = [wrk(ours.port, "/v1/bays/{bay}/schedule", args.seconds, args.connections, refs=refs)
                    for _ in range(args.runs)]  # fmt: skip
        rss = max(ours.rss_mb())
    finally:
        ours.stop()
        ref.stop()

    def med(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def cpu(runs: list[dict]) -> str:
        return f"Python {med(runs, 'py_ms'):.2f} ms, PostgreSQL {med(runs, 'pg_ms'):.2f} ms"

    ratio = statistics.median(f["rps"] / b["rps"] for b, f in zip(bare, full, strict=True))
    rows = [
        ("`/v1/can-i-park` (live availability)", med(full, "rps"), med(full, "p50_ms"), med(full, "p99_ms"),
         f"{ratio:.2f}× the reference"),
        ("reference: bare Flask + psycopg2, 5-nearest KNN", med(bare, "rps"), med(bare, "p50_ms"),
         med(bare, "p99_ms"), "1.00×"),
        ("`/v1/bays?radius=250`", med(bays, "rps"), med(bays, "p50_ms"), med(bays, "p99_ms"), ""),
        ("`/v1/bays/{source}/{ref}/schedule`", med(schedule, "rps"), med(schedule, "p50_ms"),
         med(schedule, "p99_ms"), ""),
    ]  # fmt: skip
    if args.markdown:
        for name, rps, p50, p99, note in rows:
            print(f"| {name} | {rps:,.0f} req/s | {p50:.1f} ms | {p99:.1f} ms | {note} |")
        print(f"| gunicorn worker memory, {live:,} live bays | {rss:,.0f} MB RSS (largest worker) | | | |")
        print(f"| answers checked against the slow path | {compared} equal | | | |")
        print(f"| CPU per `/v1/can-i-park` answer | {cpu(full)} | | | reference: {cpu(bare)} |")
    else:
        for name, rps, p50, p99, note in rows:
            print(f"{name}: {rps:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms {note}")
        pairs = [(round(f["rps"]), round(b["rps"])) for b, f in zip(bare, full, strict=True)]
        print(f"per-run can-i-park/reference req/s: {pairs}")
        print(f"{live:,} live bays; largest worker RSS {rss:,.0f} MB; {compared} answers equal to the slow path's")
        print(f"CPU per answer: {cpu(full)}; reference: {cpu(bare)}")


if __name__ == "__main__":
    if not (os.environ.get("DATABASE_URL") or os.environ.get("BENCH_DATABASE_URL")):
        raise SystemExit("set DATABASE_URL (or BENCH_DATABASE_URL)")
    main()
