"""The history of loads: ``load_runs`` rows and the rejects each run kept, and the advisory locks that serialise loads.

A run's row is written in transactions of its own (started before the load's transaction, finished in it or, when
the load fails, after its rollback), so every attempt stays in the history whatever happens to the load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from parking_api.store.db import make_engine
from parking_api.store.records import RAW_LIMIT, Reject

from .copy import copy_rows

LOCK_CLASS = 0x4C4F4144  # "LOAD": the advisory-lock namespace of loads, keyed by hashtext(name)


def lock(cur: Cursor, name: str) -> None:
    """Wait for, then hold, the load lock called ``name`` (a source name, or ``bundled``) for the session."""
    cur.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, name))


def unlock(cur: Cursor, name: str) -> None:
    cur.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (LOCK_CLASS, name))


# A run is 'running' only while its load holds the source's lock (the lock is taken before the run starts and let
# go after it is finished), so a 'running' run whose lock nobody holds was cut short: its process was killed.
SWEEP_SQL = f"""
UPDATE load_runs r SET status = 'failed', finished_at = clock_timestamp(),
       error = 'interrupted: the loading process ended before finishing'
 WHERE r.status = 'running'
   AND (r.source_name = %(source)s OR NOT EXISTS (
        SELECT 1 FROM pg_locks l
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = {LOCK_CLASS}::oid
           AND l.objid = (hashtext(r.source_name)::bigint & 4294967295)::oid
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())))
"""


def sweep(cur: Cursor, source: str | None = None) -> int:
    """Mark failed every run left ``running`` by a load that is gone (and every run of ``source``, whose lock the
    caller holds); returns how many."""
    cur.execute(SWEEP_SQL, {"source": source})
    return cur.rowcount


def start_run(cur: Cursor, source: str, kind: str, location: str) -> int:
    """A new ``running`` run of ``source``; call it holding the source's lock. Returns the run's id."""
    sweep(cur, source)  # a run still 'running' while we hold its lock, or no one does, was cut short: say so
    cur.execute(
        "INSERT INTO load_runs (source_id, source_name, kind, location, status)"
        " VALUES ((SELECT id FROM sources WHERE name = %s), %s, %s, %s, 'running') RETURNING id",
        (source, source, kind, location),
    )
    return cur.fetchone()[0]


def set_run_source(cur: Cursor, run_id: int, source_id: int) -> None:
    cur.execute("UPDATE load_runs SET source_id = %s WHERE id = %s", (source_id, run_id))


def finish_run(
    cur: Cursor,
    run_id: int,
    *,
    status: str,
    counts: Mapping[str, int],
    rejected_by_reason: Mapping[str, int],
    flagged_by_reason: Mapping[str, int],
    error: str | None = None,
    source_id: int | None = None,
    fingerprint: str | None = None,
) -> None:
    """Write the run's outcome: ``counts`` has ``read``, ``loaded``, ``rejected`` and ``retired``; ``fingerprint``
    (successful runs only) lets an identical reload be recognised."""
    cur.execute(
        "UPDATE load_runs SET status = %s, finished_at = clock_timestamp(), read = %s, loaded = %s, rejected = %s,"
        " retired = %s, rejected_by_reason = %s, flagged_by_reason = %s, error = %s,"
        " source_id = COALESCE(%s, source_id), fingerprint = %s WHERE id = %s",
        (
            status,
            counts["read"],
            counts["loaded"],
            counts["rejected"],
            counts["retired"],
            json.dumps(rejected_by_reason),
            json.dumps(flagged_by_reason),
            error,
            source_id,
            fingerprint,
            run_id,
        ),
    )


def identical_run(cur: Cursor, source: str, kinds: Iterable[str], fingerprint: str) -> dict[str, Any] | None:
    """The source's last successful run of any of ``kinds`` (the kinds loading one table), when its fingerprint is
    ``fingerprint``: the table then holds exactly what a load of the same file would leave (loads of the source
    are serialised, and only they write its rows). None otherwise."""
    cur.execute(
        "SELECT id, source_id, fingerprint, read, loaded, rejected, rejected_by_reason, flagged_by_reason"
        " FROM load_runs WHERE source_name = %s AND kind = ANY(%s) AND status = 'succeeded'"
        " ORDER BY id DESC LIMIT 1",
        (source, list(kinds)),
    )
    row = cur.fetchone()
    if row is None or row[2] != fingerprint or row[1] is None:
        return None
    names = ("id", "source_id", "fingerprint", "read", "loaded", "rejected", "rejected_by_reason", "flagged_by_reason")
    return dict(zip(names, row, strict=True))


def copy_rejects(cur: Cursor, from_run: int, to_run: int) -> int:
    """Keep ``from_run``'s rejects as ``to_run``'s too (an identical reload rejects the same rows); returns how many
    say that their ref's previous version was kept."""
    cur.execute(
        "INSERT INTO load_rejects (run_id, row_number, field, reason, raw)"
        " SELECT %s, row_number, field, reason, raw FROM load_rejects WHERE run_id = %s ORDER BY row_number, id",
        (to_run, from_run),
    )
    cur.execute(
        "SELECT count(*) FROM load_rejects WHERE run_id = %s AND reason LIKE '%%(the previous version of %%was kept)'",
        (to_run,),
    )
    return cur.fetchone()[0]


def store_rejects(cur: Cursor, run_id: int, rejects: Iterable[Reject]) -> None:
    """Keep the run's rejects, in file order."""
    rows = (
        (run_id, rj.row_number, (rj.field or None) and rj.field[:128], rj.reason, (rj.raw or "")[:RAW_LIMIT])
        for rj in sorted(rejects, key=lambda r: r.row_number)
    )
    copy_rows(cur, "load_rejects", ["run_id", "row_number", "field", "reason", "raw"], rows)


def has_succeeded(cur: Cursor, source: str, kind: str) -> bool:
    """Whether ``source`` has a successful run of ``kind``."""
    cur.execute(
        "SELECT 1 FROM load_runs WHERE source_name = %s AND kind = %s AND status = 'succeeded' LIMIT 1",
        (source, kind),
    )
    return cur.fetchone() is not None


# --- reading the history ---------------------------------------------------------------------------------------


def _query(database_url: str, sql: str, params: Any, *, commit: bool = False) -> list[dict[str, Any]]:
    engine = make_engine(database_url, statement_timeout_ms=60_000, pool_size=1)
    try:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
            if commit:
                conn.commit()
            else:
                conn.rollback()
            return rows
        finally:
            conn.close()
    finally:
        engine.dispose()


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def history(database_url: str, *, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent load runs, newest first (a run whose load was killed is marked failed first)."""
    swept = f"WITH swept AS ({SWEEP_SQL} RETURNING 1) SELECT count(*) FROM swept"
    _query(database_url, swept, {"source": None}, commit=True)
    rows = _query(
        database_url,
        "SELECT id AS run_id, source_name AS source, kind, location, status, started_at, finished_at, read, loaded,"
        " rejected, retired, rejected_by_reason, flagged_by_reason, error FROM load_runs"
        " WHERE (%(source)s::text IS NULL OR source_name = %(source)s) ORDER BY id DESC LIMIT %(limit)s",
        {"source": source, "limit": limit},
    )
    return [_jsonable(r) for r in rows]


def run_rejects(database_url: str, run_id: int, *, limit: int | None = None) -> list[dict[str, Any]] | None:
    """A run's rejected rows in file order, or None when there is no such run."""
    runs = _query(database_url, "SELECT id FROM load_runs WHERE id = %s", (run_id,))
    if not runs:
        return None
    return _query(
        database_url,
        "SELECT row_number, field, reason, raw FROM load_rejects WHERE run_id = %(run)s ORDER BY row_number, id"
        " LIMIT %(limit)s",
        {"run": run_id, "limit": limit},
    )
