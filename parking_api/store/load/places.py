"""Bays into ``places``: upserted by ``(source, ref)``, retired when a newer file of their kind no longer lists them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any

import orjson
from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values
from tqdm import tqdm

from parking_api.engine.model import Regulation
from parking_api.store.records import Converted, PlaceRecord, Reject

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
    retire_unlisted,
    staged_rows,
)

_STAGE_COLUMNS = [
    "row_number",
    "ref",
    "reg_key",
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

# the staged values of a place, as stored (``s`` the stage row, ``g`` its geometry, ``k`` its regulation's id)
_VALUES = """
    'bay', s.restriction_type, s.category, k.regulation_id, s.road, s.zone, s.spaces, s.length_m, g.geom,
    CASE ST_Dimension(g.geom) WHEN 0 THEN 'point' WHEN 1 THEN 'line' ELSE 'polygon' END,
    s.search_radius_m, s.attributes,
    CASE WHEN g.repaired THEN array_append(s.flags, 'invalid_geometry_repaired') ELSE s.flags END
"""

_COMPARED = _VALUES.replace("g.geom,", "ST_AsEWKB(g.geom),", 1)  # geometry compared as bytes
_STAGED = "stage_places s JOIN stage_places_geom g USING (row_number) JOIN stage_places_regs k USING (reg_key)"


def stage(cur: Cursor, converted: Converted, context: StageContext) -> Staged:
    """``stage_places`` (one row per ref), ``stage_places_geom`` and ``stage_places_regs`` (each staged regulation's
    id); a record without usable geometry is a reject.

    The records stream straight into COPY (``converted.place_stream``, else ``converted.places``): only their
    distinct regulations (shared objects when the converter memoises them) and the few merged records' row lists are
    kept. Duplicates, rows without geometry and the flags are then found in SQL, on the staged rows."""
    stream = converted.place_stream
    records: Iterable[PlaceRecord] = stream if stream is not None else converted.places
    regulations: dict[int, tuple[int, Regulation]] = {}  # id(regulation) -> (its key in the stage, it)
    covers: dict[int, tuple[int, ...]] = {}
    cur.execute(
        """
        CREATE TEMP TABLE stage_places (
            row_number integer, ref text, reg_key integer, geom_text text, srid integer,
            restriction_type text, category text, road text, zone text, spaces integer, length_m numeric(10,2),
            search_radius_m numeric(8,2), attributes jsonb, flags text[]
        ) ON COMMIT DROP
        """
    )

    def reg_key(reg: Regulation) -> int:
        known = regulations.get(id(reg))  # the object is kept in the dict, so its id is never reused meanwhile
        if known is None:
            known = regulations[id(reg)] = (len(regulations), reg)
        return known[0]

    def rows(places: Iterable[PlaceRecord]) -> Iterator[tuple[Any, ...]]:
        for r in places:
            merged = r.attributes.get("source_rows") if r.attributes else None
            if isinstance(merged, list | tuple) and merged:
                covers[r.row_number] = tuple(sorted({int(x) for x in merged if isinstance(x, int)} | {r.row_number}))
            yield (
                r.row_number,
                r.ref,
                reg_key(r.regulation),
                r.geometry_wkt or None,
                r.geometry_srid or 4326,
                r.restriction_type or "",
                (r.regulation.category or "")[:64],
                r.road,
                r.zone[:32] if r.zone else r.zone,
                r.spaces,
                None if r.length_m is None else round(float(r.length_m), 2),
                round(float(r.search_radius_m or 0.0), 2),
                _attributes_json(r.attributes) if r.attributes else "{}",
                pg_array(r.flags),
            )

    bar = tqdm(desc="loading", unit="rows", leave=False) if context.progress else None
    copy_rows(cur, "stage_places", _STAGE_COLUMNS, rows(records), bar.update if bar is not None else None)
    if bar is not None:
        bar.close()
    context.lap("copy")
    cur.execute("CREATE INDEX ON stage_places (row_number)")
    cur.execute("ANALYZE stage_places (row_number, ref, srid)")
    rejects = _duplicates(cur)
    cur.execute("DELETE FROM stage_places WHERE geom_text IS NULL RETURNING row_number, ref")
    rejects.extend(Reject(row, "no geometry", "", "geometry", ref) for row, ref in cur.fetchall())
    build_geometry(cur, "stage_places")
    rejects.extend(geometry_rejects(cur, "stage_places"))
    context.lap("geometry")
    cur.execute("CREATE UNIQUE INDEX ON stage_places (ref)")
    staged = staged_rows(cur, "stage_places")
    loaded: AbstractSet[int] = staged
    if covers:  # merged records (CurbLR): each stands for several rows
        loaded = set(staged).union(*(covered for row, covered in covers.items() if row in staged))
    _stage_regulations(cur, regulations)
    context.lap("regulations")
    cur.execute("SELECT f, count(*) FROM stage_places, unnest(flags) AS f GROUP BY f")
    flags: Counter[str] = Counter(dict(cur.fetchall()))
    for key, n in converted.flags.items():  # the converter's file-level flags, when not already counted
        if key not in flags:
            flags[key] += n
    count_repaired(cur, "stage_places", flags)
    return Staged(loaded=loaded, rejects=rejects, flags=flags, covers=covers)


_ATTRIBUTES_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _attributes_json(attributes: dict[str, Any]) -> str:
    """A place's attributes as JSON text for COPY, by orjson (the standard library's encoder was a tenth of a
    million-row load); values JSON cannot hold (dates, decimals) are written as ``str()`` writes them."""
    return orjson.dumps(attributes, default=str, option=_ATTRIBUTES_OPTIONS).decode()


def _duplicates(cur: Cursor) -> list[Reject]:
    """Every staged row whose ref an earlier row already has, as a reject naming that row; removed from the stage."""
    cur.execute(
        """
        DELETE FROM stage_places s USING (
            SELECT row_number, min(row_number) OVER (PARTITION BY ref) AS first FROM stage_places
        ) d
        WHERE s.row_number = d.row_number AND d.first <> d.row_number
        RETURNING s.row_number, s.ref, d.first
        """
    )
    return [
        Reject(row, f"duplicate ref: {ref!r} also at row {first}", str(ref), "ref")
        for row, ref, first in sorted(cur.fetchall())
    ]


def _stage_regulations(cur: Cursor, regulations: dict[int, tuple[int, Regulation]]) -> None:
    """Insert the staged rows' distinct regulations (once per fingerprint) and map each stage key to its id in
    ``stage_places_regs``."""
    cur.execute("SELECT DISTINCT reg_key FROM stage_places")
    used = {key for (key,) in cur.fetchall()}
    by_key = {key: reg for key, reg in regulations.values() if key in used}
    ids = regulation_ids(cur, by_key.values())
    cur.execute(
        "CREATE TEMP TABLE stage_places_regs (reg_key integer PRIMARY KEY, regulation_id integer) ON COMMIT DROP"
    )
    pairs = [(key, ids[id(reg)]) for key, reg in by_key.items()]
    execute_values(cur, "INSERT INTO stage_places_regs VALUES %s", pairs)
    cur.execute("ANALYZE stage_places_regs")


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
        FROM {_STAGED}
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
        FROM {_STAGED}
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


PLACES = TableLoad("places", stage, swap, what="bays", shrink_limited=True, covers=True)
