"""Suspensions from files into ``suspensions``: each resolved to the live places it suspends (by ref, or every place
its geometry touches), then the source's file suspensions replaced (the API's own suspensions are left alone)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from psycopg2.extensions import cursor as Cursor

from parking_api.store.records import Converted, Reject, SuspensionRecord

from .copy import copy_rows
from .table import StageContext, Staged, SwapContext, Swapped, TableLoad, build_geometry, dedupe, geometry_rejects

TOUCH_M = 1.0  # a suspension geometry suspends the live places within this distance (metres)

_STAGE_COLUMNS = [
    "row_number",
    "place_source",
    "place_ref",
    "geom_text",
    "srid",
    "starts_at",
    "ends_at",
    "reason",
    "ref",
]


def _key(s: SuspensionRecord) -> tuple[Any, ...]:
    where = (s.place_source, s.place_ref) if s.place_ref else ("geometry", s.geometry_wkt)
    return (*where, s.ref) if s.ref else (*where, s.starts_at.isoformat(), s.ends_at.isoformat())


def stage(cur: Cursor, converted: Converted, context: StageContext) -> Staged:
    """``stage_susp`` as read, and ``stage_susp_resolved``: one row per suspended live place. A suspension that
    suspends no live place is a reject."""
    rejects: list[Reject] = []
    records = dedupe(converted.suspensions, _key, "suspension", rejects)
    cur.execute(
        """
        CREATE TEMP TABLE stage_susp (
            row_number integer, place_source text, place_ref text, geom_text text, srid integer,
            starts_at timestamptz, ends_at timestamptz, reason text, ref text
        ) ON COMMIT DROP
        """
    )
    copy_rows(
        cur,
        "stage_susp",
        _STAGE_COLUMNS,
        (
            (
                s.row_number,
                s.place_source or (context.source if s.place_ref else None),
                s.place_ref,
                None if s.place_ref else s.geometry_wkt,
                4326,
                s.starts_at.isoformat(),
                s.ends_at.isoformat(),
                s.reason or "",
                s.ref,
            )
            for s in records
        ),
    )
    cur.execute("ANALYZE stage_susp")
    build_geometry(cur, "stage_susp")
    bad = geometry_rejects(cur, "stage_susp")
    rejects.extend(bad)
    cur.execute(
        """
        CREATE TEMP TABLE stage_susp_resolved ON COMMIT DROP AS
        SELECT DISTINCT ON (place_id, coalesce(ref, ''), CASE WHEN ref IS NULL THEN starts_at END,
                            CASE WHEN ref IS NULL THEN ends_at END)
               row_number, place_id, ref, starts_at, ends_at, reason
        FROM (
            SELECT s.row_number, p.id AS place_id, s.ref, s.starts_at, s.ends_at, s.reason
            FROM stage_susp s
            JOIN sources src ON src.name = s.place_source
            JOIN places p ON p.source_id = src.id AND p.ref = s.place_ref AND p.retired_at IS NULL
            WHERE s.place_ref IS NOT NULL
            UNION ALL
            SELECT s.row_number, p.id, s.ref, s.starts_at, s.ends_at, s.reason
            FROM stage_susp s JOIN stage_susp_geom g USING (row_number)
            JOIN LATERAL (
                SELECT p.id FROM places p
                WHERE p.retired_at IS NULL
                  AND ST_DWithin(p.geom::geography, g.geom::geography, %(touch)s)
                  AND (s.place_source IS NULL
                       OR p.source_id = (SELECT id FROM sources WHERE name = s.place_source))
            ) p ON true
            WHERE s.place_ref IS NULL
        ) x
        ORDER BY place_id, coalesce(ref, ''), CASE WHEN ref IS NULL THEN starts_at END,
                 CASE WHEN ref IS NULL THEN ends_at END, row_number
        """,
        {"touch": TOUCH_M},
    )
    cur.execute("SELECT DISTINCT row_number FROM stage_susp_resolved")
    loaded = {row for (row,) in cur.fetchall()}
    bad_rows = {b.row_number for b in bad}
    for s in records:
        if s.row_number in loaded or s.row_number in bad_rows:
            continue
        if s.place_ref:
            place = f"{s.place_source or context.source}/{s.place_ref}"
            rejects.append(Reject(s.row_number, f"unknown place: no live place {place!r}", s.place_ref, "ref"))
        else:
            reason = "unknown place: no live place at the geometry"
            rejects.append(Reject(s.row_number, reason, s.geometry_wkt or "", "geometry"))
    cur.execute("CREATE INDEX ON stage_susp_resolved (place_id)")
    cur.execute("ANALYZE stage_susp_resolved")
    return Staged(loaded=loaded, rejects=rejects, flags=Counter())


# a live file suspension ``t`` that stands for the resolved row ``r``: same place, and same ref (or same times)
_MATCH = """
    t.source_id = %(sid)s AND t.origin = 'file' AND t.place_id = r.place_id
    AND ((r.ref IS NOT NULL AND t.ref = r.ref)
         OR (r.ref IS NULL AND t.ref IS NULL AND t.starts_at = r.starts_at AND t.ends_at = r.ends_at))
"""


def swap(cur: Cursor, run: SwapContext) -> Swapped:
    """The source's file suspensions become the file's: the ones it no longer lists are deleted (a suspension has no
    history to keep), changed ones updated, new ones inserted."""
    params = {"sid": run.source_id, "run": run.run_id}
    cur.execute(
        f"""
        DELETE FROM suspensions t
        WHERE t.source_id = %(sid)s AND t.origin = 'file'
          AND NOT EXISTS (SELECT 1 FROM stage_susp_resolved r WHERE {_MATCH})
        """,
        params,
    )
    retired = cur.rowcount
    cur.execute(
        f"""
        UPDATE suspensions t SET starts_at = r.starts_at, ends_at = r.ends_at, reason = r.reason, run_id = %(run)s
        FROM stage_susp_resolved r
        WHERE {_MATCH}
          AND (t.starts_at, t.ends_at, t.reason) IS DISTINCT FROM (r.starts_at, r.ends_at, r.reason)
        """,
        params,
    )
    updated = cur.rowcount
    cur.execute(
        f"""
        INSERT INTO suspensions (place_id, source_id, ref, starts_at, ends_at, reason, origin, run_id)
        SELECT r.place_id, %(sid)s, r.ref, r.starts_at, r.ends_at, r.reason, 'file', %(run)s
        FROM stage_susp_resolved r
        WHERE NOT EXISTS (SELECT 1 FROM suspensions t WHERE {_MATCH})
        """,
        params,
    )
    inserted = cur.rowcount
    cur.execute("SELECT count(*) FROM stage_susp_resolved")
    unchanged = cur.fetchone()[0] - inserted - updated
    return Swapped(inserted=inserted, updated=updated, unchanged=unchanged, retired=retired)


SUSPENSIONS = TableLoad("suspensions", stage, swap)
