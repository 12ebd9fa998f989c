"""Benchmark the Camden bays loader against ogr2ogr on the same synthetic London-scale CSV file, in one run.

    .venv/bin/python bench/bench_loaders.py [--rows N] [--runs R] [--data-dir DIR] [--markdown] [--write]

1. generates N synthetic bays in the Camden CSV download layout (``bench/gen_camden.py``; reused when present);
2. R times, each on a fresh migrated database ``<name>_loaders_bench`` next to the one DATABASE_URL names (or,
   without DATABASE_URL, the project's private cluster from ``postgis/localdb.sh``): loads the file with ``parking
   load camden-bays``, loads it again (an identical reload: checked to be recognised, nothing written), and loads it
   with ``ogr2ogr`` into a plain PostGIS table (COPY, a GiST index) — ogr2ogr first in every other run;
3. prints the medians as a markdown table: rows/s of both and their ratio, the reload's time and its share of the
   first load's, and the loader's own peak RSS (``wait4``); ``--markdown`` prints only the rows ``bench/run_all.sh``
   puts in its table, ``--write`` also puts the section into BENCHMARKS.md. The details go to stderr as JSON.

Not part of the test suite (minutes at N = 1,000,000). Needs ``ogr2ogr`` (Debian: ``apt-get install gdal-bin``).
Exit status 0 when every load succeeded and the reload was recognised as identical.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, pool, text  # noqa: E402

from parking_api.store import migrate  # noqa: E402
from parking_api.store.db import sqlalchemy_url  # noqa: E402

BEGIN = "<!-- loaders:begin -->"
END = "<!-- loaders:end -->"
WKT_COLUMN = "EPSG:4326 Well Known Text Geometry"


def _service_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    done = subprocess.run(
        ["bash", str(ROOT / "postgis" / "localdb.sh"), "url", "parking"], capture_output=True, text=True
    )
    if done.returncode != 0 or not done.stdout.strip():
        sys.exit("set DATABASE_URL, or start the project's database with `bash postgis/localdb.sh start`")
    return done.stdout.strip()


def _bench_database(service: str) -> str:
    """A fresh migrated database named ``<service db>_loaders_bench``; returns its libpq URL."""
    url = make_url(sqlalchemy_url(service))
    name = f"{url.database or 'parking'}_loaders_bench"  # its own: other benchmarks keep theirs
    admin = create_engine(url.set(database="postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    bench = url.set(database=name).set(drivername="postgresql").render_as_string(hide_password=False)
    migrate.upgrade(bench)
    return bench


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, str, float]:
    """Wall time, standard output and the peak RSS (MB) of one command: its own (``wait4``), not its siblings'."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if code != 0:
        sys.exit(f"{' '.join(args[:3])} … failed ({code}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return elapsed, stdout, usage.ru_maxrss / 1024


def _scalar(url: str, sql: str):
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def _machine(url: str) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    gdal = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout.strip()
    settings = {
        name: _scalar(url, f"SHOW {name}")
        for name in ("shared_buffers", "work_mem", "maintenance_work_mem", "max_wal_size", "synchronous_commit")
    }
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "os": platform.system(),
        "python": platform.python_version(),
        "postgres": _scalar(url, "SHOW server_version"),
        "postgis": _scalar(url, "SELECT postgis_lib_version()"),
        "gdal": gdal.split(",")[0],
        "pg_settings": ", ".join(f"{k} {v}" for k, v in settings.items()),
    }


def _one_run(n: int, data: Path, service: str, parking: str, ogr_first: bool) -> dict[str, float]:
    """One alternation on a fresh database: our first load, its identical reload, and ogr2ogr (first or last)."""
    url = _bench_database(service)
    env = {**os.environ, "DATABASE_URL": url, "PARKING_LOADER_DATABASE_URL": url, "CI": "1"}
    ogr_args = [
        "ogr2ogr", "-f", "PostgreSQL", f"PG:{url}", str(data), "-nln", "ogr_bays", "-overwrite",
        "-oo", f"GEOM_POSSIBLE_NAMES={WKT_COLUMN}", "-oo", "KEEP_GEOM_COLUMNS=NO", "-a_srs", "EPSG:4326",
        "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "-gt", "65536",
    ]  # fmt: skip
    ogr_s = 0.0
    if ogr_first:
        ogr_s, _, _ = _timed(ogr_args, env)
    load = [parking, "load", "camden-bays", str(data), "--source", "bench", "--json"]
    ours_s, out, ours_mb = _timed(load, env)
    report = json.loads(out)
    assert report["read"] == n and report["read"] == report["loaded"] + report["rejected"], report
    again_s, out, again_mb = _timed(load, env)
    again = json.loads(out)
    assert again["identical_to_run"] == report["run_id"] and again["retired"] == 0, again
    assert again["unchanged"] == report["loaded"] and again["inserted"] == again["updated"] == 0, again
    if not ogr_first:
        ogr_s, _, _ = _timed(ogr_args, env)
    assert _scalar(url, "SELECT count(*) FROM ogr_bays") == n
    return {
        "ours_s": ours_s,
        "ours_mb": ours_mb,
        "reload_s": again_s,
        "reload_mb": again_mb,
        "ogr_s": ogr_s,
        "timings": report.get("timings", {}),
        "flagged": report.get("flagged_by_reason", {}),
        "rejected": report["rejected"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="bays to generate (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="alternations, each on a fresh database (default 3)")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()), help="where the CSV goes")
    parser.add_argument("--markdown", action="store_true", help="print only the rows of bench/run_all.sh's table")
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    args = parser.parse_args(argv)
    if not shutil.which("ogr2ogr"):
        sys.exit("ogr2ogr not found: install GDAL (Debian/Ubuntu: apt-get install gdal-bin)")
    bin_dir = Path(sys.executable).parent
    parking = shutil.which("parking", path=str(bin_dir)) or shutil.which("parking")
    if not parking:
        sys.exit("the `parking` command is not installed (pip install -e .)")
    n = args.rows
    data = args.data_dir / f"camden_bays_{n}.csv"
    if not data.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_camden.py"), str(n), str(data)], check=True)
    service = _service_url()
    runs = [_one_run(n, data, service, parking, ogr_first=i % 2 == 1) for i in range(args.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in ("ours_s", "ours_mb", "reload_s", "reload_mb", "ogr_s")}
    ratios = [(n / r["ours_s"]) / (n / r["ogr_s"]) for r in runs]
    results = {
        "n": n,
        "runs": args.runs,
        "file_mb": round(data.stat().st_size / 1e6),
        "ours_s": med["ours_s"],
        "ours_rows_s": n / med["ours_s"],
        "ours_peak_rss_mb": med["ours_mb"],
        "reload_s": med["reload_s"],
        "reload_peak_rss_mb": med["reload_mb"],
        "reload_share": med["reload_s"] / med["ours_s"],
        "ogr_s": med["ogr_s"],
        "ogr_rows_s": n / med["ogr_s"],
        "ratio": statistics.median(ratios),
        "ours_timings": runs[len(runs) // 2]["timings"],
        "rejected": runs[0]["rejected"],
        "flagged": runs[0]["flagged"],
        "machine": _machine(service),
    }
    print(json.dumps(results, indent=2), file=sys.stderr)
    print(_rows(results) if args.markdown else _table(results))
    if args.write:
        _write(results)


def _rows(r: dict) -> str:
    """The loader's lines of ``bench/run_all.sh``'s table (measure | throughput | p50 | p99 | ratio / note)."""
    note = f"median of {r['runs']}, {r['n']:,}-row CSV"
    return "\n".join(
        [
            f"| `parking load camden-bays`, first load | {r['ours_rows_s']:,.0f} rows/s | | |"
            f" {r['ratio']:.2f}x ogr2ogr ({r['ogr_rows_s']:,.0f} rows/s); {note} |",
            f"| `parking load camden-bays`, identical reload | {r['reload_s']:,.1f} s | | |"
            f" {100 * r['reload_share']:.1f} % of the first load ({r['ours_s']:,.1f} s) |",
            f"| loader peak RSS | {r['ours_peak_rss_mb']:,.0f} MB first load, {r['reload_peak_rss_mb']:,.0f} MB reload"
            " | | | |",
        ]
    )


def _table(r: dict) -> str:
    rows = [
        ("measure", "ours", "ogr2ogr", "ratio"),
        ("---", "---:", "---:", "---:"),
        (
            "first load, rows/s",
            f"{r['ours_rows_s']:,.0f} ({r['ours_s']:,.1f} s)",
            f"{r['ogr_rows_s']:,.0f} ({r['ogr_s']:,.1f} s)",
            f"{r['ratio']:.2f}x",
        ),
        ("identical reload", f"{r['reload_s']:,.1f} s", "", f"{100 * r['reload_share']:.1f} % of the first load"),
        ("peak RSS, first load", f"{r['ours_peak_rss_mb']:,.0f} MB", "", ""),
        ("peak RSS, identical reload", f"{r['reload_peak_rss_mb']:,.0f} MB", "", ""),
    ]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _section(r: dict) -> str:
    m = r["machine"]
    phases = ", ".join(f"{k} {v:.0f} s" for k, v in r["ours_timings"].items()) or "n/a"
    return f"""{BEGIN}
## Loaders: Camden bays, ours vs ogr2ogr

The same synthetic London-scale file ({r["n"]:,} bays in Camden's CSV download layout, {r["file_mb"]:,} MB, made
from the 1,000 real 2020 rows by `bench/gen_camden.py`) loaded on the same server in the same run, each
alternation on a fresh migrated database: `parking load camden-bays` (a first load, then the identical file again),
and `ogr2ogr` (GDAL CSV driver, PG COPY: the EPSG:4326 WKT column as geometry, a GiST index, every other column as
text). Medians of {r["runs"]} alternation(s).

{_table(r)}

Our first load's phases (seconds, the report's `timings`): {phases}. Rows rejected: {r["rejected"]}; flagged:
{", ".join(f"{k} {v:,}" for k, v in r["flagged"].items())}.

Machine: {m["cpus"]} CPUs ({m["cpu"]}), {m["ram"]} RAM, {m["os"]}; Python {m["python"]}; PostgreSQL {m["postgres"]}
with PostGIS {m["postgis"]} ({m["pg_settings"]}); {m["gdal"]}. Shared with other work while measuring.

Command (outside CI; needs `ogr2ogr`, e.g. `apt-get install gdal-bin`, and DATABASE_URL; it creates and replaces
the database `<name>_loaders_bench`):

```sh
.venv/bin/python bench/bench_loaders.py --rows {r["n"]} --runs {r["runs"]}
```
{END}"""


def _write(results: dict) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = _section(results)
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        updated = head + section + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(updated, encoding="utf-8")
    print(f"updated {path.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
