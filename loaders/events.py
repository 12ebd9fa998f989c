"""``parking load events``: import a history of occupancy events (or a sensor snapshot) for one source's bays.

The events are checked and stored by the same code as ``POST /v1/events`` (:func:`parking_api.services.events.ingest`),
in batches of 1,000 inside ONE transaction, with no retention limit: history of any age loads, nothing more than five
minutes ahead of the clock. A failure rolls everything back; the run (``load_runs``, kind ``events``) is recorded
either way, with its rejects, like a place load's. An event id seen before (in an earlier import, from the API, or
earlier in the file) is a duplicate: counted and reported, neither loaded nor rejected.

Three formats, told apart by their content: a JSON event log (an array of events, or a CDS envelope
``{"data": {"events": [...]}}``), a CSV event log (``event_id,event_type,event_time,ref`` …), and a sensor snapshot
(City of Melbourne's ``bay_id,st_marker_id,status,location,lat,lon``: no times, so ``--observed-at`` says when). A
snapshot row becomes a ``scheduled_report`` of its bay, found by ``--ref-column`` and/or the nearest live bay of the
source within ``--match-within`` metres; its event id is a uuid5 of the source, sensor and time, so the same
snapshot imported twice gives duplicates.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from parking_api.occupancy.events import FUTURE_TOLERANCE, EventRefused, EventType, parse_event, parse_time
from parking_api.services.events import ACCEPTED, DUPLICATE, MAX_BATCH, ingest
from parking_api.store import events as store
from parking_api.store.db import make_engine
from parking_api.store.load import runs
from parking_api.store.records import Reject

from .base import StructuralError, UsageError, raw_json
from .files import (
    csv_line,
    csv_records,
    first_char,
    iter_json_array,
    load_json,
    local_copy,
    open_text,
)
from .report import reason_key
from .runner import LOADER_STATEMENT_TIMEOUT_MS

log = logging.getLogger(__name__)

KIND = "events"
SNAPSHOT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:kerbside-parking:sensor-snapshot")
"""The uuid5 namespace of snapshot rows' event ids: ``uuid5(SNAPSHOT_NAMESPACE, f"{source}/{sensor}/{UTC ISO}")``."""
SNAPSHOT_EVENT_SOURCE = "in_ground"
SNAPSHOT_STATUS = {"present": 1, "unoccupied": 0}

CSV_REQUIRED = ("event_id", "event_type", "event_time")
CSV_REFS = ("ref", "bay_ref")
CSV_OPTIONAL = (
    "event_session_id",
    "space",
    "occupied",
    "vehicle_type",
    "plate",
    "permits",
    "badge",
    "event_source",
)
SNAPSHOT_COLUMNS = ("status", "lat", "lon")
FORMATS = {"json": "JSON event log", "csv": "CSV event log", "snapshot": "sensor snapshot"}

_FIELD_REASON = re.compile(r"^([a-z_][a-z0-9_.]*): (.*)$", re.DOTALL)
_DIGITS = re.compile(r"^[0-9]+$")


# --- the report ------------------------------------------------------------------------------------------------


@dataclass
class EventsReport:
    """What an import did (also its ``--json`` form). ``read == loaded + duplicates + rejected`` always holds."""

    run_id: int | None
    status: str  # "succeeded", "failed" or "dry_run"
    source: str
    location: str
    kind: str = KIND
    format: str | None = None  # "json", "csv" or "snapshot"
    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.status in ("succeeded", "dry_run")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"dry_run": self.status == "dry_run"}


def format_events_report(report: EventsReport) -> str:
    """The human-readable report, laid out like the place loads' (``loaders/report.py``)."""
    lines = [
        f"{report.kind} {report.location}",
        f"  source {report.source}, run {report.run_id}: {report.status}"
        + (f" ({report.error})" if report.error else ""),
    ]
    if report.format:
        lines.append(f"  format     {FORMATS[report.format]}")
    lines += [
        f"  read       {report.read:>9,}",
        f"  loaded     {report.loaded:>9,}",
        f"  duplicates {report.duplicates:>9,}"
        + ("  (received before: not loaded again)" if report.duplicates else ""),
        f"  rejected   {report.rejected:>9,}",
    ]
    for reason, n in sorted(report.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"     {n:>7,}  {reason}")
    if report.elapsed_s:
        lines.append(f"  time       {report.elapsed_s:>9.1f} s")
    if report.run_id is not None and report.rejected:
        lines.append(f"  see the rejects with: parking load rejects {report.run_id}")
    return "\n".join(lines)


def reject_key(reason: str) -> str:
    """The category of a reject, for counting: ``field: reason`` keeps its field (``bay: no live bay in source``)."""
    match = _FIELD_REASON.match(reason)
    return f"{match[1]}: {reason_key(match[2])}" if match else reason_key(reason)


def _reject(row: int, reason: str, raw: str) -> Reject:
    match = _FIELD_REASON.match(reason)
    return Reject(row_number=row, reason=reason, raw=raw, field=match[1] if match else None)


# --- reading the files -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """One event for the ingest, with its row number and its record as written (plate blanked) for a reject."""

    row: int
    event: Any
    raw: str


Record = _Item | Reject


@dataclass(frozen=True)
class SnapshotOptions:
    """How sensor-snapshot rows become events: the snapshot's time, and how a sensor finds its bay."""

    observed_at: datetime | None = None
    ref_column: str | None = None
    match_within: float | None = None

    @property
    def given(self) -> bool:
        return self.observed_at is not None or self.ref_column is not None or self.match_within is not None


def _format_of(path: str) -> tuple[str, list[str]]:
    """``json``, ``csv`` or ``snapshot``, told from the content; with the CSV header."""
    first = first_char(path)
    if first == "":
        raise StructuralError("the file is empty")
    if first in "[{":
        return "json", []
    with open_text(path, newline="") as fh:
        try:
            header = [h.strip() for h in next(csv.reader(fh, strict=True))]
        except csv.Error as exc:
            raise StructuralError(f"the CSV header is unreadable: {exc}") from exc
    if "event_type" in header:
        return "csv", header
    if all(c in header for c in SNAPSHOT_COLUMNS):
        return "snapshot", header
    raise StructuralError(
        "neither an event log (JSON, or CSV with columns event_id,event_type,event_time,ref …) nor a sensor"
        " snapshot (CSV with columns bay_id,status,lat,lon)"
    )


def _without_plate(event: Any) -> Any:
    if isinstance(event, dict) and isinstance(event.get("vehicle"), dict) and "plate" in event["vehicle"]:
        return {**event, "vehicle": {k: v for k, v in event["vehicle"].items() if k != "plate"}}
    return event


def _json_events(path: str, source: str, progress: bool) -> Iterator[Record]:
    """A JSON array of events (streamed) or a CDS envelope ``{"data": {"events": [...]}}``."""
    with open_text(path, progress=progress) as fh:
        if first_char(path) == "[":
            events: Any = iter_json_array(fh)
        else:
            document = load_json(fh)
            data = document.get("data") if isinstance(document, dict) else None
            events = data.get("events") if isinstance(data, dict) else None
            if not isinstance(events, list):
                raise StructuralError('a JSON event log is an array of events or {"data": {"events": [...]}}')
        for row, raw in enumerate(events, start=1):
            event, problem = _with_bay(raw, source)
            shown = raw_json(_without_plate(raw))
            yield _reject(row, problem, shown) if problem else _Item(row, event, shown)


def _with_bay(raw: Any, source: str) -> tuple[Any, str | None]:
    """The event with its ``bay`` in ``source`` (from a ``ref``/``bay_ref`` field where ``bay`` is left out), or
    the reason it cannot have one. What is not an object goes to the ingest as it is, which says why."""
    if not isinstance(raw, dict):
        return raw, None
    event = {k: v for k, v in raw.items() if k not in CSV_REFS}
    bay = raw.get("bay")
    if bay is None:
        ref = next((raw[k] for k in CSV_REFS if raw.get(k) is not None), None)
        if ref is None:
            return event, 'bay: is required: {"source": ..., "ref": ...}, or a ref (bay_ref) field'
        event["bay"] = {"source": source, "ref": ref}
    elif isinstance(bay, dict):
        if bay.get("source") is None:
            event["bay"] = {**bay, "source": source}
        elif bay["source"] != source:
            return event, f"bay.source: not the --source of the import: {bay['source']!r} (it is for {source!r})"
    return event, None


def _csv_header(header: list[str]) -> list[str]:
    missing = [c for c in CSV_REQUIRED if c not in header]
    if not any(c in header for c in CSV_REFS):
        missing.append("ref")
    if missing:
        raise StructuralError(f"the CSV event log has no column {', '.join(missing)}")
    unknown = [c for c in header if c not in (*CSV_REQUIRED, *CSV_REFS, *CSV_OPTIONAL)]
    if unknown:
        raise StructuralError(
            f"the CSV event log has unknown columns {', '.join(unknown)} (known: "
            f"{', '.join((*CSV_REQUIRED, *CSV_REFS, *CSV_OPTIONAL))})"
        )
    return header


def _csv_events(path: str, source: str, progress: bool) -> Iterator[Record]:
    """A CSV event log: one event per record, built as ``POST /v1/events`` takes it."""
    header: list[str] = []

    def names(found: list[str]) -> list[str]:
        header.extend(_csv_header(found))
        return header

    with open_text(path, progress=progress, newline="") as fh:
        for row, record, raw in csv_records(fh, path, names):
            shown = csv_line([("" if header[i : i + 1] == ["plate"] else v) for i, v in enumerate(raw)])
            if record is None:
                yield _reject(row, "wrong number of fields for the CSV header", shown)
                continue
            values = {k: v.strip() for k, v in record.items() if v.strip()}
            ref = next((values[k] for k in CSV_REFS if k in values), None)
            if ref is None:
                yield _reject(row, "ref: is empty (it names the bay in --source)", shown)
                continue
            yield _Item(row, _csv_event(values, source, ref), shown)


def _csv_event(values: dict[str, str], source: str, ref: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        k: values[k] for k in (*CSV_REQUIRED, "event_session_id", "space", "event_source") if k in values
    }
    event["bay"] = {"source": source, "ref": ref}
    if "occupied" in values:  # a non-number is passed on as text, for the ingest to refuse
        event["occupied"] = int(values["occupied"]) if _DIGITS.match(values["occupied"]) else values["occupied"]
    vehicle: dict[str, Any] = {}
    if "vehicle_type" in values:
        vehicle["type"] = values["vehicle_type"]
    vehicle.update({k: values[k] for k in ("plate", "badge") if k in values})
    if "permits" in values:
        vehicle["permits"] = [p.strip() for p in values["permits"].split(";") if p.strip()]
    if vehicle:
        event["vehicle"] = vehicle
    return event


@dataclass(frozen=True)
class _Sensor:
    row: int
    sensor: str
    occupied: int
    ref: str | None
    lon: float | None
    lat: float | None
    raw: str


def _sensors(path: str, header: list[str], options: SnapshotOptions) -> Iterator[_Sensor | Reject]:
    """The snapshot's rows, checked: the sensor id (``bay_id``), its status, its ref and its position."""
    if "bay_id" not in header:
        raise StructuralError("the sensor snapshot has no bay_id column (the sensor id)")
    if options.ref_column is not None and options.ref_column not in header:
        raise UsageError(f"--ref-column {options.ref_column!r} is not a column of the file ({', '.join(header)})")
    with open_text(path, newline="") as fh:
        for row, record, raw in csv_records(fh, path, lambda names: names):
            shown = csv_line(raw)
            if record is None:
                yield _reject(row, "wrong number of fields for the CSV header", shown)
                continue
            sensor = record["bay_id"].strip()
            status = record["status"].strip()
            if not sensor:
                yield _reject(row, "bay_id: is empty (it is the sensor id)", shown)
            elif status.lower() not in SNAPSHOT_STATUS:
                yield _reject(row, f"status: {status[:40]!r} is not Present or Unoccupied", shown)
            else:
                ref = record[options.ref_column].strip() if options.ref_column else ""
                lon, lat = _position(record["lon"], record["lat"])
                yield _Sensor(row, sensor, SNAPSHOT_STATUS[status.lower()], ref or None, lon, lat, shown)


def _position(lon_text: str, lat_text: str) -> tuple[float | None, float | None]:
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        return None, None
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else (None, None)


def _snapshot_events(
    session: Session, path: str, header: list[str], source: str, source_id: int, options: SnapshotOptions
) -> list[Record]:
    """Each sensor's ``scheduled_report`` of the bay it matches (by ref, else the nearest within the distance),
    one sensor per bay: a bay two sensors match takes the one matched by ref, else the nearer, else the first."""
    assert options.observed_at is not None
    rows = list(_sensors(path, header, options))
    sensors = [s for s in rows if isinstance(s, _Sensor)]
    by_ref = store.bays(session, ((source, s.ref) for s in sensors if s.ref is not None))
    # row -> (ref, metres away; None when matched by ref)
    matched: dict[int, tuple[str, float | None]] = {
        s.row: (s.ref, None) for s in sensors if s.ref is not None and (source, s.ref) in by_ref
    }
    if options.match_within is not None:
        matched |= _nearest(session, [s for s in sensors if s.row not in matched], source_id, options.match_within)
    winner: dict[str, int] = {}
    for row, (ref, _) in sorted(matched.items(), key=lambda kv: (kv[1][1] is not None, kv[1][1] or 0, kv[0])):
        winner.setdefault(ref, row)

    at = options.observed_at.astimezone(UTC)
    records: list[Record] = []
    for s in rows:
        if isinstance(s, Reject):
            records.append(s)
        elif s.row not in matched:
            records.append(_reject(s.row, _unmatched(s, source, options), s.raw))
        elif winner[matched[s.row][0]] != s.row:
            ref, distance = matched[s.row]
            by = winner[ref]
            how = "its ref" if matched[by][1] is None else f"{matched[by][1]:.1f} m from it, this one {distance:.1f} m"
            records.append(_reject(s.row, f"bay already matched to another sensor: bay {ref!r} went to the sensor"
                                          f" of row {by} ({how})", s.raw))  # fmt: skip
        else:
            event = {
                "event_id": str(uuid.uuid5(SNAPSHOT_NAMESPACE, f"{source}/{s.sensor}/{at.isoformat()}")),
                "event_type": EventType.SCHEDULED_REPORT.value,
                "event_time": at.isoformat(),
                "bay": {"source": source, "ref": matched[s.row][0]},
                "occupied": s.occupied,
                "event_source": SNAPSHOT_EVENT_SOURCE,
                "data_source_device_id": s.sensor,
            }
            records.append(_Item(s.row, event, s.raw))
    return records


def _unmatched(sensor: _Sensor, source: str, options: SnapshotOptions) -> str:
    no_ref = f"ref {sensor.ref!r} is not a live bay of source {source!r}" if sensor.ref else None
    if options.match_within is None:
        return f"bay: {no_ref}" if no_ref else f"bay: the --ref-column {options.ref_column!r} is empty"
    if sensor.lon is None:
        return "lat: no usable lat/lon (WGS84) to find the nearest bay" + (f", and {no_ref}" if no_ref else "")
    return f"no bay within {options.match_within:g} m" + (f": {no_ref}" if no_ref else "")


def _nearest(
    session: Session, sensors: list[_Sensor], source_id: int, metres: float
) -> dict[int, tuple[str, float | None]]:
    """Row → (ref, distance in metres) of the nearest live bay of the source within ``metres`` (PostGIS KNN over the
    bays' geography index; ties go to the older bay)."""
    located = [s for s in sensors if s.lon is not None and s.lat is not None]
    found: dict[int, tuple[str, float | None]] = {}
    for start in range(0, len(located), MAX_BATCH):
        chunk = located[start : start + MAX_BATCH]
        rows = session.execute(
            text(
                """SELECT k.row_number, b.ref, b.distance
                     FROM unnest(CAST(:rows AS int[]), CAST(:lons AS float8[]), CAST(:lats AS float8[]))
                          AS k(row_number, lon, lat)
                    CROSS JOIN LATERAL (
                          SELECT p.ref, ST_Distance(p.geom::geography,
                                                    ST_SetSRID(ST_MakePoint(k.lon, k.lat), 4326)::geography) AS distance
                            FROM places p
                           WHERE p.source_id = :source_id AND p.retired_at IS NULL
                             AND ST_DWithin(p.geom::geography,
                                            ST_SetSRID(ST_MakePoint(k.lon, k.lat), 4326)::geography, :metres)
                           ORDER BY p.geom::geography <-> ST_SetSRID(ST_MakePoint(k.lon, k.lat), 4326)::geography, p.id
                           LIMIT 1) b"""
            ),
            {
                "rows": [s.row for s in chunk],
                "lons": [s.lon for s in chunk],
                "lats": [s.lat for s in chunk],
                "source_id": source_id,
                "metres": metres,
            },
        ).all()
        found.update({row: (ref, float(distance)) for row, ref, distance in rows})
    return found


# --- the run ---------------------------------------------------------------------------------------------------


def load_events(
    database_url: str,
    location: str,
    *,
    source: str,
    plate_key: str = "",
    snapshot: SnapshotOptions | None = None,
    dry_run: bool = False,
    progress: bool = False,
) -> EventsReport:
    """Import one event log or sensor snapshot (path or http(s) URL) for ``source``'s bays; see the module docstring.

    Returns the report: a file that cannot be read, or of which nothing could be loaded, gives status ``failed`` with
    ``error`` (and a failed run in the history). Raises :class:`UsageError` for a wrong call (an unknown source, a
    snapshot without ``--observed-at``, snapshot options for an event log …). Any other error (a bug, the database
    going away, Ctrl-C) is recorded as a failed run and re-raised. ``plate_key`` keys the plates' hash (settings).
    """
    snapshot = snapshot or SnapshotOptions()
    now = datetime.now(UTC)
    if snapshot.observed_at is not None:
        if snapshot.observed_at.tzinfo is None:
            raise UsageError("--observed-at needs an offset (Z or ±HH:MM)")
        if snapshot.observed_at > now + FUTURE_TOLERANCE:
            raise UsageError("--observed-at is more than 5 minutes in the future")
    if snapshot.match_within is not None and not snapshot.match_within > 0:
        raise UsageError("--match-within must be a distance in metres above 0")
    engine = make_engine(database_url, statement_timeout_ms=LOADER_STATEMENT_TIMEOUT_MS, pool_size=1)
    try:
        with engine.connect() as conn:
            return _Import(conn, source, str(location), plate_key, snapshot, dry_run, progress, now).execute()
    finally:
        engine.dispose()


def observed_at_option(value: str) -> datetime:
    """``--observed-at``: ISO 8601 with an offset (or epoch milliseconds), as an event's time is read."""
    try:
        return parse_time(value, "--observed-at")
    except EventRefused as exc:
        raise UsageError(str(exc)) from None


class _Failed(Exception):
    """The import fails without a bug (nothing could be loaded); its rejects are kept for the record."""


class _Import:
    """One import: the run's bookkeeping (in transactions of its own), then the events in one transaction."""

    def __init__(
        self,
        conn: Connection,
        source: str,
        location: str,
        plate_key: str,
        snapshot: SnapshotOptions,
        dry_run: bool,
        progress: bool,
        now: datetime,
    ) -> None:
        self.session = Session(bind=conn)
        self.source = source
        self.location = location
        self.plate_key = plate_key
        self.snapshot = snapshot
        self.dry_run = dry_run
        self.progress = progress
        self.now = now
        self.started = time.monotonic()
        self.rejects: list[Reject] = []
        self.report = EventsReport(run_id=None, status="running", source=source, location=location)

    def _cursor(self) -> Cursor:
        return self.session.connection().connection.cursor()

    def execute(self) -> EventsReport:
        try:
            source_id = self.session.execute(
                text("SELECT id FROM sources WHERE name = :name"), {"name": self.source}
            ).scalar()
            self.session.rollback()
            if source_id is None:
                raise UsageError(f"unknown source {self.source!r}: load its bays first")
            runs.lock(self._cursor(), self.source)
            self.session.commit()
            try:
                return self._run(source_id)
            finally:
                self._release()
        finally:
            self.session.close()

    def _run(self, source_id: int) -> EventsReport:
        self.report.run_id = runs.start_run(self._cursor(), self.source, KIND, self.location)
        self.session.commit()
        try:
            with local_copy(self.location) as path:
                self._import(path, source_id)
        except StructuralError as exc:
            self._record_failure(str(exc), keep_rejects=False)
        except _Failed as exc:
            self._record_failure(str(exc), keep_rejects=True)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                message = "interrupted"
            elif isinstance(exc, UsageError):  # found in the file (e.g. a snapshot without --observed-at)
                message = str(exc)
            else:
                message = f"{type(exc).__name__}: {exc}"
            self._record_failure(message, keep_rejects=False)
            raise
        return self.report

    def _records(self, path: str, source_id: int) -> Callable[[bool], Iterable[Record]]:
        """The file's records, readable twice (``records(progress)``): once to plan, once to import."""
        kind, header = _format_of(path)
        self.report.format = kind
        if kind == "snapshot":
            if self.snapshot.observed_at is None:
                raise UsageError("a sensor snapshot has no times: give --observed-at (ISO 8601 with an offset)")
            if self.snapshot.ref_column is None and self.snapshot.match_within is None:
                raise UsageError(
                    "a sensor snapshot needs --match-within METRES (the nearest bay) and/or --ref-column COLUMN"
                )
            records = _snapshot_events(self.session, path, header, self.source, source_id, self.snapshot)
            self.session.rollback()
            return lambda _progress: records
        if self.snapshot.given:
            raise UsageError("--observed-at, --ref-column and --match-within are for sensor snapshots, not event logs")
        read = _json_events if kind == "json" else _csv_events
        return lambda progress: read(path, self.source, progress)

    def _import(self, path: str, source_id: int) -> None:
        records = self._records(path, source_id)
        place_ids = self._prepare(records(False))
        r = self.report
        # from here to the commit is ONE transaction; every bay it will touch locked first, in order, so that the
        # batches' own locks (in order within a batch) can never deadlock with concurrent API posts
        store.lock_bays(self.session, place_ids)
        batch: list[_Item] = []
        for record in records(self.progress):
            r.read += 1
            if isinstance(record, Reject):
                self.rejects.append(record)
                continue
            batch.append(record)
            if len(batch) == MAX_BATCH:
                self._ingest(batch)
                batch = []
        self._ingest(batch)
        self._settle()
        if r.loaded == 0 and r.duplicates == 0:
            raise _Failed("nothing could be loaded" + (" (the file has no events)" if r.read == 0 else ""))
        if self.dry_run:
            self.session.rollback()
            r.status = "dry_run"
        else:
            r.status = "succeeded"
        r.elapsed_s = round(time.monotonic() - self.started, 3)
        cur = self._cursor()
        runs.store_rejects(cur, r.run_id, self.rejects)
        self._finish_run(cur)
        self.session.commit()

    def _prepare(self, records: Iterable[Record]) -> list[int]:
        """The bays the file's events are for; and, unless a dry run, the monthly partitions their events need,
        made in a transaction of their own: making a partition locks the whole ``events`` table until commit, which
        a long import must not hold (the API's posts would wait for it). An empty partition left by an import that
        then fails is harmless."""
        keys: set[tuple[str, str]] = set()
        months: set[tuple[tuple[str, str], datetime]] = set()
        for record in records:
            if isinstance(record, _Item):
                with contextlib.suppress(EventRefused):  # the ingest will say why
                    event = parse_event(record.event, now=self.now, oldest=None)
                    keys.add((event.source, event.ref))
                    month = event.event_time.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
                    months.add(((event.source, event.ref), month))
        bays = store.bays(self.session, keys)
        if not self.dry_run:
            store.ensure_partitions(self.session, {month for key, month in months if key in bays})
            self.session.commit()
        else:
            self.session.rollback()
        return [bay.place_id for bay in bays.values()]

    def _ingest(self, batch: list[_Item]) -> None:
        if not batch:
            return
        outcome = ingest(
            self.session,
            [item.event for item in batch],
            now=self.now,
            plate_key=self.plate_key,
            oldest=None,
            rows=[item.row for item in batch],
        )
        r = self.report
        for item, result in zip(batch, outcome.results, strict=True):
            if result.status == ACCEPTED:
                r.loaded += 1
            elif result.status == DUPLICATE:
                r.duplicates += 1
            else:
                self.rejects.append(_reject(item.row, result.reason or "rejected", item.raw))

    def _settle(self) -> None:
        r = self.report
        r.rejected = len(self.rejects)
        counted: dict[str, int] = {}
        for rj in self.rejects:
            counted[reject_key(rj.reason)] = counted.get(reject_key(rj.reason), 0) + 1
        r.rejected_by_reason = dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
        if r.read != r.loaded + r.duplicates + r.rejected:
            raise RuntimeError(
                f"internal error: events read ({r.read}) != loaded ({r.loaded}) + duplicates ({r.duplicates})"
                f" + rejected ({r.rejected})"
            )

    # -- bookkeeping in transactions of their own ---------------------------------------------------------------

    def _finish_run(self, cur: Cursor) -> None:
        """The run's counts; duplicates, which ``load_runs`` has no column for, in its ``flagged_by_reason``."""
        r = self.report
        runs.finish_run(
            cur,
            r.run_id,
            status=r.status,
            counts={"read": r.read, "loaded": r.loaded, "rejected": r.rejected, "retired": 0},
            rejected_by_reason=r.rejected_by_reason,
            flagged_by_reason={"duplicate": r.duplicates} if r.duplicates else {},
            error=r.error,
        )

    def _record_failure(self, error: str, *, keep_rejects: bool) -> None:
        """Mark the run failed, after rolling the import back; without its rejects its counts are zero."""
        r = self.report
        r.error = error
        r.status = "failed"
        if keep_rejects:
            self._settle()
        else:
            r.read = r.loaded = r.duplicates = r.rejected = 0
            r.rejected_by_reason = {}
            self.rejects = []
        r.elapsed_s = round(time.monotonic() - self.started, 3)
        try:
            self.session.rollback()
            cur = self._cursor()
            runs.store_rejects(cur, r.run_id, self.rejects)
            self._finish_run(cur)
            self.session.commit()
        except Exception:  # pragma: no cover - e.g. the database went away; the run stays 'running'
            log.warning("could not record the failed run %s", r.run_id, exc_info=True)
            with contextlib.suppress(Exception):
                self.session.rollback()

    def _release(self) -> None:
        try:
            runs.unlock(self._cursor(), self.source)
            self.session.commit()
        except Exception:  # pragma: no cover - the connection is gone; closing it releases the lock anyway
            log.debug("could not release the load lock", exc_info=True)
