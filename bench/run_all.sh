#!/usr/bin/env bash
# bench/run_all.sh - the speed benchmarks of the driver answers, the engine and the loader, as one markdown table.
#
# Outside CI (minutes; the first run generates and loads the bays). Run by `make bench BENCH_ARGS="..."`.
# Needs wrk (apt-get install wrk) and DATABASE_URL (a database on the PostGIS server; the benchmarks use databases
# of their own next to it, see bench/bench_answers.py).
#
#   bash bench/run_all.sh [--bays N] [--seconds S] [--runs R] [--skip-loader]
#
# Defaults: 1,000,000 bays, 10 s per wrk run, 3 runs. The loader's line comes from bench/bench_loaders.py (three
# fresh loads of N rows and ogr2ogr's: the longest part; --skip-loader leaves it out).
set -euo pipefail
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

PY=.venv/bin/python
BAYS=1000000
SECONDS_PER_RUN=10
RUNS=3
LOADER=1
while [ $# -gt 0 ]; do
    case $1 in
        --bays) BAYS=$2; shift 2 ;;
        --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --skip-loader) LOADER=0; shift ;;
        *) echo "usage: bench/run_all.sh [--bays N] [--seconds S] [--runs R] [--skip-loader]" >&2; exit 2 ;;
    esac
done
command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 1; }
[ -n "${DATABASE_URL:-}${BENCH_DATABASE_URL:-}" ] || { echo "set DATABASE_URL" >&2; exit 1; }

answers=$($PY bench/bench_answers.py --bays "$BAYS" --seconds "$SECONDS_PER_RUN" --runs "$RUNS" --markdown)
engine=$($PY bench/bench_engine.py --runs "$RUNS")
loader=""
if [ "$LOADER" = 1 ] && $PY bench/bench_loaders.py --help 2>/dev/null | grep -q -- '--rows'; then
    loader=$($PY bench/bench_loaders.py --rows "$BAYS" --runs "$RUNS" --markdown)
fi

echo
echo "$BAYS bays, wrk 1 thread, 8 connections, ${SECONDS_PER_RUN} s x $RUNS alternated, 2 gunicorn workers each side;"
echo "$(nproc) CPUs, $(uname -sr), $($PY -V), $(psql --version 2>/dev/null | head -1 || true)"
echo
echo "| measure | throughput | p50 | p99 | ratio / note |"
echo "|---|---:|---:|---:|---|"
echo "$answers"
echo "$engine" | awk -v runs="$RUNS" '/^distinct instants/ {
    printf "| engine, answers at distinct instants (one core) | %s answers/s | | | median of %s runs |\n", $4, runs }'
echo "$engine" | awk '/^request \(cold/ {
    printf "| engine, one request\047s answers (cold caches, one instant) | %s answers/s | | | |\n", $7 }'
[ -z "$loader" ] || echo "$loader"
