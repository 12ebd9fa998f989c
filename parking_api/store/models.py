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
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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
