"""Benchmark the Camden bays loader against ogr2ogr on the same synthetic London-scale CSV file.

    .venv/bin/python bench/bench_loaders.py [N] [--data-dir DIR] [--write]

1. generates N synthetic bays in the Camden CSV download layout (``bench/gen_camden.py``; reused when present);
2. creates a fresh, migrated database ``<name>_loaders_bench`` next to the one DATABASE_URL names (or, without
   DATABASE_URL, the project's private cluster from ``postgis/localdb.sh``);
3. loads the file with ``parking load camden-bays`` (parse every restriction, build geometry in PostGIS, upsert into
   ``places`` with its indexes, all in one transaction), then loads it again (the idempotent path: nothing changes);
4. loads the same file with ``ogr2ogr`` into a plain PostGIS table (the EPSG:4326 WKT column as geometry, a GiST
   index, every other column as text: no parsing, no validation, no upsert);
5. prints rows/s for each with the machine it ran on; ``--write`` puts that into the loaders section of
   BENCHMARKS.md.

Not part of the test suite (it takes minutes at N = 1,000,000). Needs ``ogr2ogr`` (Debian: ``apt-get install
gdal-bin``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
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


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str], float]:
    """Wall time, the finished process, and the peak RSS (MB) of the children so far."""
    started = time.monotonic()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} … failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, done, peak_mb


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="bays to generate (default 1,000,000)")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()), help="where the CSV goes")
    parser.add_argument("--write", action="store_true", help="write the results into BENCHMARKS.md")
    args = parser.parse_args(argv)
    if not shutil.which("ogr2ogr"):
        sys.exit("ogr2ogr not found: install GDAL (Debian/Ubuntu: apt-get install gdal-bin)")
    bin_dir = Path(sys.executable).parent
    parking = shutil.which("parking", path=str(bin_dir)) or shutil.which("parking")
    if not parking:
        sys.exit("the `parking` command is not installed (pip install -e .)")

    data = args.data_dir / f"camden_bays_{args.n}.csv"
    if not data.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_camden.py"), str(args.n), str(data)], check=True)
    size_mb = data.stat().st_size / 1e6

    url = _bench_database(_service_url())
    env = {**os.environ, "DATABASE_URL": url, "CI": "1"}

    ours_s, done, ours_mb = _timed([parking, "load", "camden-bays", str(data), "--source", "bench", "--json"], env)
    report = json.loads(done.stdout)
    assert report["read"] == args.n and report["read"] == report["loaded"] + report["rejected"], report
    again_s, done, _ = _timed([parking, "load", "camden-bays", str(data), "--source", "bench", "--json"], env)
    again = json.loads(done.stdout)
    assert again["unchanged"] == report["loaded"] and again["retired"] == 0, again

    ogr_args = [
        "ogr2ogr", "-f", "PostgreSQL", f"PG:{url}", str(data), "-nln", "ogr_bays", "-overwrite",
        "-oo", f"GEOM_POSSIBLE_NAMES={WKT_COLUMN}", "-oo", "KEEP_GEOM_COLUMNS=NO", "-a_srs", "EPSG:4326",
        "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "-gt", "65536",
    ]  # fmt: skip
    ogr_s, _, _ = _timed(ogr_args, env)
    ogr_rows = _scalar(url, "SELECT count(*) FROM ogr_bays")
    assert ogr_rows == args.n, ogr_rows

    machine = _machine(url)
    results = {
        "n": args.n,
        "file_mb": round(size_mb),
        "ours_s": round(ours_s, 1),
        "ours_rows_s": round(args.n / ours_s),
        "ours_timings": report.get("timings", {}),
        "ours_peak_rss_mb": round(ours_mb),
        "reload_s": round(again_s, 1),
        "reload_rows_s": round(args.n / again_s),
        "reload_timings": again.get("timings", {}),
        "ogr_s": round(ogr_s, 1),
        "ogr_rows_s": round(args.n / ogr_s),
        "rejected": report["rejected"],
        "flagged": report.get("flagged_by_reason", {}),
        "machine": machine,
    }
    print(json.dumps(results, indent=2))
    if args.write:
        _write(results)


def _table(r: dict) -> str:
    rows = [
        ("loader", "what it does", "wall time", "rows/s"),
        ("---", "---", "---", "---"),
        (
            "`parking load camden-bays` (first load)",
            "reads every row, parses each distinct restriction text once, builds, reprojects and validates geometry"
            " in PostGIS, upserts into `places` (unique, B-tree and two GiST indexes, foreign keys) and records the"
            " run, in one transaction",
            f"{r['ours_s']:,.1f} s",
            f"**{r['ours_rows_s']:,}**",
        ),
        (
            "`parking load camden-bays` (same file again)",
            "as above; every row compared and left unchanged, nothing retired",
            f"{r['reload_s']:,.1f} s",
            f"{r['reload_rows_s']:,}",
        ),
        (
            "`ogr2ogr` (GDAL CSV driver, PG COPY)",
            "the EPSG:4326 WKT column as geometry, a GiST index, every other column as text; no parsing, no"
            " validation, no upsert",
            f"{r['ogr_s']:,.1f} s",
            f"**{r['ogr_rows_s']:,}**",
        ),
    ]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _section(r: dict) -> str:
    m = r["machine"]
    phases = ", ".join(f"{k} {v:.0f} s" for k, v in r["ours_timings"].items()) or "n/a"
    reload_phases = ", ".join(f"{k} {v:.0f} s" for k, v in r.get("reload_timings", {}).items()) or "n/a"
    return f"""{BEGIN}
## Loaders: Camden bays, ours vs ogr2ogr

The same synthetic London-scale file ({r["n"]:,} bays in Camden's CSV download layout, {r["file_mb"]:,} MB, made
from the 1,000 real 2020 rows by `bench/gen_camden.py`: unique identifiers, bays moved by up to ~20 km) loaded into
a fresh migrated database on the same PostgreSQL server.

{_table(r)}

ogr2ogr is {r["ours_s"] / r["ogr_s"]:.1f}x faster on the first load: it copies text into a table with one spatial
index, while we also read every restriction and build its rules, build, reproject and check every geometry, and
write into the service's `places` table, whose two GiST indexes (one on geometry, one on geography) and four
foreign keys make the insert itself the largest phase.

Where our time goes (seconds per phase, from the report's `timings`): first load {phases};
reload {reload_phases}.
Peak memory of the loader process: {r["ours_peak_rss_mb"]:,} MB. Rows rejected: {r["rejected"]}; flagged:
{", ".join(f"{k} {v:,}" for k, v in r["flagged"].items())}.

Machine: {m["cpus"]} CPUs ({m["cpu"]}), {m["ram"]} RAM, {m["os"]}; Python {m["python"]}; PostgreSQL {m["postgres"]}
with PostGIS {m["postgis"]} ({m["pg_settings"]}); {m["gdal"]}. The machine was shared with other work while this
ran, so take the numbers as an order of magnitude.

Re-run (outside CI; needs `ogr2ogr`, e.g. `apt-get install gdal-bin`, and DATABASE_URL or the project's
`postgis/localdb.sh` cluster; it creates and replaces the database `<name>_loaders_bench`):

```sh
.venv/bin/python bench/bench_loaders.py {r["n"]} --write
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
