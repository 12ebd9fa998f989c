"""What every converter returns: the usable records and the rejected rows, side by side.

One converter per source format (``camden_bays``, ``camden_cpz``, ``suspensions``, ``curblr``, ``mapped``). A
converter only reads and maps into the canonical model (``parking_api.engine.model``); the runner (``runner.py``)
stages, validates and swaps the records into PostGIS in one transaction and stores the rejects.

Geometry travels as text (WKT) with its SRID so that the database builds and reprojects it in bulk.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parking_api.engine.model import Regulation

RAW_LIMIT = 4000  # characters of a rejected record kept in ``Reject.raw``


class StructuralError(Exception):
    """The file as a whole cannot be read (unparseable, bad encoding, truncated): the run fails, nothing changes."""


class UsageError(Exception):
    """The command was called wrongly (e.g. a CurbLR manifest without a time zone and no --timezone): exit 2."""


class RowError(Exception):
    """A record (or one regulation of it) that cannot be used; ``field`` names where, for the reject."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def clip_raw(text: str) -> str:
    """A reject's raw value, cut to :data:`RAW_LIMIT` characters so one huge record cannot bloat the run's rejects."""
    return text if len(text) <= RAW_LIMIT else text[: RAW_LIMIT - 1] + "…"


def raw_json(obj: Any) -> str:
    """A JSON record as compact text for a reject."""
    try:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        text = repr(obj)
    return clip_raw(text)


@dataclass(frozen=True)
class Reject:
    """A row (1-based data record number) the loader could not use, and why, in words a person understands."""

    row_number: int
    reason: str
    raw: str
    field: str | None = None


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
    zones: list[ZoneRecord] = field(default_factory=list)
    suspensions: list[SuspensionRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    rejected_regulations: list[Reject] = field(default_factory=list)
    flags: Counter[str] = field(default_factory=Counter)
    meta: SourceMeta = field(default_factory=SourceMeta)


@dataclass(frozen=True)
class LoadOptions:
    """What ``parking load`` passes to every converter, as ``convert(path, options)``.

    ``source``: the source name the records are loaded under (``--source``); ``mapping``: a mapping file for the
    ``mapped`` kind (``--mapping``); ``timezone``: an IANA zone overriding the feed's own (``--timezone``);
    ``holidays``: a holiday calendar name such as ``GB-ENG`` (``--holidays``); ``inclusive_ends``: read end times as
    inclusive (``--inclusive-ends``); ``progress``: show a progress bar while reading (terminals only).
    """

    source: str | None = None
    mapping: str | None = None
    timezone: str | None = None
    holidays: str | None = None
    inclusive_ends: bool = False
    progress: bool = False
