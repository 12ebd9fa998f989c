"""Run a load: convert a file, stage it with COPY, validate it in PostGIS and swap it in, all or nothing.

``run_load`` is the one entry point (the CLI and the API's tests call it):

1. a ``load_runs`` row (status ``running``) is committed first, so every attempt is in the history;
2. the converter reads the file into records and rejects (a fault of the whole file fails the run);
3. in ONE transaction: regulations are inserted once per fingerprint, the records are COPY-ed into TEMP staging
   tables, their geometry is built, reprojected and repaired in the database, bad rows become rejects, then the
   source's live rows are upserted by ``(source, ref)`` and the rows the new file no longer lists are retired;
   the rejects and the run's counts are written in the same transaction and it commits;
4. on any failure the transaction is rolled back (the source's data is untouched) and the run is marked ``failed``
   with the error text, in a transaction of its own.

Readers are never blocked: the swap is plain upserts and updates (row locks only; no TRUNCATE, no table lock), so a
concurrent query sees either the old data or the new, never a mix. Loads of one source are serialised by an
advisory lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tqdm import tqdm

from parking_api.engine.model import Regulation, regulation_to_json
from parking_api.store.db import make_engine

from ._io import local_copy, progress_enabled
from .base import (
    Converted,
    LoadOptions,
    PlaceRecord,
    Reject,
    StructuralError,
    SuspensionRecord,
    UsageError,
    ZoneRecord,
)

log = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("camden-bays", "camden-cpz", "suspensions", "curblr", "mapped")
DEFAULT_SOURCE: dict[str, str] = {"camden-bays": "camden", "camden-cpz": "camden"}
LOADER_STATEMENT_TIMEOUT_MS = 30 * 60 * 1000
_LOCK_CLASS = 0x4C4F4144  # "LOAD": the advisory-lock namespace of loads, keyed by hashtext(source name)
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_MAX_RAW = 4000
SUSPENSION_TOUCH_M = 1.0  # a suspension geometry suspends the live places within this distance (metres)

Hook = Callable[[str], None]

_PLACE_COLUMNS = [
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

BUNDLED: tuple[tuple[str, str], ...] = (
    ("camden-cpz", "camden/camden_cpz.geojson"),
    ("camden-bays", "camden/camden_parking_bays_7hiv-3r9k_2020-02.json"),
)


@dataclass
class LoadReport:
    """What a load did. ``read == loaded + rejected`` always holds."""

    run_id: int | None
    status: str  # "succeeded", "failed" or "dry_run"
    source: str
    kind: str
    location: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    retired: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    flagged_by_reason: dict[str, int] = field(default_factory=dict)
    rejected_regulations: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str | None = None
    elapsed_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase: convert, stage, swap, commit

    @property
    def ok(self) -> bool:
        return self.error is None and self.status in ("succeeded", "dry_run")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["dry_run"] = self.status == "dry_run"
        out["flagged"] = sum(self.flagged_by_reason.values())
        out["rows_per_s"] = round(self.read / self.elapsed_s, 1) if self.elapsed_s > 0 else None
        return out


def reason_key(reason: str) -> str:
    """The category of a reject reason, for counting: quoted values and everything after the first colon dropped.

    ``cannot read maximum stay 'x': not a duration`` → ``cannot read maximum stay``.
    """
    text = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "", reason)
    text = text.split(":", 1)[0]
    return re.sub(r"\s+", " ", text).strip() or reason.strip()


def _converter(kind: str) -> Callable[[str, LoadOptions], Converted]:
    if kind == "camden-bays":
        from . import camden_bays

        return camden_bays.convert
    if kind == "camden-cpz":
        from . import camden_cpz

        return camden_cpz.convert
    if kind == "suspensions":
        from . import suspensions

        return suspensions.convert
    if kind == "curblr":
        from . import curblr  # written against base.py by the CurbLR/mapping loader

        return curblr.convert
    if kind == "mapped":
        from . import mapped

        return mapped.convert
    raise UsageError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")


def resolve_source(kind: str, source: str | None) -> str:
    if kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    name = source or DEFAULT_SOURCE.get(kind)
    if not name:
        raise UsageError(f"--source is required for kind {kind!r}")
    if not _SOURCE_NAME.match(name):
        raise UsageError(f"bad source name {name!r}: letters, digits, '.', '_' and '-', at most 64 characters")
    return name


def run_load(
    database_url: str,
    kind: str,
    location: str,
    *,
    source: str | None = None,
    mapping: str | None = None,
    timezone: str | None = None,
    holidays: str | None = None,
    inclusive_ends: bool = False,
    dry_run: bool = False,
    progress: bool = False,
    hook: Hook | None = None,
) -> LoadReport:
    """Load one file (path or http(s) URL) of ``kind`` into ``source``; see the module docstring.

    Returns the report; a file that cannot be read, or of which nothing could be loaded, gives a report with status
    ``failed`` and ``error`` set (and a failed run in the history). Raises :class:`UsageError` for a wrong call.
    Any other error (a bug, the database going away, Ctrl-C) is recorded as a failed run and re-raised.
    ``hook`` is called with the name of each phase (``converting``, ``staged``, ``swapped`` — just before the
    commit); tests use it to hold a load at a known point.
    """
    name = resolve_source(kind, source)
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise UsageError(f"unknown time zone {timezone!r}") from exc
    converter = _converter(kind)
    options = LoadOptions(
        source=name,
        mapping=mapping,
        timezone=timezone,
        holidays=holidays,
        inclusive_ends=inclusive_ends,
        progress=progress,
    )
    engine = make_engine(database_url, statement_timeout_ms=LOADER_STATEMENT_TIMEOUT_MS, pool_size=1)
    try:
        conn = engine.raw_connection()
        try:
            return _Run(conn, kind, name, str(location), options, converter, dry_run, hook).execute()
        finally:
            conn.close()
    finally:
        engine.dispose()


def bundled_path(relative: str) -> Path:
    """A bundled data file (``loaders/data/…``), found next to this module: in the source tree and in an installed
    package alike (``importlib.resources.files("loaders")`` would be fooled by a directory named ``loaders``
    elsewhere on sys.path, such as the tests' own)."""
    return Path(__file__).resolve().parent.joinpath("data", *relative.split("/"))


def load_bundled(
    database_url: str, *, progress: bool = False, echo: Callable[[str], None] | None = None
) -> list[LoadReport]:
    """Load the bundled Camden demo data (CPZ, then bays), each kind only when ``camden`` has no successful run of it.

    Returns the reports of the loads done (empty when everything was already loaded).
    """
    engine = make_engine(database_url, statement_timeout_ms=LOADER_STATEMENT_TIMEOUT_MS, pool_size=1)
    reports: list[LoadReport] = []
    try:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            # one bundled load at a time (docker compose may start several containers at once)
            cur.execute("SELECT pg_advisory_lock(%s, hashtext('bundled'))", (_LOCK_CLASS,))
            conn.commit()
            try:
                for kind, relative in BUNDLED:
                    cur.execute(
                        "SELECT 1 FROM load_runs WHERE source_name = 'camden' AND kind = %s AND status = 'succeeded'"
                        " LIMIT 1",
                        (kind,),
                    )
                    done = cur.fetchone() is not None
                    conn.commit()
                    if done:
                        if echo:
                            echo(f"{kind}: already loaded, skipping")
                        continue
                    report = run_load(database_url, kind, str(bundled_path(relative)), progress=progress)
                    reports.append(report)
                    if echo:
                        echo(format_report(report))
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s, hashtext('bundled'))", (_LOCK_CLASS,))
                conn.commit()
        finally:
            conn.close()
    finally:
        engine.dispose()
    return reports


def format_report(report: LoadReport) -> str:
    """The human-readable load report."""
    lines = [
        f"{report.kind} {report.location}",
        f"  source {report.source}, run {report.run_id}: {report.status}"
        + (f" ({report.error})" if report.error else ""),
        f"  read      {report.read:>9,}",
        f"  loaded    {report.loaded:>9,}"
        + (
            f"  (new {report.inserted:,}, changed {report.updated:,}, unchanged {report.unchanged:,})"
            if report.loaded
            else ""
        ),
        f"  rejected  {report.rejected:>9,}",
    ]
    for reason, n in sorted(report.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {n:>7,}  {reason}")
    if report.rejected_regulations:
        lines.append(f"  rejected regulations of loaded rows {report.rejected_regulations:,}")
    lines.append(f"  flagged   {sum(report.flagged_by_reason.values()):>9,}")
    for reason, n in sorted(report.flagged_by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {n:>7,}  {reason}")
    lines.append(f"  retired   {report.retired:>9,}")
    if report.elapsed_s:
        lines.append(f"  time      {report.elapsed_s:>9.1f} s")
    if report.run_id is not None and (report.rejected or report.rejected_regulations):
        lines.append(f"  see the rejects with: parking load rejects {report.run_id}")
    return "\n".join(lines)


# --- the run ---------------------------------------------------------------------------------------------------


class _Failed(Exception):
    """The run fails without a bug: nothing could be loaded. Carries the rejects to keep for the record."""


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value.__class__ is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_COPY_ESCAPES)


def _pg_array(items: Iterable[str]) -> str:
    parts = []
    for item in items:
        parts.append('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


class _LineReader(io.TextIOBase):
    """A file-like object over an iterator of COPY lines, for ``cursor.copy_expert``."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buf = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:  # type: ignore[override]
        if size is None or size < 0:
            rest = self._buf + "".join(self._lines)
            self._buf = ""
            return rest
        parts = [self._buf]
        have = len(self._buf)
        while have < size:
            try:
                line = next(self._lines)
            except StopIteration:
                break
            parts.append(line)
            have += len(line)
        data = "".join(parts)
        self._buf = data[size:]
        return data[:size]


def _copy(cur, table: str, columns: list[str], rows: Iterable[tuple], bar: tqdm | None = None) -> None:
    def lines() -> Iterator[str]:
        for row in rows:
            if bar is not None:
                bar.update(1)
            yield "\t".join(_copy_text(v) for v in row) + "\n"

    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    cur.copy_expert(sql, _LineReader(lines()), size=1 << 20)


class _Run:
    def __init__(
        self,
        conn,
        kind: str,
        source: str,
        location: str,
        options: LoadOptions,
        converter: Callable[[str, LoadOptions], Converted],
        dry_run: bool,
        hook: Hook | None,
    ) -> None:
        self.conn = conn
        self.kind = kind
        self.source = source
        self.location = location
        self.options = options
        self.converter = converter
        self.dry_run = dry_run
        self.hook = hook
        self.run_id: int | None = None
        self.started = time.monotonic()
        self._last = self.started
        self.report = LoadReport(run_id=None, status="running", source=source, kind=kind, location=location)
        self.rejects: list[Reject] = []  # whole-row rejects (count in `rejected`)
        self.partial: list[Reject] = []  # regulation-level rejects of rows that did load
        self.flags: Counter[str] = Counter()
        self.bar = progress_enabled(options.progress)
        self._runner_rejects: list[Reject] = []
        # row numbers a record stands for besides its own (``attributes["source_rows"]``: merged features)
        self._covers: dict[int, tuple[int, ...]] = {}

    def _hook(self, phase: str) -> None:
        if self.hook is not None:
            self.hook(phase)

    def _lap(self, phase: str) -> None:
        now = time.monotonic()
        self.report.timings[phase] = round(now - self._last, 3)
        self._last = now

    # -- bookkeeping in transactions of their own ---------------------------------------------------------------

    def _begin(self) -> None:
        cur = self.conn.cursor()
        cur.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (_LOCK_CLASS, self.source))
        # a run still 'running' while we hold the source's lock was cut short (process killed): say so
        cur.execute(
            "UPDATE load_runs SET status = 'failed', finished_at = now(),"
            " error = 'interrupted: the loading process ended before finishing'"
            " WHERE source_name = %s AND status = 'running'",
            (self.source,),
        )
        cur.execute(
            "INSERT INTO load_runs (source_id, source_name, kind, location, status)"
            " VALUES ((SELECT id FROM sources WHERE name = %s), %s, %s, %s, 'running') RETURNING id",
            (self.source, self.source, self.kind, self.location),
        )
        self.run_id = cur.fetchone()[0]
        self.report.run_id = self.run_id
        self.conn.commit()

    def _end(self) -> None:
        try:
            cur = self.conn.cursor()
            cur.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (_LOCK_CLASS, self.source))
            self.conn.commit()
        except Exception:  # pragma: no cover - the connection is gone; closing it releases the lock anyway
            log.debug("could not release the load lock", exc_info=True)

    def _record_failure(self, error: str, *, keep_rejects: bool) -> None:
        """Mark the run failed (or dry_run with an error) in its own transaction; the source's data is untouched.

        Without its rejects (a crash, Ctrl-C, an unreadable file) the run loaded, rejected and retired nothing: its
        counts are zero, so that ``read = loaded + rejected`` holds in the history too."""
        self.report.error = error
        if self.report.status != "dry_run":
            self.report.status = "failed"
        if not keep_rejects:
            r = self.report
            r.read = r.loaded = r.rejected = r.retired = r.rejected_regulations = 0
            r.inserted = r.updated = r.unchanged = 0
            r.rejected_by_reason = {}
            r.flagged_by_reason = {}
        self.report.elapsed_s = round(time.monotonic() - self.started, 3)
        try:
            self.conn.rollback()
            cur = self.conn.cursor()
            if keep_rejects:
                self._store_rejects(cur)
            self._write_run(cur, status=self.report.status, error=error)
            self.conn.commit()
        except Exception:  # pragma: no cover - e.g. the database went away; the run stays 'running'
            log.warning("could not record the failed run %s", self.run_id, exc_info=True)
            with contextlib.suppress(Exception):
                self.conn.rollback()

    def _write_run(self, cur, *, status: str, error: str | None = None, source_id: int | None = None) -> None:
        r = self.report
        cur.execute(
            "UPDATE load_runs SET status = %s, finished_at = now(), read = %s, loaded = %s, rejected = %s,"
            " retired = %s, rejected_by_reason = %s, flagged_by_reason = %s, error = %s,"
            " source_id = COALESCE(%s, source_id) WHERE id = %s",
            (
                status,
                r.read,
                r.loaded,
                r.rejected,
                r.retired,
                json.dumps(r.rejected_by_reason),
                json.dumps(r.flagged_by_reason),
                error,
                source_id,
                self.run_id,
            ),
        )

    def _store_rejects(self, cur) -> None:
        rows = (
            (self.run_id, rj.row_number, (rj.field or None) and rj.field[:128], rj.reason, (rj.raw or "")[:_MAX_RAW])
            for rj in sorted([*self.rejects, *self.partial], key=lambda r: r.row_number)
        )
        _copy(cur, "load_rejects", ["run_id", "row_number", "field", "reason", "raw"], rows)

    # -- the run ---------------------------------------------------------------------------------------------

    def execute(self) -> LoadReport:
        self._begin()
        try:
            self._hook("converting")
            try:
                with local_copy(self.location) as path:
                    converted = self.converter(path, self.options)
                self._lap("convert")
            except StructuralError as exc:
                self._record_failure(str(exc), keep_rejects=False)
                return self.report
            except UnicodeDecodeError as exc:
                self._record_failure(f"the file is not UTF-8 text: {exc.reason}", keep_rejects=False)
                return self.report
            try:
                self._load(converted)
            except _Failed as exc:
                self._record_failure(str(exc), keep_rejects=True)
                return self.report
            return self.report
        except BaseException as exc:
            interrupted = isinstance(exc, KeyboardInterrupt | SystemExit)
            if interrupted:
                message = "interrupted"
            elif isinstance(exc, UsageError):  # found in the file (e.g. a CurbLR feed without a time zone)
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc}"
            self._record_failure(message, keep_rejects=False)
            raise
        finally:
            self._end()

    def _load(self, conv: Converted) -> None:
        self.report.read = conv.read
        self.rejects = list(conv.rejects)
        self.partial = list(conv.rejected_regulations)
        cur = self.conn.cursor()
        # everything from here to the commit is ONE transaction
        if self.kind in ("camden-cpz",) or (conv.zones and not conv.places):
            loaded_rows = self._stage_zones(cur, conv)
        elif conv.suspensions or self.kind == "suspensions":
            loaded_rows = self._stage_suspensions(cur, conv)
        else:
            loaded_rows = self._stage_places(cur, conv)
        self._lap("stage")
        self._hook("staged")
        self._settle_counts(conv, loaded_rows)
        r = self.report
        nothing = r.loaded == 0 and (r.read > 0 or self.kind != "suspensions")
        if nothing:
            raise _Failed("nothing could be loaded" + (" (the file has no records)" if r.read == 0 else ""))
        source_id = self._upsert_source(cur, conv)
        cur.execute("UPDATE load_runs SET source_id = %s WHERE id = %s", (source_id, self.run_id))
        if self._target == "zones":
            self._swap_zones(cur, source_id)
        elif self._target == "suspensions":
            self._swap_suspensions(cur, source_id)
        else:
            self._swap_places(cur, source_id)
        self._lap("swap")
        r.elapsed_s = round(time.monotonic() - self.started, 3)
        if self.dry_run:
            self.conn.rollback()
            r.status = "dry_run"
            cur = self.conn.cursor()
            self._store_rejects(cur)
            self._write_run(cur, status="dry_run")
            self.conn.commit()
            return
        self._store_rejects(cur)
        r.status = "succeeded"
        self._write_run(cur, status="succeeded", source_id=source_id)
        self._hook("swapped")
        self.conn.commit()
        self._lap("commit")
        r.elapsed_s = round(time.monotonic() - self.started, 3)

    # -- counts ----------------------------------------------------------------------------------------------

    def _settle_counts(self, conv: Converted, loaded_rows: set[int]) -> None:
        """Whole-row vs regulation-level rejects, counts by reason, and the invariant read = loaded + rejected."""
        converter_rows = {rj.row_number for rj in conv.rejects}
        whole: list[Reject] = list(conv.rejects)
        counted: set[int] = set()
        expanded: list[Reject] = []
        for rj in self._runner_rejects:  # a record standing for several rows is rejected once per row
            rows = self._covers.get(rj.row_number, (rj.row_number,))
            expanded.extend(rj if row == rj.row_number else dataclasses.replace(rj, row_number=row) for row in rows)
        for rj in expanded:
            if rj.row_number in loaded_rows or rj.row_number in converter_rows or rj.row_number in counted:
                self.partial.append(rj)
            else:
                counted.add(rj.row_number)
                whole.append(rj)
        self.rejects = whole
        r = self.report
        r.loaded = len(loaded_rows)
        r.rejected = len(whole)
        r.rejected_regulations = len(self.partial)
        r.rejected_by_reason = dict(Counter(reason_key(rj.reason) for rj in whole).most_common())
        r.flagged_by_reason = dict(self.flags.most_common())
        if r.read != r.loaded + r.rejected:
            raise RuntimeError(
                f"internal error: rows read ({r.read}) != loaded ({r.loaded}) + rejected ({r.rejected});"
                " the converter lost or double-counted rows"
            )

    def _count_flags(self, conv: Converted, records: Iterable[PlaceRecord | ZoneRecord]) -> None:
        for rec in records:
            self.flags.update(rec.flags)
        for key, n in conv.flags.items():
            if key not in self.flags:
                self.flags[key] += n

    # -- sources ---------------------------------------------------------------------------------------------

    def _upsert_source(self, cur, conv: Converted) -> int:
        meta = conv.meta
        timezone = self.options.timezone or meta.timezone or "Europe/London"
        holidays = self.options.holidays or meta.holidays
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
                "name": self.source,
                "publisher": meta.publisher,
                "licence": meta.licence,
                "attribution": meta.attribution,
                "url": meta.url,
                "timezone": timezone,
                "tz_given": bool(self.options.timezone or meta.timezone),
                "holidays": holidays,
                "published_at": meta.published_at,
                "dry": self.dry_run,
            },
        )
        return cur.fetchone()[0]

    # -- regulations -----------------------------------------------------------------------------------------

    def _regulation_ids(self, cur, regulations: Iterable[Regulation]) -> dict[int, int]:
        """Insert each distinct regulation once (by fingerprint) and map ``id(regulation)`` → regulations.id."""
        by_object: dict[int, str] = {}
        by_fp: dict[str, Regulation] = {}
        for reg in regulations:
            key = id(reg)
            if key in by_object:
                continue
            fp = reg.fingerprint()
            by_object[key] = fp
            by_fp.setdefault(fp, reg)
        if not by_fp:
            return {}
        from psycopg2.extras import execute_values

        execute_values(
            cur,
            "INSERT INTO regulations (fingerprint, category, description, definition) VALUES %s"
            " ON CONFLICT (fingerprint) DO NOTHING",
            [
                (fp, reg.category[:64], reg.description, json.dumps(regulation_to_json(reg), sort_keys=True))
                for fp, reg in sorted(by_fp.items())  # one order for every load: no deadlock between two loads
            ],
            page_size=500,
        )
        cur.execute("SELECT fingerprint, id FROM regulations WHERE fingerprint = ANY(%s)", (list(by_fp),))
        ids = dict(cur.fetchall())
        return {key: ids[fp] for key, fp in by_object.items()}

    # -- geometry --------------------------------------------------------------------------------------------

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

    def _build_geometry(self, cur, stage: str) -> None:
        """``<stage>_geom`` (row_number, geom EPSG:4326, repaired, error): built in bulk, row by row only on error."""
        out = f"{stage}_geom"
        cur.execute("SAVEPOINT geom")
        try:
            cur.execute(f"CREATE TEMP TABLE {out} ON COMMIT DROP AS {self._GEOM_SQL.format(stage=stage)}")
            cur.execute("RELEASE SAVEPOINT geom")
        except Exception as exc:
            # some row's geometry cannot be read: find which, row by row (slower, only on this path)
            log.info("bulk geometry build failed (%s); checking row by row", str(exc).splitlines()[0])
            cur.execute("ROLLBACK TO SAVEPOINT geom")
            cur.execute(self._SAFE_GEOM_FN)
            cur.execute(
                f"CREATE TEMP TABLE {out} ON COMMIT DROP AS"
                f" SELECT s.row_number, (x).geom, (x).repaired, (x).error"
                f" FROM (SELECT row_number, pg_temp.loader_geom(geom_text, srid) AS x FROM {stage}"
                f"       WHERE geom_text IS NOT NULL) s"
            )
        cur.execute(f"CREATE INDEX ON {out} (row_number)")
        cur.execute(f"ANALYZE {out} (row_number, repaired)")

    def _geometry_rejects(self, cur, stage: str, *, polygonal: bool = False) -> list[Reject]:
        """Rows whose geometry is unreadable, empty or off the globe, as rejects; removed from the stage."""
        not_polygon = "ST_Dimension(g.geom) < 2 OR ST_IsEmpty(ST_CollectionExtract(g.geom, 3))"
        kind_check = f"WHEN {not_polygon} THEN 'the geometry is not a polygon'" if polygonal else ""
        kind_filter = f"OR {not_polygon}" if polygonal else ""
        cur.execute(
            f"""
            SELECT s.row_number, s.geom_text,
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
        bad = [Reject(row, problem, raw or "", "geometry") for row, raw, problem in cur.fetchall()]
        if bad:
            cur.execute(f"DELETE FROM {stage} WHERE row_number = ANY(%s)", ([b.row_number for b in bad],))
            cur.execute(f"DELETE FROM {stage}_geom WHERE row_number = ANY(%s)", ([b.row_number for b in bad],))
        return bad

    # -- places ----------------------------------------------------------------------------------------------

    _target = "places"

    def _dedupe(self, records: list, key: Callable[[Any], Any], what: str) -> list:
        seen: dict[Any, int] = {}
        keep = []
        for rec in records:
            k = key(rec)
            first = seen.get(k)
            if first is not None:
                self._runner_rejects.append(
                    Reject(rec.row_number, f"duplicate {what}: {k!r} also at row {first}", str(k), "ref")
                )
                continue
            seen[k] = rec.row_number
            keep.append(rec)
        return keep

    def _stage_places(self, cur, conv: Converted) -> set[int]:
        self._target = "places"
        self._runner_rejects = []
        records = self._dedupe(conv.places, lambda r: r.ref, "ref")
        reg_ids = self._regulation_ids(cur, (r.regulation for r in records))
        self._lap("regulations")
        cur.execute(
            """
            CREATE TEMP TABLE stage_places (
                row_number integer, ref text, regulation_id integer, geom_text text, srid integer,
                restriction_type text, category text, road text, zone text, spaces integer, length_m numeric(10,2),
                search_radius_m numeric(8,2), attributes jsonb, flags text[]
            ) ON COMMIT DROP
            """
        )
        bar = tqdm(total=len(records), desc="staging", unit="rows", leave=False) if self.bar else None
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
                _pg_array(r.flags),
            )
            for r in records
        )
        _copy(
            cur,
            "stage_places",
            _PLACE_COLUMNS,
            rows,
            bar,
        )
        if bar is not None:
            bar.close()
        self._lap("copy")
        missing = [r for r in records if not r.geometry_wkt]
        for r in missing:
            self._runner_rejects.append(Reject(r.row_number, "no geometry", "", "geometry"))
        if missing:
            cur.execute("DELETE FROM stage_places WHERE geom_text IS NULL")
        cur.execute("CREATE INDEX ON stage_places (row_number)")
        cur.execute("ANALYZE stage_places (row_number, ref, srid)")
        self._build_geometry(cur, "stage_places")
        self._runner_rejects.extend(self._geometry_rejects(cur, "stage_places"))
        self._lap("geometry")
        cur.execute("CREATE UNIQUE INDEX ON stage_places (ref)")
        cur.execute("SELECT row_number FROM stage_places")
        staged = {row for (row,) in cur.fetchall()}
        self._staged = len(staged)
        loaded = set(staged)
        for r in records:
            rows = r.attributes.get("source_rows") if r.attributes else None
            if isinstance(rows, list | tuple) and rows:
                covered = tuple(sorted({int(x) for x in rows if isinstance(x, int)} | {r.row_number}))
                self._covers[r.row_number] = covered
                if r.row_number in staged:
                    loaded.update(covered)
        self._count_flags(conv, (r for r in records if r.row_number in staged))
        cur.execute("SELECT count(*) FROM stage_places_geom WHERE repaired")
        repaired = cur.fetchone()[0]
        if repaired:
            self.flags["invalid_geometry_repaired"] += repaired
        return loaded

    # the staged values of a place, as stored (``s`` the stage row, ``g`` its geometry)
    _PLACE_VALUES = """
        'bay', s.restriction_type, s.category, s.regulation_id, s.road, s.zone, s.spaces, s.length_m, g.geom,
        CASE ST_Dimension(g.geom) WHEN 0 THEN 'point' WHEN 1 THEN 'line' ELSE 'polygon' END,
        s.search_radius_m, s.attributes,
        CASE WHEN g.repaired THEN array_append(s.flags, 'invalid_geometry_repaired') ELSE s.flags END
    """

    _PLACE_COMPARED = _PLACE_VALUES.replace("g.geom,", "ST_AsEWKB(g.geom),", 1)  # geometry compared as bytes

    def _swap_places(self, cur, source_id: int) -> None:
        """Upsert by (source, ref) as two set operations (the source's loads are serialised by the advisory lock, so
        no other writer adds its refs meanwhile): a hash join updates the rows that changed or come back, an
        anti-join inserts the new ones. Unchanged rows are not written at all."""
        params = {"sid": source_id, "run": self.run_id, "kind": self.kind}
        cur.execute(
            f"""
            UPDATE places p
            SET (kind, restriction_type, category, regulation_id, road, zone, spaces, length_m, geom, geom_quality,
                 search_radius_m, attributes, flags) = ({self._PLACE_VALUES}),
                last_run_id = %(run)s, updated_at = now(), retired_at = NULL
            FROM stage_places s JOIN stage_places_geom g USING (row_number)
            WHERE p.source_id = %(sid)s AND p.ref = s.ref
              AND (p.retired_at IS NOT NULL
                   OR (p.kind, p.restriction_type, p.category, p.regulation_id, p.road, p.zone, p.spaces, p.length_m,
                       ST_AsEWKB(p.geom), p.geom_quality, p.search_radius_m, p.attributes, p.flags)
                      IS DISTINCT FROM
                      ({self._PLACE_COMPARED}))
            """,
            params,
        )
        self.report.updated = cur.rowcount
        self._lap("update")
        cur.execute(
            f"""
            INSERT INTO places (source_id, ref, kind, restriction_type, category, regulation_id, road, zone, spaces,
                                length_m, geom, geom_quality, search_radius_m, attributes, flags, first_run_id,
                                last_run_id)
            SELECT %(sid)s, s.ref, {self._PLACE_VALUES}, %(run)s, %(run)s
            FROM stage_places s JOIN stage_places_geom g USING (row_number)
            WHERE NOT EXISTS (SELECT 1 FROM places p WHERE p.source_id = %(sid)s AND p.ref = s.ref)
            ORDER BY g.geom
            """,
            params,
        )
        self.report.inserted = cur.rowcount
        self.report.unchanged = self._staged - self.report.inserted - self.report.updated
        self._lap("insert")
        cur.execute(
            """
            UPDATE places p SET retired_at = now(), updated_at = now(), last_run_id = %(run)s
            WHERE p.source_id = %(sid)s AND p.retired_at IS NULL
              AND p.last_run_id IN (SELECT id FROM load_runs WHERE source_id = %(sid)s AND kind = %(kind)s)
              AND NOT EXISTS (SELECT 1 FROM stage_places s WHERE s.ref = p.ref)
            """,
            params,
        )
        self.report.retired = cur.rowcount

    # -- zones -----------------------------------------------------------------------------------------------

    def _stage_zones(self, cur, conv: Converted) -> set[int]:
        self._target = "zones"
        self._runner_rejects = []
        records: list[ZoneRecord] = list(conv.zones)
        reg_ids = self._regulation_ids(cur, (z.regulation for z in records))
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
                self._runner_rejects.append(Reject(z.row_number, "no geometry", "", "geometry"))
        _copy(
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
                    _pg_array(flags),
                )
            )
        _copy(cur, "stage_zone_attrs", ["ref", "code", "name", "sub_zone", "hours", "regulation_id", "flags"], attrs)
        cur.execute("CREATE INDEX ON stage_zones (row_number)")
        cur.execute("ANALYZE stage_zones")
        self._build_geometry(cur, "stage_zones")
        self._runner_rejects.extend(self._geometry_rejects(cur, "stage_zones", polygonal=True))
        cur.execute("SELECT row_number FROM stage_zones")
        loaded = {row for (row,) in cur.fetchall()}
        loaded_records = [z for z in records if z.row_number in loaded]
        self._count_flags(conv, loaded_records)
        cur.execute("SELECT count(*) FROM stage_zones_geom WHERE repaired")
        repaired = cur.fetchone()[0]
        if repaired:
            self.flags["invalid_geometry_repaired"] += repaired
        return loaded

    def _swap_zones(self, cur, source_id: int) -> None:
        params = {"sid": source_id, "run": self.run_id, "kind": self.kind}
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
            params,
        )
        self.report.inserted, self.report.updated = cur.fetchone()
        cur.execute("SELECT count(*) FROM stage_zone_merged")
        zones = cur.fetchone()[0]
        self.report.unchanged = zones - self.report.inserted - self.report.updated
        cur.execute(
            """
            UPDATE zones z SET retired_at = now(), updated_at = now(), last_run_id = %(run)s
            WHERE z.source_id = %(sid)s AND z.retired_at IS NULL
              AND z.last_run_id IN (SELECT id FROM load_runs WHERE source_id = %(sid)s AND kind = %(kind)s)
              AND NOT EXISTS (SELECT 1 FROM stage_zone_merged m WHERE m.ref = z.ref)
            """,
            params,
        )
        self.report.retired = cur.rowcount

    # -- suspensions -----------------------------------------------------------------------------------------

    def _stage_suspensions(self, cur, conv: Converted) -> set[int]:
        self._target = "suspensions"
        self._runner_rejects = []

        def key(s: SuspensionRecord):
            where = (s.place_source, s.place_ref) if s.place_ref else ("geometry", s.geometry_wkt)
            return (*where, s.ref) if s.ref else (*where, s.starts_at.isoformat(), s.ends_at.isoformat())

        records: list[SuspensionRecord] = self._dedupe(list(conv.suspensions), key, "suspension")
        cur.execute(
            """
            CREATE TEMP TABLE stage_susp (
                row_number integer, place_source text, place_ref text, geom_text text, srid integer,
                starts_at timestamptz, ends_at timestamptz, reason text, ref text
            ) ON COMMIT DROP
            """
        )
        _copy(
            cur,
            "stage_susp",
            ["row_number", "place_source", "place_ref", "geom_text", "srid", "starts_at", "ends_at", "reason", "ref"],
            (
                (
                    s.row_number,
                    s.place_source or (self.source if s.place_ref else None),
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
        self._build_geometry(cur, "stage_susp")
        bad = self._geometry_rejects(cur, "stage_susp")
        self._runner_rejects.extend(bad)
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
            {"touch": SUSPENSION_TOUCH_M},
        )
        cur.execute("SELECT DISTINCT row_number FROM stage_susp_resolved")
        loaded = {row for (row,) in cur.fetchall()}
        bad_rows = {b.row_number for b in bad}
        for s in records:
            if s.row_number in loaded or s.row_number in bad_rows:
                continue
            if s.place_ref:
                place = f"{s.place_source or self.source}/{s.place_ref}"
                self._runner_rejects.append(
                    Reject(s.row_number, f"unknown place: no live place {place!r}", s.place_ref, "ref")
                )
            else:
                reason = "unknown place: no live place at the geometry"
                self._runner_rejects.append(Reject(s.row_number, reason, s.geometry_wkt or "", "geometry"))
        cur.execute("CREATE INDEX ON stage_susp_resolved (place_id)")
        cur.execute("ANALYZE stage_susp_resolved")
        return loaded

    _SUSP_MATCH = """
        t.source_id = %(sid)s AND t.origin = 'file' AND t.place_id = r.place_id
        AND ((r.ref IS NOT NULL AND t.ref = r.ref)
             OR (r.ref IS NULL AND t.ref IS NULL AND t.starts_at = r.starts_at AND t.ends_at = r.ends_at))
    """

    def _swap_suspensions(self, cur, source_id: int) -> None:
        params = {"sid": source_id, "run": self.run_id}
        cur.execute(
            f"""
            DELETE FROM suspensions t
            WHERE t.source_id = %(sid)s AND t.origin = 'file'
              AND NOT EXISTS (SELECT 1 FROM stage_susp_resolved r WHERE {self._SUSP_MATCH})
            """,
            params,
        )
        self.report.retired = cur.rowcount
        cur.execute(
            f"""
            UPDATE suspensions t SET starts_at = r.starts_at, ends_at = r.ends_at, reason = r.reason, run_id = %(run)s
            FROM stage_susp_resolved r
            WHERE {self._SUSP_MATCH}
              AND (t.starts_at, t.ends_at, t.reason) IS DISTINCT FROM (r.starts_at, r.ends_at, r.reason)
            """,
            params,
        )
        self.report.updated = cur.rowcount
        cur.execute(
            f"""
            INSERT INTO suspensions (place_id, source_id, ref, starts_at, ends_at, reason, origin, run_id)
            SELECT r.place_id, %(sid)s, r.ref, r.starts_at, r.ends_at, r.reason, 'file', %(run)s
            FROM stage_susp_resolved r
            WHERE NOT EXISTS (SELECT 1 FROM suspensions t WHERE {self._SUSP_MATCH})
            """,
            params,
        )
        self.report.inserted = cur.rowcount
        cur.execute("SELECT count(*) FROM stage_susp_resolved")
        self.report.unchanged = cur.fetchone()[0] - self.report.inserted - self.report.updated


# --- history and rejects ---------------------------------------------------------------------------------------


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


__all__ = [
    "BUNDLED",
    "DEFAULT_SOURCE",
    "KINDS",
    "LoadReport",
    "bundled_path",
    "format_report",
    "history",
    "load_bundled",
    "reason_key",
    "resolve_source",
    "run_load",
    "run_rejects",
]
