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


def start_run(cur: Cursor, source: str, kind: str, location: str) -> int:
    """A new ``running`` run of ``source``; call it holding the source's lock. Returns the run's id."""
    # a run still 'running' while we hold the source's lock was cut short (process killed): say so
    cur.execute(
        "UPDATE load_runs SET status = 'failed', finished_at = clock_timestamp(),"
        " error = 'interrupted: the loading process ended before finishing'"
        " WHERE source_name = %s AND status = 'running'",
        (source,),
    )
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
) -> None:
    """Write the run's outcome: ``counts`` has ``read``, ``loaded``, ``rejected`` and ``retired``."""
    cur.execute(
        "UPDATE load_runs SET status = %s, finished_at = clock_timestamp(), read = %s, loaded = %s, rejected = %s,"
        " retired = %s, rejected_by_reason = %s, flagged_by_reason = %s, error = %s,"
        " source_id = COALESCE(%s, source_id) WHERE id = %s",
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
            run_id,
        ),
    )


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


def _query(database_url: str, sql: str, params: Any) -> list[dict[str, Any]]:
    engine = make_engine(database_url, statement_timeout_ms=60_000, pool_size=1)
    try:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
            conn.rollback()
            return rows
        finally:
            conn.close()
    finally:
        engine.dispose()


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def history(database_url: str, *, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The most recent load runs, newest first."""
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
