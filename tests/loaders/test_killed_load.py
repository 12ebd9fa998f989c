"""A killed load lets go of its source at once, and its run does not stay ``running``.

The load's connection is made by ``make_engine`` (as every loader's is), so its backend checks every second that the
client is still there: a load killed in the middle of a long statement ends within about a second, releasing the
source's advisory lock, instead of running the statement to its end. Its run, left ``running``, is marked failed by
the next look at the history or the next load of any source — any run is ``running`` only while its lock is held.
"""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg2
from sqlalchemy import create_engine, pool, text

from loaders import runner
from parking_api.settings import Settings
from parking_api.store.db import sqlalchemy_url
from parking_api.store.load import runs
from parking_api.store.roles import loader_url

# what a load does up to its long statements: take the source's lock, start its run, then work in the database
VICTIM = """
import sys
from parking_api.store.db import make_engine
from parking_api.store.load import runs

conn = make_engine(sys.argv[1], pool_size=1).raw_connection()
cur = conn.cursor()
runs.lock(cur, "victim")
runs.start_run(cur, "victim", "camden-bays", "big.json")
conn.commit()
print("started", flush=True)
cur.execute("SELECT pg_sleep(60)")
"""


def _scalar(url: str, sql: str, **params) -> object:
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def _lock_holders(url: str) -> int:
    return _scalar(
        url,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :cls AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        cls=runs.LOCK_CLASS,
    )


def test_a_killed_load_releases_its_lock_within_seconds_and_its_run_is_failed(committed_db_url):
    url = loader_url(Settings(database_url=committed_db_url))
    victim = subprocess.Popen([sys.executable, "-c", VICTIM, url], stdout=subprocess.PIPE, text=True)
    try:
        assert victim.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 30
        sleeping = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%' AND datname = current_database()"
        )
        while not _scalar(committed_db_url, sleeping):  # the load is inside its long statement
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert _lock_holders(committed_db_url) == 1
    finally:
        victim.kill()
        victim.wait(timeout=30)
        victim.stdout.close()
    killed = time.monotonic()
    while _lock_holders(committed_db_url):
        assert time.monotonic() - killed < 5, "the killed load's backend still holds the source's lock"
        time.sleep(0.1)

    [run] = runs.history(url, source="victim")
    assert run["status"] == "failed"
    assert run["error"].startswith("interrupted")
    assert run["finished_at"] is not None


def test_a_running_run_whose_lock_is_held_is_left_alone_and_the_next_load_sweeps_the_rest(committed_db_url):
    admin = create_engine(sqlalchemy_url(committed_db_url), poolclass=pool.NullPool)
    with admin.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO load_runs (source_name, kind, location, status) VALUES"
                " ('alive', 'camden-bays', 'a.json', 'running'), ('ghost', 'camden-bays', 'g.json', 'running')"
            )
        )
    holder = psycopg2.connect(sqlalchemy_url(committed_db_url).replace("postgresql+psycopg2", "postgresql"))
    try:
        runs.lock(holder.cursor(), "alive")  # a load of 'alive' is still going on
        holder.commit()
        url = loader_url(Settings(database_url=committed_db_url))
        report = runner.run_load(url, "camden-cpz", str(runner.bundled_path(runner.BUNDLED[0][1])))
        assert report.ok, report.error
        with admin.connect() as conn:
            sql = "SELECT source_name, status FROM load_runs WHERE source_name IN ('alive', 'ghost')"
            status = dict(conn.execute(text(sql)).all())
        assert status == {"alive": "running", "ghost": "failed"}
    finally:
        holder.close()
        admin.dispose()


def test_loader_connections_check_their_client(committed_db_url):
    from parking_api.store.db import make_engine

    engine = make_engine(loader_url(Settings(database_url=committed_db_url)), pool_size=1)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW client_connection_check_interval")).scalar() == "1s"
    finally:
        engine.dispose()
