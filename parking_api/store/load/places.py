"""Bays into ``places``: upserted by ``(source, ref)``, retired when a newer file of their kind no longer lists them."""

from __future__ import annotations

import json

from psycopg2.extensions import cursor as Cursor
from tqdm import tqdm

from parking_api.store.records import Converted, Reject

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
    dedupe,
    geometry_rejects,
    live_rows,
    record_flags,
    retire_unlisted,
)

_STAGE_COLUMNS = [
    "row_number",
    "ref",
    "regulation_id",
    "geom_text",
    "srid",
    "restriction_type",
    "category",
    "road",
    "zone",
    "spaces",
    "length_m",
    "search_radius_m",
    "attributes",
    "flags",
]

# the staged values of a place, as stored (``s`` the stage row, ``g`` its geometry)
_VALUES = """
    'bay', s.restriction_type, s.category, s.regulation_id, s.road, s.zone, s.spaces, s.length_m, g.geom,
    CASE ST_Dimension(g.geom) WHEN 0 THEN 'point' WHEN 1 THEN 'line' ELSE 'polygon' END,
    s.search_radius_m, s.attributes,
    CASE WHEN g.repaired THEN array_append(s.flags, 'invalid_geometry_repaired') ELSE s.flags END
"""

_COMPARED = _VALUES.replace("g.geom,", "ST_AsEWKB(g.geom),", 1)  # geometry compared as bytes


def stage(cur: Cursor, converted: Converted, context: StageContext) -> Staged:
    """``stage_places`` (one row per ref) and ``stage_places_geom``; a record without usable geometry is a reject."""
    rejects: list[Reject] = []
    records = dedupe(converted.places, lambda r: r.ref, "ref", rejects)
    reg_ids = regulation_ids(cur, (r.regulation for r in records))
    context.lap("regulations")
    cur.execute(
        """
        CREATE TEMP TABLE stage_places (
            row_number integer, ref text, regulation_id integer, geom_text text, srid integer,
            restriction_type text, category text, road text, zone text, spaces integer, length_m numeric(10,2),
            search_radius_m numeric(8,2), attributes jsonb, flags text[]
        ) ON COMMIT DROP
        """
    )
    bar = tqdm(total=len(records), desc="staging", unit="rows", leave=False) if context.progress else None
    rows = (
        (
            r.row_number,
            r.ref,
            reg_ids[id(r.regulation)],
            r.geometry_wkt or None,
            r.geometry_srid or 4326,
            r.restriction_type or "",
            (r.regulation.category or "")[:64],
            r.road,
            r.zone[:32] if r.zone else r.zone,
            r.spaces,
            None if r.length_m is None else round(float(r.length_m), 2),
            round(float(r.search_radius_m or 0.0), 2),
            json.dumps(r.attributes, ensure_ascii=False, default=str) if r.attributes else "{}",
            pg_array(r.flags),
        )
        for r in records
    )
    copy_rows(cur, "stage_places", _STAGE_COLUMNS, rows, bar.update if bar is not None else None)
    if bar is not None:
        bar.close()
    context.lap("copy")
    missing = [r for r in records if not r.geometry_wkt]
    for r in missing:
        rejects.append(Reject(r.row_number, "no geometry", "", "geometry", r.ref))
    if missing:
        cur.execute("DELETE FROM stage_places WHERE geom_text IS NULL")
    cur.execute("CREATE INDEX ON stage_places (row_number)")
    cur.execute("ANALYZE stage_places (row_number, ref, srid)")
    build_geometry(cur, "stage_places")
    rejects.extend(geometry_rejects(cur, "stage_places"))
    context.lap("geometry")
    cur.execute("CREATE UNIQUE INDEX ON stage_places (ref)")
    cur.execute("SELECT row_number FROM stage_places")
    staged = {row for (row,) in cur.fetchall()}
    loaded = set(staged)
    covers: dict[int, tuple[int, ...]] = {}
    for r in records:
        merged = r.attributes.get("source_rows") if r.attributes else None
        if isinstance(merged, list | tuple) and merged:
            covered = tuple(sorted({int(x) for x in merged if isinstance(x, int)} | {r.row_number}))
            covers[r.row_number] = covered
            if r.row_number in staged:
                loaded.update(covered)
    flags = record_flags(converted, (r for r in records if r.row_number in staged))
    count_repaired(cur, "stage_places", flags)
    return Staged(loaded=loaded, rejects=rejects, flags=flags, covers=covers)


def swap(cur: Cursor, run: SwapContext) -> Swapped:
    """Upsert by (source, ref) as two set operations (the source's loads are serialised by the advisory lock, so
    no other writer adds its refs meanwhile): a hash join updates the rows that changed or come back, an
    anti-join inserts the new ones. Unchanged rows are not written at all."""
    params = {"sid": run.source_id, "run": run.run_id}
    live_before = live_rows(cur, "places", run)
    cur.execute(
        f"""
        UPDATE places p
        SET (kind, restriction_type, category, regulation_id, road, zone, spaces, length_m, geom, geom_quality,
             search_radius_m, attributes, flags) = ({_VALUES}),
            last_run_id = %(run)s, updated_at = now(), retired_at = NULL
        FROM stage_places s JOIN stage_places_geom g USING (row_number)
        WHERE p.source_id = %(sid)s AND p.ref = s.ref
          AND (p.retired_at IS NOT NULL
               OR (p.kind, p.restriction_type, p.category, p.regulation_id, p.road, p.zone, p.spaces, p.length_m,
                   ST_AsEWKB(p.geom), p.geom_quality, p.search_radius_m, p.attributes, p.flags)
                  IS DISTINCT FROM
                  ({_COMPARED}))
        """,
        params,
    )
    updated = cur.rowcount
    run.lap("update")
    cur.execute(
        f"""
        INSERT INTO places (source_id, ref, kind, restriction_type, category, regulation_id, road, zone, spaces,
                            length_m, geom, geom_quality, search_radius_m, attributes, flags, first_run_id,
                            last_run_id)
        SELECT %(sid)s, s.ref, {_VALUES}, %(run)s, %(run)s
        FROM stage_places s JOIN stage_places_geom g USING (row_number)
        WHERE NOT EXISTS (SELECT 1 FROM places p WHERE p.source_id = %(sid)s AND p.ref = s.ref)
        ORDER BY g.geom
        """,
        params,
    )
    inserted = cur.rowcount
    cur.execute("SELECT count(*) FROM stage_places")
    unchanged = cur.fetchone()[0] - inserted - updated
    run.lap("insert")
    retired, kept = retire_unlisted(cur, "places", "stage_places", run)
    return Swapped(inserted, updated, unchanged, retired, live_before=live_before, kept=kept)


PLACES = TableLoad("places", stage, swap, what="bays", shrink_limited=True)
