"""What every target table's load shares: the stage → swap contract, and staging's checks of rows and geometry.

A table module (``places``, ``zones``, ``suspensions``) stages a converter's records in TEMP tables (dropped at
commit), where PostGIS builds, reprojects and repairs their geometry in bulk and the rows it cannot use become
rejects; then it swaps the staged rows into its live table. Both steps run inside the load's one transaction.
"""

from __future__ import annotations

import io
import logging
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Set
from dataclasses import dataclass, field
from typing import Any, TypeVar

from psycopg2.extensions import cursor as Cursor

from parking_api.store.records import Converted, PlaceRecord, Reject, ZoneRecord

log = logging.getLogger(__name__)

Lap = Callable[[str], None]
"""Called with a phase's name when it ends, for the report's timings."""


@dataclass(frozen=True)
class StageContext:
    source: str  # the source being loaded
    progress: bool  # show a progress bar while copying
    lap: Lap


class RowNumbers(Set[int]):
    """Row numbers as a sorted array, 4 bytes each: a million staged rows take 4 MB, not a Python set's ~100 MB, so
    that a load's memory stays flat in the file's size."""

    def __init__(self, rows: array) -> None:
        self._rows = rows

    def __contains__(self, row: object) -> bool:
        i = bisect_left(self._rows, row)  # type: ignore[arg-type]
        return i < len(self._rows) and self._rows[i] == row

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)


def staged_rows(cur: Cursor, stage: str) -> RowNumbers:
    """The row numbers left in ``stage``, read as COPY text rather than a million result tuples."""
    buf = io.StringIO()
    cur.copy_expert(f"COPY (SELECT row_number FROM {stage} ORDER BY row_number) TO STDOUT", buf)
    buf.seek(0)
    return RowNumbers(array("i", map(int, buf)))  # line by line: no list of a million strings


@dataclass
class Staged:
    """What staging kept and found: the data rows that will load, and the rejects it made."""

    loaded: Set[int]
    rejects: list[Reject]
    flags: Counter[str]
    covers: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """Row numbers a record stands for besides its own (``attributes["source_rows"]``: merged features)."""


@dataclass(frozen=True)
class SwapContext:
    source_id: int
    run_id: int
    kind: str  # a kind replaces only what runs of the same kind loaded for the source
    lap: Lap
    kept_refs: frozenset[str] = frozenset()
    """Refs of the file's rejected rows: their live rows keep their previous version rather than being retired."""


@dataclass(frozen=True)
class Swapped:
    inserted: int
    updated: int
    unchanged: int
    retired: int
    live_before: int = 0
    """The source's live rows of the kind before the swap (what a shrink is measured against)."""
    kept: tuple[str, ...] = ()
    """The refs of ``SwapContext.kept_refs`` whose live row would have been retired and was kept as it was."""


@dataclass(frozen=True)
class TableLoad:
    """How records reach one live table: ``stage`` them, then ``swap`` them in.

    ``what`` names its rows in messages (``bays``). ``shrink_limited``: the runner refuses a file that would retire
    more than the allowed share of the live rows (a truncated export), and a rejected row's ref keeps its previous
    version; tables whose files shrink legitimately (suspensions end) leave it off."""

    table: str
    stage: Callable[[Cursor, Converted, StageContext], Staged]
    swap: Callable[[Cursor, SwapContext], Swapped]
    what: str = "rows"
    shrink_limited: bool = False
    covers: bool = False
    """Its rows are part of the source's coverage (bays, zones): a load that changes them recomputes it."""


R = TypeVar("R", bound=Any)


def dedupe(records: Iterable[R], key: Callable[[R], Any], what: str, rejects: list[Reject]) -> list[R]:
    """The records whose key was not seen before; each later duplicate becomes a reject naming the first row."""
    seen: dict[Any, int] = {}
    keep = []
    for rec in records:
        k = key(rec)
        first = seen.get(k)
        if first is not None:
            rejects.append(Reject(rec.row_number, f"duplicate {what}: {k!r} also at row {first}", str(k), "ref"))
            continue
        seen[k] = rec.row_number
        keep.append(rec)
    return keep


def record_flags(converted: Converted, records: Iterable[PlaceRecord | ZoneRecord]) -> Counter[str]:
    """The flags of the records that load, then the converter's file-level flags not already counted."""
    flags: Counter[str] = Counter()
    for rec in records:
        flags.update(rec.flags)
    for key, n in converted.flags.items():
        if key not in flags:
            flags[key] += n
    return flags


def count_repaired(cur: Cursor, stage: str, flags: Counter[str]) -> None:
    """Count the staged geometries PostGIS had to repair as ``invalid_geometry_repaired``."""
    cur.execute(f"SELECT count(*) FROM {stage}_geom WHERE repaired")
    repaired = cur.fetchone()[0]
    if repaired:
        flags["invalid_geometry_repaired"] += repaired


_GEOM_SQL = """
    SELECT v.row_number, v.geom, v.repaired, NULL::text AS error FROM (
        SELECT s.row_number,
               CASE WHEN ST_IsValid(b.g) THEN b.g ELSE ST_MakeValid(b.g) END AS geom,
               NOT ST_IsValid(b.g) AS repaired
        FROM {stage} s
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s.srid = 4326 THEN a.g0 ELSE ST_Transform(a.g0, 4326) END AS g
            FROM (SELECT ST_Force2D(CASE WHEN left(ltrim(s.geom_text), 1) = '{{'
                                         THEN ST_SetSRID(ST_GeomFromGeoJSON(s.geom_text), s.srid)
                                         ELSE ST_GeomFromText(s.geom_text, s.srid) END) AS g0) a
        ) b
        WHERE s.geom_text IS NOT NULL
    ) v
"""

_SAFE_GEOM_FN = """
    CREATE OR REPLACE FUNCTION pg_temp.loader_geom(t text, srid int, OUT geom geometry, OUT repaired boolean,
                                                   OUT error text) AS $$
    DECLARE g geometry;
    BEGIN
        IF left(ltrim(t), 1) = '{' THEN
            g := ST_SetSRID(ST_GeomFromGeoJSON(t), srid);
        ELSE
            g := ST_GeomFromText(t, srid);
        END IF;
        g := ST_Force2D(g);
        IF srid <> 4326 THEN
            g := ST_Transform(g, 4326);
        END IF;
        repaired := NOT ST_IsValid(g);
        geom := CASE WHEN repaired THEN ST_MakeValid(g) ELSE g END;
    EXCEPTION WHEN others THEN
        geom := NULL;
        repaired := false;
        error := SQLERRM;
    END $$ LANGUAGE plpgsql
"""


def build_geometry(cur: Cursor, stage: str) -> None:
    """``<stage>_geom`` (row_number, geom EPSG:4326, repaired, error): built in bulk, row by row only on error."""
    out = f"{stage}_geom"
    cur.execute("SAVEPOINT geom")
    try:
        cur.execute(f"CREATE TEMP TABLE {out} ON COMMIT DROP AS {_GEOM_SQL.format(stage=stage)}")
        cur.execute("RELEASE SAVEPOINT geom")
    except Exception as exc:
        # some row's geometry cannot be read: find which, row by row (slower, only on this path)
        log.info("bulk geometry build failed (%s); checking row by row", str(exc).splitlines()[0])
        cur.execute("ROLLBACK TO SAVEPOINT geom")
        cur.execute(_SAFE_GEOM_FN)
        cur.execute(
            f"CREATE TEMP TABLE {out} ON COMMIT DROP AS"
            f" SELECT s.row_number, (x).geom, (x).repaired, (x).error"
            f" FROM (SELECT row_number, pg_temp.loader_geom(geom_text, srid) AS x FROM {stage}"
            f"       WHERE geom_text IS NOT NULL) s"
        )
    cur.execute(f"CREATE INDEX ON {out} (row_number)")
    cur.execute(f"ANALYZE {out} (row_number, repaired)")


def geometry_rejects(cur: Cursor, stage: str, *, polygonal: bool = False) -> list[Reject]:
    """Rows whose geometry is unreadable, empty or off the globe, as rejects (with the row's ``ref``); removed from
    the stage."""
    not_polygon = "ST_Dimension(g.geom) < 2 OR ST_IsEmpty(ST_CollectionExtract(g.geom, 3))"
    kind_check = f"WHEN {not_polygon} THEN 'the geometry is not a polygon'" if polygonal else ""
    kind_filter = f"OR {not_polygon}" if polygonal else ""
    cur.execute(
        f"""
        SELECT s.row_number, s.ref, s.geom_text,
               CASE WHEN g.geom IS NULL THEN 'cannot read the geometry: ' || coalesce(g.error, 'unknown error')
                    WHEN ST_IsEmpty(g.geom) THEN 'the geometry is empty'
                    WHEN ST_XMin(g.geom) < -180 OR ST_XMax(g.geom) > 180 OR ST_YMin(g.geom) < -90
                         OR ST_YMax(g.geom) > 90 THEN 'coordinates out of range: not longitude/latitude'
                    {kind_check}
               END AS problem
        FROM {stage} s JOIN {stage}_geom g USING (row_number)
        WHERE g.geom IS NULL OR ST_IsEmpty(g.geom) OR ST_XMin(g.geom) < -180 OR ST_XMax(g.geom) > 180
           OR ST_YMin(g.geom) < -90 OR ST_YMax(g.geom) > 90
           {kind_filter}
        """
    )
    bad = [Reject(row, problem, raw or "", "geometry", ref) for row, ref, raw, problem in cur.fetchall()]
    if bad:
        cur.execute(f"DELETE FROM {stage} WHERE row_number = ANY(%s)", ([b.row_number for b in bad],))
        cur.execute(f"DELETE FROM {stage}_geom WHERE row_number = ANY(%s)", ([b.row_number for b in bad],))
    return bad


_OF_THE_KIND = """
    t.source_id = %(sid)s AND t.retired_at IS NULL
    AND t.last_run_id IN (SELECT id FROM load_runs WHERE source_id = %(sid)s AND kind = %(kind)s)
"""


def live_rows(cur: Cursor, table: str, run: SwapContext) -> int:
    """How many live rows of ``table`` runs of this kind loaded for the source: what a newer file replaces."""
    cur.execute(f"SELECT count(*) FROM {table} t WHERE {_OF_THE_KIND}", {"sid": run.source_id, "kind": run.kind})
    return cur.fetchone()[0]


def retire_unlisted(cur: Cursor, table: str, listed: str, run: SwapContext) -> tuple[int, tuple[str, ...]]:
    """Retire the live rows of ``table`` (places or zones) that runs of this kind loaded for the source and that the
    new file no longer lists (``listed``: a staged table with a ``ref`` column), except those of a rejected row's
    ref (``run.kept_refs``): a row the file does list, but badly, is no reason to drop the bay. Retired, not
    deleted: a later file that lists them again brings them back under their old ids.

    Returns how many were retired, and the refs kept at their previous version instead."""
    params = {"sid": run.source_id, "run": run.run_id, "kind": run.kind, "kept": sorted(run.kept_refs)}
    unlisted = f"{_OF_THE_KIND} AND NOT EXISTS (SELECT 1 FROM {listed} s WHERE s.ref = t.ref)"
    kept: tuple[str, ...] = ()
    if run.kept_refs:
        cur.execute(f"SELECT t.ref FROM {table} t WHERE {unlisted} AND t.ref = ANY(%(kept)s::text[])", params)
        kept = tuple(sorted(ref for (ref,) in cur.fetchall()))
    cur.execute(
        f"""
        UPDATE {table} t SET retired_at = now(), updated_at = now(), last_run_id = %(run)s
        WHERE {unlisted} AND NOT (t.ref = ANY(%(kept)s::text[]))
        """,
        params,
    )
    return cur.rowcount, kept
