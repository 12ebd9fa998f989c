"""Controlled parking zones into ``zones``: one row per ref (the parts sharing a ref merged into one MultiPolygon),
upserted by ``(source, ref)`` and retired when a newer file of the kind no longer lists them."""

from __future__ import annotations

import json

from psycopg2.extensions import cursor as Cursor

from parking_api.store.records import Converted, Reject, ZoneRecord

from .copy import copy_rows, pg_array
from .regulations import regulation_ids
from .table import (
    StageContext,
    Staged,
    SwapContext,
    Swapped,
    TableLoad,
    build_geometry,
    count_repaired,
    geometry_rejects,
    live_rows,
    record_flags,
    retire_unlisted,
)


def stage(cur: Cursor, converted: Converted, context: StageContext) -> Staged:
    """``stage_zones`` (one row per part) with ``stage_zones_geom``, and ``stage_zone_attrs`` (one row per ref)."""
    rejects: list[Reject] = []
    records: list[ZoneRecord] = list(converted.zones)
    reg_ids = regulation_ids(cur, (z.regulation for z in records))
    # one zone row per ref: parts sharing a ref are merged; their attributes come from the first part
    groups: dict[str, list[ZoneRecord]] = {}
    for z in records:
        groups.setdefault(z.ref, []).append(z)
    cur.execute(
        "CREATE TEMP TABLE stage_zones (row_number integer, ref text, geom_text text, srid integer) ON COMMIT DROP"
    )
    cur.execute(
        "CREATE TEMP TABLE stage_zone_attrs (ref text PRIMARY KEY, code text, name text, sub_zone text,"
        " hours jsonb, regulation_id integer, flags text[]) ON COMMIT DROP"
    )
    for z in records:
        if not z.geometry_wkt:
            rejects.append(Reject(z.row_number, "no geometry", "", "geometry", z.ref))
    copy_rows(
        cur,
        "stage_zones",
        ["row_number", "ref", "geom_text", "srid"],
        ((z.row_number, z.ref, z.geometry_wkt, z.geometry_srid or 4326) for z in records if z.geometry_wkt),
    )
    attrs = []
    for ref, parts in groups.items():
        first = parts[0]
        flags = list(dict.fromkeys(f for p in parts for f in p.flags))
        signature = {
            (p.code, p.name, p.sub_zone, json.dumps(p.hours, sort_keys=True), id(p.regulation)) for p in parts
        }
        if len(signature) > 1:
            flags.append("merged_parts_disagree")
        attrs.append(
            (
                ref,
                first.code[:32],
                first.name,
                first.sub_zone,
                json.dumps(first.hours, sort_keys=True, default=str),
                reg_ids[id(first.regulation)],
                pg_array(flags),
            )
        )
    copy_rows(cur, "stage_zone_attrs", ["ref", "code", "name", "sub_zone", "hours", "regulation_id", "flags"], attrs)
    cur.execute("CREATE INDEX ON stage_zones (row_number)")
    cur.execute("ANALYZE stage_zones")
    build_geometry(cur, "stage_zones")
    rejects.extend(geometry_rejects(cur, "stage_zones", polygonal=True))
    cur.execute("SELECT row_number FROM stage_zones")
    loaded = {row for (row,) in cur.fetchall()}
    flags = record_flags(converted, (z for z in records if z.row_number in loaded))
    count_repaired(cur, "stage_zones", flags)
    return Staged(loaded=loaded, rejects=rejects, flags=flags)


def swap(cur: Cursor, run: SwapContext) -> Swapped:
    """Merge each ref's parts, then upsert by (source, ref); unchanged zones are not written at all."""
    live_before = live_rows(cur, "zones", run)
    cur.execute(
        """
        CREATE TEMP TABLE stage_zone_merged ON COMMIT DROP AS
        SELECT z.ref, ST_Multi(ST_CollectionExtract(ST_Union(g.geom), 3)) AS geom, bool_or(g.repaired) AS repaired
        FROM stage_zones z JOIN stage_zones_geom g USING (row_number)
        GROUP BY z.ref
        """
    )
    cur.execute(
        """
        WITH up AS (
            INSERT INTO zones AS t (source_id, ref, code, name, sub_zone, hours, regulation_id, geom, flags,
                                    last_run_id)
            SELECT %(sid)s, m.ref, a.code, a.name, a.sub_zone, a.hours, a.regulation_id, m.geom,
                   CASE WHEN m.repaired THEN array_append(a.flags, 'invalid_geometry_repaired') ELSE a.flags END,
                   %(run)s
            FROM stage_zone_merged m JOIN stage_zone_attrs a USING (ref)
            ON CONFLICT ON CONSTRAINT zones_source_ref DO UPDATE SET
                code = EXCLUDED.code, name = EXCLUDED.name, sub_zone = EXCLUDED.sub_zone, hours = EXCLUDED.hours,
                regulation_id = EXCLUDED.regulation_id, geom = EXCLUDED.geom, flags = EXCLUDED.flags,
                last_run_id = EXCLUDED.last_run_id, updated_at = now(), retired_at = NULL
            WHERE t.retired_at IS NOT NULL
               OR (t.code, t.name, t.sub_zone, t.hours, t.regulation_id, ST_AsEWKB(t.geom), t.flags)
                  IS DISTINCT FROM
                  (EXCLUDED.code, EXCLUDED.name, EXCLUDED.sub_zone, EXCLUDED.hours, EXCLUDED.regulation_id,
                   ST_AsEWKB(EXCLUDED.geom), EXCLUDED.flags)
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
        """,
        {"sid": run.source_id, "run": run.run_id},
    )
    inserted, updated = cur.fetchone()
    cur.execute("SELECT count(*) FROM stage_zone_merged")
    unchanged = cur.fetchone()[0] - inserted - updated
    retired, kept = retire_unlisted(cur, "zones", "stage_zone_merged", run)
    return Swapped(inserted, updated, unchanged, retired, live_before=live_before, kept=kept)


ZONES = TableLoad("zones", stage, swap, what="zones", shrink_limited=True, covers=True)
