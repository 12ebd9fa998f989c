#!/usr/bin/env bash
# bench/bench_api.sh - /v1/can-i-park vs the bare indexed nearest-bay query, with wrk, on 1,000,000 bays.
#
# Outside CI. Needs wrk (apt-get install wrk) and a PostGIS server (DATABASE_URL, as for the tests).
#
#   bash bench/bench_api.sh            # generate + load once (kept), then measure
#
# Environment:
#   DATABASE_URL        a database on the server to use; the benchmark uses its own database on the same server,
#   BENCH_DATABASE_URL  by default named parking_bench (never the service's database)
#   BENCH_BAYS          bays to generate and load (default 1000000), with bench/gen_camden.py and the real loader
#   BENCH_DATA_DIR      where the generated file goes (default ${TMPDIR:-/tmp}/kerbside-bench)
#   BENCH_WORKERS       gunicorn workers (default 2), BENCH_CONNECTIONS wrk connections (default 8),
#   BENCH_THREADS       wrk threads (default 1), BENCH_DURATION seconds per run (default 30), BENCH_PORT (default 8765)
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

PY=.venv/bin/python
BAYS=${BENCH_BAYS:-1000000}
DATA_DIR=${BENCH_DATA_DIR:-${TMPDIR:-/tmp}/kerbside-bench}
WORKERS=${BENCH_WORKERS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-8}
THREADS=${BENCH_THREADS:-1}
DURATION=${BENCH_DURATION:-30}
PORT=${BENCH_PORT:-8765}

command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 1; }
if [ -z "${BENCH_DATABASE_URL:-}" ]; then
    [ -n "${DATABASE_URL:-}" ] || { echo "set DATABASE_URL or BENCH_DATABASE_URL" >&2; exit 1; }
    BENCH_DATABASE_URL=$($PY -c 'import sys; from sqlalchemy import make_url; from parking_api.store.db import sqlalchemy_url
print(make_url(sqlalchemy_url(sys.argv[1])).set(database="parking_bench").render_as_string(hide_password=False))' "$DATABASE_URL")
fi
export BENCH_DATABASE_URL BAYS DATA_DIR

echo "==> database and data ($BAYS bays)"
$PY - <<'PY'
import os
import subprocess
import sys
import time
from pathlib import Path
from sqlalchemy import create_engine, make_url, pool, text
from parking_api.store import migrate
from parking_api.store.db import make_engine, sqlalchemy_url

url = os.environ["BENCH_DATABASE_URL"]
bays = int(os.environ["BAYS"])
admin = create_engine(make_url(sqlalchemy_url(url)).set(database="postgres"), poolclass=pool.NullPool,
                      isolation_level="AUTOCOMMIT")
name = make_url(sqlalchemy_url(url)).database
with admin.connect() as conn:
    if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
        conn.execute(text(f'CREATE DATABASE "{name}"'))
migrate.upgrade(url)
engine = make_engine(url)
with engine.connect() as conn:
    live = conn.execute(text("SELECT count(*) FROM places WHERE retired_at IS NULL")).scalar_one()
print(f"live bays: {live}")
if live < bays:
    from loaders import runner
    from loaders.report import format_report
    from loaders.runner import BUNDLED, run_load

    data = Path(os.environ["DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    out = data / f"camden_bays_{bays}.csv"
    if not out.exists():
        t = time.time()
        subprocess.run([sys.executable, "bench/gen_camden.py", str(bays), str(out)], check=True)
        print(f"generated {out.name} in {time.time() - t:.0f} s")
    cpz = Path(runner.__file__).parent / "data" / dict((k, v) for k, v in BUNDLED)["camden-cpz"]
    for kind, path in (("camden-cpz", cpz), ("camden-bays", out)):
        report = run_load(url, kind, str(path))
        print(format_report(report))
        if not report.ok:
            sys.exit(1)
    with engine.begin() as conn:
        for table in ("places", "zones", "suspensions", "regulations"):
            conn.execute(text(f"ANALYZE {table}"))
engine.dispose()
PY

echo "==> gunicorn ($WORKERS workers) on 127.0.0.1:$PORT"
DATABASE_URL=$BENCH_DATABASE_URL PARKING_LOG_LEVEL=WARNING .venv/bin/gunicorn --bind "127.0.0.1:$PORT" \
    --workers "$WORKERS" --access-logfile /dev/null --error-logfile - --log-level warning \
    bench.bench_api_app:app &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done

run() { # path extra seconds
    BENCH_PATH=$1 BENCH_EXTRA=$2 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${3}s" --latency -s bench/bench_api_points.lua \
        "http://127.0.0.1:$PORT" | tee /dev/stderr | grep '^RESULT'
}

echo "==> warm-up"
run /v1/_bench/nearest "" 5 >/dev/null 2>&1
run /v1/can-i-park "" 5 >/dev/null 2>&1

echo "==> measure ($DURATION s each, $CONNECTIONS connections, $THREADS wrk thread)"
bare=$(run /v1/_bench/nearest "" "$DURATION")
full=$(run /v1/can-i-park "" "$DURATION")
driver=$(run /v1/can-i-park "&permit=CA-B&fuel=petrol&stay=90" "$DURATION")

echo
echo "$bare"
echo "$full"
echo "$driver"
$PY - "$bare" "$full" "$driver" <<'PY'
import sys
def parse(line):
    return {k: v for k, v in (item.split("=", 1) for item in line.split()[1:])}
bare, full, driver = (parse(a) for a in sys.argv[1:])
for name, r in (("can-i-park", full), ("can-i-park+driver", driver)):
    print(f"{name}: {float(r['rps']):.0f} req/s vs bare {float(bare['rps']):.0f} req/s -> "
          f"throughput ratio {float(r['rps']) / float(bare['rps']):.2f}; "
          f"p50 {r['p50_ms']} ms vs {bare['p50_ms']} ms; p99 {r['p99_ms']} ms vs {bare['p99_ms']} ms")
PY
