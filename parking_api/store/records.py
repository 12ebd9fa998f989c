"""What a converter hands the store: records ready to stage, the rows it rejected, and what the file says about its
publisher.

These are the contract between the per-source converters (``loaders``) and the load machinery
(``parking_api.store.load``): the converters build them, the store stages, validates and swaps them in. They live
here so that the store never imports the converters.

Geometry travels as text (WKT, or GeoJSON) with its SRID so that the database builds and reprojects it in bulk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parking_api.engine.model import Regulation

RAW_LIMIT = 4000  # characters of a rejected record kept in ``Reject.raw`` (and in ``load_rejects.raw``)


@dataclass(frozen=True)
class Reject:
    """A row (1-based data record number) the loader could not use, and why, in words a person understands.

    ``ref``: the row's reference when it could be read (say its geometry was bad but its id was not), so that the
    live row of that ref keeps its previous version instead of being retired as "no longer listed"."""

    row_number: int
    reason: str
    raw: str
    field: str | None = None
    ref: str | None = None


@dataclass
class PlaceRecord:
    row_number: int
    ref: str
    regulation: Regulation
    geometry_wkt: str
    geometry_srid: int = 4326
    geom_quality: str = "line"  # "line", "polygon" or "point"
    restriction_type: str = ""
    road: str | None = None
    zone: str | None = None
    spaces: int | None = None
    length_m: float | None = None
    search_radius_m: float = 0.0
    attributes: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


@dataclass
class ZoneRecord:
    row_number: int
    ref: str
    code: str
    regulation: Regulation
    geometry_wkt: str
    geometry_srid: int = 4326
    name: str = ""
    sub_zone: str = ""
    hours: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


@dataclass
class SuspensionRecord:
    row_number: int
    starts_at: datetime
    ends_at: datetime
    reason: str = ""
    place_source: str | None = None
    place_ref: str | None = None
    geometry_wkt: str | None = None  # EPSG:4326; suspends every live place it touches
    ref: str | None = None


@dataclass
class SourceMeta:
    """What the ``sources`` row says about a publisher feed (filled from the file where it says so)."""

    publisher: str = ""
    licence: str = ""
    attribution: str = ""
    url: str = ""
    timezone: str = "Europe/London"
    holidays: str | None = None
    published_at: datetime | None = None


@dataclass
class Converted:
    """A converter's output. ``read`` counts data records (features for GeoJSON/CurbLR); the runner checks
    ``read == loaded + rejected`` where each regulation-level reject of a partly bad feature counts on its own
    (``rejected_regulations``)."""

    read: int = 0
    places: list[PlaceRecord] = field(default_factory=list)
    place_stream: Iterator[PlaceRecord] | None = None
    """Instead of ``places``: the records read lazily as staging consumes them (once), so that a million rows are
    never held at once; ``read``, ``rejects``, ``flags`` and ``meta`` are complete only when it is exhausted."""
    zones: list[ZoneRecord] = field(default_factory=list)
    suspensions: list[SuspensionRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    rejected_regulations: list[Reject] = field(default_factory=list)
    flags: Counter[str] = field(default_factory=Counter)
    meta: SourceMeta = field(default_factory=SourceMeta)
    # per bay type: the sign words a converter could not read, and its loaded rows' rules in words (with counts)
    unread_phrases: dict[str, Counter[str]] = field(default_factory=dict)
    rules_by_type: dict[str, Counter[str]] = field(default_factory=dict)
