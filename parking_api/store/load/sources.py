"""The ``sources`` row of the feed being loaded: created on its first load, its metadata refreshed by each later one."""

from __future__ import annotations

from psycopg2.extensions import cursor as Cursor

from parking_api.store.records import SourceMeta


def upsert_source(
    cur: Cursor, name: str, meta: SourceMeta, *, timezone: str | None, holidays: str | None, dry_run: bool
) -> int:
    """The source's id, its row written from ``meta``; ``timezone`` and ``holidays`` (from the command line) win over
    what the file says. A blank value in the file keeps what the row had."""
    zone = timezone or meta.timezone or "Europe/London"
    cur.execute(
        """
        INSERT INTO sources AS s (name, publisher, licence, attribution, url, timezone, holidays, published_at,
                                  last_loaded_at)
        VALUES (%(name)s, %(publisher)s, %(licence)s, %(attribution)s, %(url)s, %(timezone)s, %(holidays)s,
                %(published_at)s, CASE WHEN %(dry)s THEN NULL ELSE now() END)
        ON CONFLICT (name) DO UPDATE SET
            publisher = COALESCE(NULLIF(EXCLUDED.publisher, ''), s.publisher),
            licence = COALESCE(NULLIF(EXCLUDED.licence, ''), s.licence),
            attribution = COALESCE(NULLIF(EXCLUDED.attribution, ''), s.attribution),
            url = COALESCE(NULLIF(EXCLUDED.url, ''), s.url),
            timezone = CASE WHEN %(tz_given)s THEN EXCLUDED.timezone ELSE s.timezone END,
            holidays = COALESCE(EXCLUDED.holidays, s.holidays),
            published_at = COALESCE(EXCLUDED.published_at, s.published_at),
            last_loaded_at = now()
        RETURNING id
        """,
        {
            "name": name,
            "publisher": meta.publisher,
            "licence": meta.licence,
            "attribution": meta.attribution,
            "url": meta.url,
            "timezone": zone,
            "tz_given": bool(timezone or meta.timezone),
            "holidays": holidays or meta.holidays,
            "published_at": meta.published_at,
            "dry": dry_run,
        },
    )
    return cur.fetchone()[0]


def refresh_coverage(cur: Cursor, source_id: int) -> None:
    """Recompute the source's coverage (the convex hull of its live bays and zones, NULL when it has none), in the
    load's transaction, so that readers only ever read one row's column."""
    cur.execute(
        """
        UPDATE sources SET coverage = (
            SELECT ST_ConvexHull(ST_Collect(geom))
            FROM (
                SELECT geom FROM places WHERE source_id = %(sid)s AND retired_at IS NULL
                UNION ALL
                SELECT geom FROM zones WHERE source_id = %(sid)s AND retired_at IS NULL
            ) shapes
        )
        WHERE id = %(sid)s
        """,
        {"sid": source_id},
    )
