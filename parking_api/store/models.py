"""The PostGIS schema as SQLAlchemy 2 typed models. Migrations (alembic) are the only way it reaches a database.

- ``sources``: one row per publisher feed (``camden``, ``portland`` …) with its licence, attribution and time zone.
- ``load_runs`` / ``load_rejects``: the history of every load, and every row a load could not use, with the reason.
- ``regulations``: content-addressed canonical rule sets (see ``engine/model.py``), stored once and shared by the many
  places that carry the same signs; ``definition`` is the JSON form of :class:`~parking_api.engine.model.Regulation`.
- ``places``: bays, keyed by ``(source_id, ref)``; geometry in EPSG:4326 (line, polygon or only a point), retired
  rather than deleted when a newer file no longer lists them.
- ``zones``: controlled parking zone polygons; each carries the regulation of its default kerb (a single yellow line
  during the controlled hours).
- ``suspensions``: temporary bans on a place, from files or from the API.
- ``api_keys``: the keys of councils, sensors and apps (hashed), with their roles, sources and rate limits.
- ``events`` (partitioned by month), ``event_ids``, ``parking_sessions`` and ``occupancy``: live availability —
  the raw events, their idempotency record, the stays paired from them and each bay's current occupancy.
- ``session_verdicts``, ``bay_forecasts``, ``usage_online``, ``usage_hours`` and ``usage_settled``: usage — the
  engine's verdict on each ended stay, each bay's share of free time per hour of the week (the drivers' forecast
  where no sensor speaks), and each bay's online time per day and usage per hour up to the settled instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSTZMULTIRANGE, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Lifecycle:
    """The columns of a row a load keeps up to date and retires rather than deletes (places and zones): the run that
    last wrote it, when it last changed, and when a newer file stopped listing it (NULL while live). ``sort_order``
    puts them after the table's own columns, where the migrations created them."""

    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("load_runs.id", ondelete="SET NULL"), sort_order=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), sort_order=1)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), sort_order=1)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    publisher: Mapped[str] = mapped_column(Text, server_default="")
    licence: Mapped[str] = mapped_column(Text, server_default="")
    attribution: Mapped[str] = mapped_column(Text, server_default="")
    url: Mapped[str] = mapped_column(Text, server_default="")
    timezone: Mapped[str] = mapped_column(String(64), server_default="Europe/London")
    holidays: Mapped[str | None] = mapped_column(String(32))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_loaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the convex hull of the source's live bays and zones, kept by each load that changes them
    coverage: Mapped[Any] = mapped_column(Geometry(srid=4326, spatial_index=False), nullable=True)


class LoadRun(Base):
    __tablename__ = "load_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'succeeded', 'failed', 'dry_run')", name="load_runs_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    source_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read: Mapped[int] = mapped_column(Integer, server_default="0")
    loaded: Mapped[int] = mapped_column(Integer, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, server_default="0")
    retired: Mapped[int] = mapped_column(Integer, server_default="0")
    rejected_by_reason: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    flagged_by_reason: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    error: Mapped[str | None] = mapped_column(Text)
    # a digest of the file, options and rule settings of a successful load: an identical reload is not staged again
    fingerprint: Mapped[str | None] = mapped_column(String(64))


class LoadReject(Base):
    __tablename__ = "load_rejects"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("load_runs.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)


class RegulationRow(Base):
    __tablename__ = "regulations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, server_default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlaceRow(Lifecycle, Base):
    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("source_id", "ref", name="places_source_ref"),
        CheckConstraint("geom_quality IN ('line', 'polygon', 'point')", name="places_geom_quality"),
        Index("places_geom_live", "geom", postgresql_using="gist", postgresql_where=text("retired_at IS NULL")),
        Index(
            "places_geog_live",
            text("(geom::geography)"),
            postgresql_using="gist",
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), server_default="bay")
    restriction_type: Mapped[str] = mapped_column(Text, server_default="")
    category: Mapped[str] = mapped_column(String(64), server_default="")
    regulation_id: Mapped[int] = mapped_column(ForeignKey("regulations.id"), index=True)
    road: Mapped[str | None] = mapped_column(Text)
    zone: Mapped[str | None] = mapped_column(String(32))
    spaces: Mapped[int | None] = mapped_column(Integer)
    length_m: Mapped[float | None] = mapped_column(Numeric(10, 2))
    geom: Mapped[Any] = mapped_column(Geometry(srid=4326, spatial_index=False))
    geom_quality: Mapped[str] = mapped_column(String(16))
    search_radius_m: Mapped[float] = mapped_column(Numeric(8, 2), server_default="0")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("load_runs.id", ondelete="SET NULL"))


class ZoneRow(Lifecycle, Base):
    __tablename__ = "zones"
    __table_args__ = (
        UniqueConstraint("source_id", "ref", name="zones_source_ref"),
        Index("zones_geom_live", "geom", postgresql_using="gist", postgresql_where=text("retired_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(Text, server_default="")
    sub_zone: Mapped[str] = mapped_column(Text, server_default="")
    hours: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    regulation_id: Mapped[int] = mapped_column(ForeignKey("regulations.id"))
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))


class SuspensionRow(Base):
    __tablename__ = "suspensions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="suspensions_positive"),
        CheckConstraint("origin IN ('file', 'api')", name="suspensions_origin"),
        Index("suspensions_place_time", "place_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    ref: Mapped[str | None] = mapped_column(Text)  # the suspension's own identifier in its file, if any
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, server_default="")
    origin: Mapped[str] = mapped_column(String(8), server_default="file")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("load_runs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiKeyRow(Base):
    """An API key: only its SHA-256 is stored (keys are 256-bit random tokens, so a fast hash is enough), with its
    role, the sources it may write or read (``NULL``: all) and its own token bucket (``tokens`` at ``tokens_at``),
    which every worker updates in the database so that the limit is exact across them."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("role IN ('council', 'sensor', 'app')", name="api_keys_role"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    sources: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    rate_per_second: Mapped[float] = mapped_column(Numeric(10, 3), server_default="20")
    burst: Mapped[int] = mapped_column(Integer, server_default="200")
    tokens: Mapped[float] = mapped_column(Numeric(12, 3), server_default="200")
    tokens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EventIdRow(Base):
    """Every ``event_id`` ever accepted, in an ordinary table (a partitioned one cannot hold a unique key across its
    partitions): the idempotency record, kept when raw events are pruned."""

    __tablename__ = "event_ids"

    event_id: Mapped[Any] = mapped_column(UUID(as_uuid=True), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EventRow(Base):
    """Raw occupancy events, append-only, partitioned by month of ``event_time`` (partitions ``events_pYYYYMM`` are
    made by ``ensure_event_partition`` before the first insert into them). ``payload`` is the event as posted,
    without the plate; ``plate_hash`` is a keyed hash, or NULL when no key is configured."""

    __tablename__ = "events"
    __table_args__ = (
        Index("events_place_time", "place_id", "event_time"),
        {"postgresql_partition_by": "RANGE (event_time)"},
    )

    event_id: Mapped[Any] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    place_id: Mapped[int] = mapped_column(BigInteger)
    source_id: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(32))
    event_source: Mapped[str | None] = mapped_column(String(32))
    session_key: Mapped[str | None] = mapped_column(Text)
    space: Mapped[str | None] = mapped_column(Text)
    occupied: Mapped[int | None] = mapped_column(Integer)
    vehicle_type: Mapped[str | None] = mapped_column(String(16))
    permits: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    badge: Mapped[str | None] = mapped_column(String(8))
    plate_hash: Mapped[str | None] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ParkingSessionRow(Base):
    """A stay in a bay, paired from its ``park_start`` and ``park_end`` (either may be missing: an end without a start
    has ``started_at`` NULL). Sessions outlive the raw events (pruning keeps them) and feed usage and forecasts."""

    __tablename__ = "parking_sessions"
    __table_args__ = (
        Index("parking_sessions_place_start", "place_id", "started_at"),
        Index("parking_sessions_open", "place_id", postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    session_key: Mapped[str | None] = mapped_column(Text)
    space: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    start_event_id: Mapped[Any | None] = mapped_column(UUID(as_uuid=True))
    end_event_id: Mapped[Any | None] = mapped_column(UUID(as_uuid=True))
    vehicle_type: Mapped[str | None] = mapped_column(String(16))
    permits: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    badge: Mapped[str | None] = mapped_column(String(8))
    plate_hash: Mapped[str | None] = mapped_column(String(64))
    simulated: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class OccupancyRow(Base):
    """The current occupancy of a bay, kept up to date by every accepted event so that answers never scan events:
    the latest event's time and type, the latest count-bearing event (a ``scheduled_report``'s count or the open
    sessions) and whether anything but the simulator has ever reported for it."""

    __tablename__ = "occupancy"

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)
    occupied: Mapped[int] = mapped_column(Integer, server_default="0")
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_event_type: Mapped[str] = mapped_column(String(32))
    count_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported: Mapped[int | None] = mapped_column(Integer)
    report_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    simulated: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SessionVerdictRow(Base):
    """The engine's verdict on an ended session (``ok``, ``overstay`` or ``unverifiable``), for the start and end it
    judged: a session whose times changed since is judged again."""

    __tablename__ = "session_verdicts"
    __table_args__ = (
        CheckConstraint("verdict IN ('ok', 'overstay', 'unverifiable')", name="session_verdicts_verdict"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("parking_sessions.id", ondelete="CASCADE"), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verdict: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(32))
    allowed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rule: Mapped[str | None] = mapped_column(Text)
    judged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BayForecastRow(Base):
    """A bay's share of online time with a space free, per local hour of the week (0 = Monday 00:00), over the 8
    weeks before ``computed_at``; ``share_free`` is NULL under 4 weeks of data."""

    __tablename__ = "bay_forecasts"
    __table_args__ = (CheckConstraint("hour_of_week BETWEEN 0 AND 167", name="bay_forecasts_hour_of_week"),)

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)
    hour_of_week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    share_free: Mapped[float | None] = mapped_column(Float)
    weeks: Mapped[int] = mapped_column(SmallInteger)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UsageOnlineRow(Base):
    """A bay's online time (a multirange) on one UTC day before ``usage_settled.until``, counting the simulator's
    events or not (``with_simulated``)."""

    __tablename__ = "usage_online"

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[Any] = mapped_column(Date, primary_key=True)
    with_simulated: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    online: Mapped[Any] = mapped_column(TSTZMULTIRANGE)


class UsageHourRow(Base):
    """A bay's usage in one settled UTC hour (with the simulator's data or not): online and occupied
    space-seconds, the sessions started in it, their overstays and unverifiable ones, and the ended ones' dwell
    seconds (all of them: medians stay exact)."""

    __tablename__ = "usage_hours"

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)
    with_simulated: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    online_s: Mapped[Any] = mapped_column(Numeric)
    occupied_s: Mapped[Any] = mapped_column(Numeric)
    sessions: Mapped[int] = mapped_column(Integer)
    overstays: Mapped[int] = mapped_column(Integer)
    unverifiable: Mapped[int] = mapped_column(Integer)
    dwell_s: Mapped[Any] = mapped_column(ARRAY(Numeric))


class UsageSettledRow(Base):
    """One row: the instant before which ``usage_online`` holds every bay's online time."""

    __tablename__ = "usage_settled"
    __table_args__ = (CheckConstraint("id = 1", name="usage_settled_one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default="1")
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
