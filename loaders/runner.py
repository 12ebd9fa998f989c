"""Run a load: convert a file, stage it with COPY, validate it in PostGIS and swap it in, all or nothing.

``run_load`` is the one entry point (the CLI and the API's tests call it):

1. a ``load_runs`` row (status ``running``) is committed first, so every attempt is in the history;
2. the kind's converter (``registry.py``) reads the file into records and rejects (a fault of the whole file fails
   the run);
3. in ONE transaction the store's module for the kind's target table (``parking_api.store.load``) inserts the
   regulations once per fingerprint, COPYs the records into TEMP staging tables, builds, reprojects and repairs
   their geometry in the database (bad rows become rejects), then upserts the source's live rows by ``(source, ref)``
   and retires the rows the new file no longer lists; the rejects and the run's counts are written in the same
   transaction and it commits;
4. on any failure the transaction is rolled back (the source's data is untouched) and the run is marked ``failed``
   with the error text, in a transaction of its own.

A converter may stream its records (``Converted.place_stream``): then steps 2 and 3 overlap, each row read and
converted as the COPY asks for it, so memory stays flat in the file's size. An identical reload of a bay or zone
file (the same fingerprint as the source's last successful load of the table: ``fingerprint.py``) skips steps 2 and
3: the run is recorded with that load's counts and rejects, and nothing else is written.

Shrink protection (bays and zones, the targets that are ``shrink_limited``): a rejected row whose ref could be read
keeps that ref's live row at its previous version (counted in ``kept_previous``) instead of retiring it as no
longer listed; and a swap that would retire more than ``max_shrink_percent`` of the source's live rows of the kind
is refused — rolled back and recorded as failed with ``shrink_refused: …`` — unless ``allow_shrink``. A council's
truncated export must not retire most of a borough. A first load (no live rows) never trips it.

Readers are never blocked: the swap is plain upserts and updates (row locks only; no TRUNCATE, no table lock), so a
concurrent query sees either the old data or the new, never a mix. Loads of one source are serialised by an
advisory lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psycopg2.extensions import cursor as Cursor
from sqlalchemy.pool import PoolProxiedConnection

from parking_api.settings import Settings
from parking_api.store.db import make_engine
from parking_api.store.load import runs
from parking_api.store.load.sources import refresh_coverage, upsert_source
from parking_api.store.load.table import StageContext, Staged, SwapContext, Swapped, live_rows
from parking_api.store.records import Converted, Reject

from .base import LoadOptions, StructuralError, UsageError
from .files import local_copy, progress_enabled
from .fingerprint import load_fingerprint
from .registry import KINDS, Kind, kind_named
from .report import LoadReport, ShrinkCheck, format_report, reason_key

log = logging.getLogger(__name__)

LOADER_STATEMENT_TIMEOUT_MS = 30 * 60 * 1000
UNREAD_SHOWN = 10  # how many unread sign phrases (and rule sets per bay type, on a dry run) a report lists
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

Hook = Callable[[str], None]

BUNDLED: tuple[tuple[str, str], ...] = (
    ("camden-cpz", "camden/camden_cpz.geojson"),
    ("camden-bays", "camden/camden_parking_bays_7hiv-3r9k_2020-02.json"),
)


def resolve_source(kind: Kind, source: str | None) -> str:
    """The source name a load of ``kind`` goes under: ``source``, else the kind's default."""
    name = source or kind.default_source
    if not name:
        raise UsageError(f"--source is required for kind {kind.name!r}")
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
    lenient: bool = False,
    dry_run: bool = False,
    progress: bool = False,
    hook: Hook | None = None,
    green_badge_zones: tuple[str, ...] = Settings.green_badge_zones,
    allow_shrink: bool = False,
    max_shrink_percent: float = Settings.max_shrink_percent,
) -> LoadReport:
    """Load one file (path or http(s) URL) of ``kind`` into ``source``; see the module docstring.

    Returns the report; a file that cannot be read, or of which nothing could be loaded, gives a report with status
    ``failed`` and ``error`` set (and a failed run in the history). Raises :class:`UsageError` for a wrong call.
    Any other error (a bug, the database going away, Ctrl-C) is recorded as a failed run and re-raised.
    ``hook`` is called with the name of each phase (``converting``, ``staged``, ``swapped`` — just before the
    commit); tests use it to hold a load at a known point. ``green_badge_zones`` and ``max_shrink_percent`` come
    from the settings; ``allow_shrink`` lifts the shrink limit for this run (kinds loading suspensions ignore both).
    """
    declared = kind_named(kind)
    name = resolve_source(declared, source)
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise UsageError(f"unknown time zone {timezone!r}") from exc
    options = LoadOptions(
        source=name,
        mapping=mapping,
        timezone=timezone,
        holidays=holidays,
        inclusive_ends=inclusive_ends,
        lenient=lenient,
        progress=progress,
        green_badge_zones=tuple(green_badge_zones),
    )
    engine = make_engine(database_url, statement_timeout_ms=LOADER_STATEMENT_TIMEOUT_MS, pool_size=1)
    try:
        conn = engine.raw_connection()
        try:
            shrink = _ShrinkLimit(max_shrink_percent, allow_shrink)
            return _Run(conn, declared, name, str(location), options, dry_run, hook, shrink).execute()
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
    database_url: str,
    *,
    progress: bool = False,
    echo: Callable[[str], None] | None = None,
    green_badge_zones: tuple[str, ...] = Settings.green_badge_zones,
    max_shrink_percent: float = Settings.max_shrink_percent,
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
            runs.lock(cur, "bundled")
            conn.commit()
            try:
                for kind, relative in BUNDLED:
                    done = runs.has_succeeded(cur, "camden", kind)
                    conn.commit()
                    if done:
                        if echo:
                            echo(f"{kind}: already loaded, skipping")
                        continue
                    report = run_load(
                        database_url,
                        kind,
                        str(bundled_path(relative)),
                        progress=progress,
                        green_badge_zones=green_badge_zones,
                        max_shrink_percent=max_shrink_percent,
                    )
                    reports.append(report)
                    if echo:
                        echo(format_report(report))
            finally:
                runs.unlock(cur, "bundled")
                conn.commit()
        finally:
            conn.close()
    finally:
        engine.dispose()
    return reports


# --- the run ---------------------------------------------------------------------------------------------------


class _Failed(Exception):
    """The run fails without a bug: nothing could be loaded, or the load was refused. Carries the rejects to keep
    for the record."""


@dataclasses.dataclass(frozen=True)
class _ShrinkLimit:
    """The share of the live rows a run may retire (``max_shrink_percent``), unless ``allow_shrink``."""

    max_percent: float
    allowed: bool  # --allow-shrink


class _Run:
    """One load: the run's bookkeeping, the convert → stage → swap sequence, and what happens when it fails."""

    def __init__(
        self,
        conn: PoolProxiedConnection,
        kind: Kind,
        source: str,
        location: str,
        options: LoadOptions,
        dry_run: bool,
        hook: Hook | None,
        shrink: _ShrinkLimit,
    ) -> None:
        self.conn = conn
        self.kind = kind
        self.source = source
        self.location = location
        self.options = options
        self.dry_run = dry_run
        self.hook = hook
        self.shrink = shrink
        self.run_id = 0
        self.started = time.monotonic()
        self._last = self.started
        self.report = LoadReport(run_id=None, status="running", source=source, kind=kind.name, location=location)
        self.rejects: list[Reject] = []  # whole-row rejects (count in `rejected`)
        self.fingerprint: str | None = None
        self.partial: list[Reject] = []  # regulation-level rejects of rows that did load

    def _hook(self, phase: str) -> None:
        if self.hook is not None:
            self.hook(phase)

    def _lap(self, phase: str) -> None:
        now = time.monotonic()
        self.report.timings[phase] = round(now - self._last, 3)
        self._last = now

    def execute(self) -> LoadReport:
        cur = self.conn.cursor()
        runs.lock(cur, self.source)
        self.run_id = runs.start_run(cur, self.source, self.kind.name, self.location)
        self.report.run_id = self.run_id
        self.conn.commit()
        try:
            self._hook("converting")
            try:
                with local_copy(self.location) as path:
                    if self._identical(path):
                        return self.report
                    converted = self.kind.convert(path, self.options)
                    self._lap("convert")
                    self._load(converted)  # a converter's records may stream from the file while staging
            except StructuralError as exc:
                self._record_failure(str(exc), keep_rejects=False)
            except UnicodeDecodeError as exc:
                self._record_failure(f"the file is not UTF-8 text: {exc.reason}", keep_rejects=False)
            except _Failed as exc:
                self._record_failure(str(exc), keep_rejects=True)
            return self.report
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                message = "interrupted"
            elif isinstance(exc, UsageError):  # found in the file (e.g. a CurbLR feed without a time zone)
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc}"
            self._record_failure(message, keep_rejects=False)
            raise
        finally:
            self._release()

    def _identical(self, path: str) -> bool:
        """An identical reload (see ``fingerprint.py``) of a bay or zone file: the source's last successful load of
        the table had this fingerprint, so a full load would write nothing. Record the run as that load's outcome
        (same counts and rejects, every row unchanged, nothing retired) and the source as loaded now, without
        converting or staging; True when done. Suspension files are always loaded in full (whether their rows are
        accepted depends on the places loaded since), and so are dry runs (they report a full check)."""
        target = self.kind.target
        if self.dry_run or not target.shrink_limited:
            return False
        cur = self.conn.cursor()
        cur.execute("SELECT postgis_full_version()")
        try:
            self.fingerprint = load_fingerprint(self.kind.name, self.source, path, self.options, cur.fetchone()[0])
        except OSError:  # e.g. a missing mapping file: the converter says what is wrong
            self.conn.rollback()
            return False
        self._lap("fingerprint")
        kinds = [k.name for k in KINDS.values() if k.target.table == target.table]
        previous = runs.identical_run(cur, self.source, kinds, self.fingerprint)
        if previous is None:
            self.conn.rollback()
            return False
        r = self.report
        r.read, r.loaded, r.rejected = previous["read"], previous["loaded"], previous["rejected"]
        r.rejected_by_reason = dict(previous["rejected_by_reason"])
        r.flagged_by_reason = dict(previous["flagged_by_reason"])
        r.identical_to_run = previous["id"]
        source_id = previous["source_id"]
        live = live_rows(cur, target.table, SwapContext(source_id, self.run_id, self.kind.name, self._lap))
        r.unchanged = live
        r.kept_previous = runs.copy_rejects(cur, previous["id"], self.run_id)
        r.unchanged -= r.kept_previous
        r.shrink = ShrinkCheck(live, 0, 0.0, self.shrink.max_percent, self.shrink.allowed, False)
        cur.execute("UPDATE sources SET last_loaded_at = now() WHERE id = %s", (source_id,))
        r.status = "succeeded"
        r.elapsed_s = round(time.monotonic() - self.started, 3)
        self._finish_run(cur, source_id=source_id)
        self._hook("swapped")
        self.conn.commit()
        self._lap("commit")
        r.elapsed_s = round(time.monotonic() - self.started, 3)
        return True

    def _load(self, converted: Converted) -> None:
        r = self.report
        cur = self.conn.cursor()
        # everything from here to the commit is ONE transaction
        target = self.kind.target
        context = StageContext(self.source, progress_enabled(self.options.progress), self._lap)
        staged = target.stage(cur, converted, context)
        r.read = converted.read  # known once the records have streamed through staging
        self._lap("stage")
        self._hook("staged")
        self._settle_counts(converted, staged)
        if r.loaded == 0 and (r.read > 0 or target.table != "suspensions"):
            raise _Failed("nothing could be loaded" + (" (the file has no records)" if r.read == 0 else ""))
        source_id = upsert_source(
            cur,
            self.source,
            converted.meta,
            timezone=self.options.timezone,
            holidays=self.options.holidays,
            dry_run=self.dry_run,
        )
        runs.set_run_source(cur, self.run_id, source_id)
        kept_refs = frozenset(rj.ref for rj in self.rejects if rj.ref) if target.shrink_limited else frozenset()
        swapped = target.swap(cur, SwapContext(source_id, self.run_id, self.kind.name, self._lap, kept_refs))
        r.inserted, r.updated, r.unchanged, r.retired = (
            swapped.inserted,
            swapped.updated,
            swapped.unchanged,
            swapped.retired,
        )
        self._lap("swap")
        if target.shrink_limited:
            self._check_shrink(swapped)
            self._keep_previous(swapped.kept)
        if target.covers and not self.dry_run and (swapped.inserted or swapped.updated or swapped.retired):
            refresh_coverage(cur, source_id)
            self._lap("coverage")
        r.elapsed_s = round(time.monotonic() - self.started, 3)
        if self.dry_run:
            self.conn.rollback()
            r.status = "dry_run"
            cur = self.conn.cursor()
            runs.store_rejects(cur, self.run_id, [*self.rejects, *self.partial])
            self._finish_run(cur)
            self.conn.commit()
            return
        runs.store_rejects(cur, self.run_id, [*self.rejects, *self.partial])
        r.status = "succeeded"
        self._finish_run(cur, source_id=source_id)
        self._hook("swapped")
        self.conn.commit()
        self._lap("commit")
        r.elapsed_s = round(time.monotonic() - self.started, 3)

    def _settle_counts(self, converted: Converted, staged: Staged) -> None:
        """Whole-row vs regulation-level rejects, counts by reason, and the invariant read = loaded + rejected."""
        converter_rows = {rj.row_number for rj in converted.rejects}
        whole: list[Reject] = list(converted.rejects)
        self.partial = list(converted.rejected_regulations)
        counted: set[int] = set()
        expanded: list[Reject] = []
        for rj in staged.rejects:  # a record standing for several rows is rejected once per row
            rows = staged.covers.get(rj.row_number, (rj.row_number,))
            expanded.extend(rj if row == rj.row_number else dataclasses.replace(rj, row_number=row) for row in rows)
        for rj in expanded:
            if rj.row_number in staged.loaded or rj.row_number in converter_rows or rj.row_number in counted:
                self.partial.append(rj)
            else:
                counted.add(rj.row_number)
                whole.append(rj)
        self.rejects = whole
        r = self.report
        r.loaded = len(staged.loaded)
        r.rejected = len(whole)
        r.rejected_regulations = len(self.partial)
        r.rejected_by_reason = dict(Counter(reason_key(rj.reason) for rj in whole).most_common())
        r.flagged_by_reason = dict(staged.flags.most_common())
        r.unread_phrases = dict(sum(converted.unread_phrases.values(), Counter()).most_common(UNREAD_SHOWN))
        if self.dry_run:
            for name in dict.fromkeys([*converted.rules_by_type, *converted.unread_phrases]):
                rule_sets = converted.rules_by_type.get(name, Counter()).most_common(UNREAD_SHOWN)
                r.rules_by_type[name] = {
                    "rule_sets": [{"rows": n, "rules": words} for words, n in rule_sets],
                    "unread_phrases": dict(converted.unread_phrases.get(name, Counter()).most_common(UNREAD_SHOWN)),
                }
        if r.read != r.loaded + r.rejected:
            raise RuntimeError(
                f"internal error: rows read ({r.read}) != loaded ({r.loaded}) + rejected ({r.rejected});"
                " the converter lost or double-counted rows"
            )

    def _check_shrink(self, swapped: Swapped) -> None:
        """State the swap's shrink in the report; one retiring more than the allowed share of the live rows is
        refused (``_Failed``: rolled back, nothing changes), as a truncated export would be."""
        live, gone = swapped.live_before, swapped.retired
        limit = self.shrink.max_percent
        refused = live > 0 and not self.shrink.allowed and gone * 100 > limit * live
        share = round(100 * gone / live, 1) if live else 0.0
        r = self.report
        r.shrink = ShrinkCheck(live, gone, share, limit, self.shrink.allowed, refused)
        if not refused:
            return
        r.inserted = r.updated = r.unchanged = r.retired = 0  # nothing is swapped in
        if self.dry_run:
            r.status = "dry_run"
        raise _Failed(
            f"shrink_refused: would retire {gone} of {live} live {self.kind.target.what} ({share:.1f} %),"
            f" more than the {limit:.1f} % allowed; check the file, or pass --allow-shrink"
        )

    def _keep_previous(self, kept: tuple[str, ...]) -> None:
        """Count the live rows a rejected row kept at their previous version, and say so in those rejects."""
        self.report.kept_previous = len(kept)
        if not kept:
            return
        refs = set(kept)
        self.rejects = [
            dataclasses.replace(rj, reason=f"{rj.reason} (the previous version of {rj.ref!r} was kept)")
            if rj.ref in refs
            else rj
            for rj in self.rejects
        ]

    # -- bookkeeping in transactions of their own ---------------------------------------------------------------

    def _finish_run(self, cur: Cursor, *, source_id: int | None = None) -> None:
        r = self.report
        runs.finish_run(
            cur,
            self.run_id,
            status=r.status,
            counts={"read": r.read, "loaded": r.loaded, "rejected": r.rejected, "retired": r.retired},
            rejected_by_reason=r.rejected_by_reason,
            flagged_by_reason=r.flagged_by_reason,
            error=r.error,
            source_id=source_id,
            fingerprint=self.fingerprint if r.status == "succeeded" else None,
        )

    def _record_failure(self, error: str, *, keep_rejects: bool) -> None:
        """Mark the run failed (or dry_run with an error) in its own transaction; the source's data is untouched.

        Without its rejects (a crash, Ctrl-C, an unreadable file) the run loaded, rejected and retired nothing: its
        counts are zero, so that ``read = loaded + rejected`` holds in the history too."""
        r = self.report
        r.error = error
        if r.status != "dry_run":
            r.status = "failed"
        if not keep_rejects:
            r.read = r.loaded = r.rejected = r.retired = r.rejected_regulations = 0
            r.inserted = r.updated = r.unchanged = 0
            r.rejected_by_reason = {}
            r.flagged_by_reason = {}
        r.elapsed_s = round(time.monotonic() - self.started, 3)
        try:
            self.conn.rollback()
            cur = self.conn.cursor()
            if keep_rejects:
                runs.store_rejects(cur, self.run_id, [*self.rejects, *self.partial])
            self._finish_run(cur)
            self.conn.commit()
        except Exception:  # pragma: no cover - e.g. the database went away; the run stays 'running'
            log.warning("could not record the failed run %s", self.run_id, exc_info=True)
            with contextlib.suppress(Exception):
                self.conn.rollback()

    def _release(self) -> None:
        try:
            cur = self.conn.cursor()
            runs.unlock(cur, self.source)
            self.conn.commit()
        except Exception:  # pragma: no cover - the connection is gone; closing it releases the lock anyway
            log.debug("could not release the load lock", exc_info=True)
