"""Camden "Parking Bays" (dataset 7hiv-3r9k, OGL v3.0) in either published form, detected from the file:

- the Socrata API JSON (an array of objects with snake_case names, every value a string), read as a stream;
- the CSV download (Title Case headers such as ``Restriction Type``, EPSG:27700 and EPSG:4326 WKT and GeoJSON
  columns, ``Last Uploaded`` as ``04/08/2023 11:00:33 PM``, month first);
- also a GeoJSON FeatureCollection whose properties carry the same names.

Each row becomes one place keyed by ``unique_identifier``. Geometry, best first: the publisher's WGS84 geometry;
the EPSG:27700 geometry (reprojected in PostGIS); the longitude/latitude point; the easting/northing point. A present
geometry that is unusable (text no parser can read, or coordinates outside its CRS's range, e.g. British National
Grid numbers in the WGS84 column) gives way to the next source and the row is flagged; a present geometry with
one-point parts loses those parts (or falls back to the point) and is flagged, not rejected; a row with no usable
location at all is rejected, the reason naming every source tried. Implausible bay lengths (centimetres written as
metres) are flagged and replaced by spaces × 5 m where it matters: the search radius of a point-only bay (half its
length, at most 25 m).

One module, read top to bottom (names and values, geometry choice, sizes, the row, the two file forms), because each
part serves only this dataset's columns.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from parking_api.engine.camden import build_bay_regulation
from parking_api.engine.model import Regulation
from parking_api.engine.parse import ParseError
from parking_api.store.records import Converted, PlaceRecord, Reject

from . import _camden
from .base import LoadOptions, StructuralError
from .files import csv_line, csv_records, first_char, iter_json_array, load_json, open_text

SPACE_LENGTH_M = 5.0  # one parallel parking space, for bays whose published length is implausible
MAX_SEARCH_RADIUS_M = 25.0
MAX_LENGTH_PER_SPACE_M = 100.0  # beyond this the "metres" are centimetres (or worse): 1920 for 3 spaces
MIN_LENGTH_PER_SPACE_M = 0.5

# Flags (``places.flags`` and the report's flagged_by_reason)
FLAG_POINT_ONLY = "no_geometry_point_used"
FLAG_REPROJECTED = "geometry_from_epsg_27700"
FLAG_DEGENERATE_DROPPED = "degenerate_geometry_parts_dropped"
FLAG_DEGENERATE_POINT = "degenerate_geometry_point_used"
FLAG_UNUSABLE_POINT = "unusable_geometry_point_used"
FLAG_UNUSABLE_WGS84_GEOJSON = "unusable_wgs84_wkt_geojson_used"
FLAG_UNUSABLE_WGS84_27700 = "unusable_wgs84_geometry_27700_used"
FLAG_IMPLAUSIBLE_LENGTH = "implausible_length"
FLAG_IMPLAUSIBLE_SPACES = "implausible_spaces"
FLAG_UNREADABLE_LENGTH = "unreadable_length"
FLAG_UNREADABLE_SPACES = "unreadable_spaces"

_GEOMETRY_FIELDS = (
    "epsg_4326_well_known_text_geometry",
    "epsg_4326_geojson_geometry",
    "epsg_27700_well_known_text_geometry",
    "epsg_27700_geojson_geometry",
)
_FIELD_LABELS = {
    "epsg_4326_well_known_text_geometry": "EPSG:4326 WKT",
    "epsg_4326_geojson_geometry": "EPSG:4326 GeoJSON",
    "epsg_27700_well_known_text_geometry": "EPSG:27700 WKT",
    "epsg_27700_geojson_geometry": "EPSG:27700 GeoJSON",
}
# The coordinate ranges a geometry must lie in to be usable: WGS84 longitude/latitude; for EPSG:27700 the same
# easting/northing range as the easting/northing point (Great Britain and its waters).
_RANGES = {4326: (-180.0, -90.0, 180.0, 90.0), 27700: (0.0, 0.0, 800_000.0, 1_400_000.0)}
_COLUMNS = frozenset(
    {"unique_identifier", "restriction_type", "road_name", "controlled_parking_zone", "parking_spaces", "geometry"}
)
_SKIPPED = frozenset({"disclaimer", "location", "organisation_uri"})  # constant or duplicated: not kept
_NOT_ATTRIBUTES = frozenset({*_COLUMNS, *_GEOMETRY_FIELDS})
_NA = frozenset({"", "n/a", "na", "null", "none"})
_PARSE_FIELDS = (
    ("times of operation", "times_of_operation"),
    ("maximum stay", "maximum_stay"),
    ("tariff", "tariff"),
    ("permits", "valid_parking_permits"),
    ("restriction type", "restriction_type"),
)
_LINE_RE = re.compile(r"^\s*(MULTILINESTRING|LINESTRING)\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)
_PART_RE = re.compile(r"\(([^()]*)\)")


def normalise_name(name: str) -> str:
    """``EPSG:27700 Well Known Text Geometry`` → ``epsg_27700_well_known_text_geometry`` (the API JSON's name)."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


_NA_FAST = frozenset({"", "N/A", "n/a", "NA", "na", "null", "NULL", "None", "none"})


def _text(value: Any) -> str | None:
    """A field as stripped text; None for missing, empty and N/A."""
    if value.__class__ is str:
        text = value.strip()
    elif value is None:
        return None
    else:
        text = (json.dumps(value) if isinstance(value, dict | list) else str(value)).strip()
    if text in _NA_FAST or (len(text) <= 4 and text.lower() in _NA):
        return None
    return text


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class _Builder:
    """Memoised regulation builder: each distinct combination of restriction texts is parsed once."""

    def __init__(self, options: LoadOptions) -> None:
        self.authority = _camden.authority(options)
        self.cache: dict[tuple, Regulation | ParseError] = {}

    def __call__(self, key: tuple) -> Regulation:
        hit = self.cache.get(key)
        if hit is None:
            try:
                hit = build_bay_regulation(*key, self.authority)
            except ParseError as exc:
                hit = exc
            self.cache[key] = hit
        if isinstance(hit, ParseError):
            raise hit
        return hit


def _parse_field(exc: ParseError) -> str | None:
    message = str(exc)
    for what, name in _PARSE_FIELDS:
        if message.startswith(f"cannot read {what}"):
            return name
    return None


def clean_line_wkt(wkt: str) -> tuple[str | None, bool]:
    """Drop the parts of a (MULTI)LINESTRING with fewer than two distinct points.

    Returns ``(wkt, dropped)``: ``wkt`` None when no usable part is left; other geometry types pass unchanged.
    """
    m = _LINE_RE.match(wkt)
    if not m:
        return wkt, False
    kind, inner = m.group(1).upper(), m.group(2)
    if kind == "LINESTRING":
        points = [p.strip() for p in inner.split(",")]
        return (wkt, False) if len(set(points)) >= 2 else (None, True)
    parts = _PART_RE.findall(inner)
    keep = []
    for part in parts:
        points = [p.strip() for p in part.split(",")]
        if len(set(points)) >= 2:
            keep.append(",".join(points))
    if len(keep) == len(parts) and parts:
        return wkt, False
    if not keep:
        return None, True
    return "MULTILINESTRING (" + ",".join(f"({p})" for p in keep) + ")", True


def _problem(text: str, srid: int, known: dict[tuple[str, int], str | None] | None = None) -> str | None:
    """Why a (cleaned) geometry text is unusable, or None when it is usable: the database's later checks (readable,
    not empty, coordinates in range) made up front with GEOS, so that an unusable geometry gives way to the next
    source instead of rejecting the row. ``known`` holds verdicts already reached for a batch of rows
    (:func:`problems`); other texts are parsed here, one at a time."""
    if known is not None:
        verdict = known.get((text, srid), _UNKNOWN)
        if verdict is not _UNKNOWN:
            return verdict  # type: ignore[return-value]
    import shapely  # here, not at the top: the CLI starts without GEOS until a load needs it

    try:
        if text.lstrip().startswith("{"):
            geom = shapely.from_geojson(text, on_invalid="ignore")
        else:
            geom = shapely.from_wkt(text, on_invalid="ignore")
    except Exception:  # shapely.errors.GEOSException and friends
        geom = None
    if geom is None:
        return "cannot be read"
    if geom.is_empty:
        return "is empty"
    return _out_of_range(geom.bounds, srid)


_UNKNOWN = object()


def _out_of_range(bounds: Any, srid: int) -> str | None:
    x0, y0, x1, y1 = _RANGES[srid]
    xmin, ymin, xmax, ymax = bounds
    if not (x0 <= xmin and xmax <= x1 and y0 <= ymin and ymax <= y1):  # written so that NaN is out of range too
        return "has coordinates out of range"
    return None


def problems(texts: list[tuple[str, int]]) -> dict[tuple[str, int], str | None]:
    """:func:`_problem`'s verdicts for many ``(text, srid)`` at once: GEOS parses a whole array in one call, about a
    third of the cost of parsing the texts one by one (the per-call overhead of a shapely function is most of the
    cost of a bay's short line). A batch GEOS refuses as a whole gives no verdicts (each is then reached alone)."""
    import numpy as np
    import shapely

    verdicts: dict[tuple[str, int], str | None] = {}
    for geojson in (False, True):
        batch = [(t, srid) for t, srid in texts if t.lstrip().startswith("{") is geojson]
        if not batch:
            continue
        array = np.array([t for t, _srid in batch], dtype=object)
        try:
            parsed = (shapely.from_geojson if geojson else shapely.from_wkt)(array, on_invalid="ignore")
            empty = shapely.is_empty(parsed)
            bounds = shapely.bounds(parsed)
        except Exception:  # shapely.errors.GEOSException and friends
            continue
        for (text, srid), geom, is_empty, box in zip(batch, parsed, empty, bounds, strict=True):
            if geom is None:
                verdicts[text, srid] = "cannot be read"
            elif is_empty:
                verdicts[text, srid] = "is empty"
            else:
                verdicts[text, srid] = _out_of_range(tuple(box), srid)
    return verdicts


def _quality(wkt: str) -> str:
    head = wkt.lstrip()[:40].upper()
    if head.startswith("{"):
        head = head.replace(" ", "")
        if '"POINT' in head or '"MULTIPOINT' in head:
            return "point"
        return "polygon" if "POLYGON" in head else "line"
    if head.startswith(("POINT", "MULTIPOINT")):
        return "point"
    return "polygon" if "POLYGON" in head else "line"


def _clean(text: str) -> tuple[str | None, bool]:
    """``(text, dropped)`` of a geometry text with its one-point line parts dropped; text None when nothing is left
    (or the GeoJSON has no coordinates)."""
    if not text.lstrip().startswith("{"):
        return clean_line_wkt(text)
    try:
        geo = json.loads(text)
    except ValueError:
        return text, False  # unreadable: _problem says so
    if not isinstance(geo, dict) or not geo.get("coordinates"):
        return None, True
    if geo.get("type") not in ("LineString", "MultiLineString"):
        return text, False
    lines = [geo["coordinates"]] if geo["type"] == "LineString" else geo["coordinates"]
    try:
        kept = [line for line in lines if len({tuple(p) for p in line}) >= 2]
    except TypeError:  # coordinates of the wrong shape
        return text, False
    if not kept:
        return None, True
    if len(kept) == len(lines):
        return text, False
    return json.dumps({"type": "MultiLineString", "coordinates": kept}), True


def _choose_geometry(
    rec: dict[str, str],
    location: Any,
    flags: list[str],
    tried: list[str],
    known: dict[tuple[str, int], str | None] | None = None,
) -> tuple[str, int, str] | None:
    """``(text, srid, quality)`` of the best usable location of a (cleaned) row, or None; ``tried`` says why each
    present source was passed over (``known``: verdicts of :func:`problems` on the batch the row came in)."""
    degenerate = False
    unusable_wgs84 = unusable = False
    for name in _GEOMETRY_FIELDS:
        text = rec.get(name)
        if text is None or text.upper().endswith("EMPTY"):
            continue
        srid = 27700 if "27700" in name else 4326
        cleaned, dropped = _clean(text)
        if cleaned is None:
            degenerate = True
            tried.append(f"{_FIELD_LABELS[name]} geometry has no part with two distinct points")
            continue
        problem = _problem(cleaned, srid, known)
        if problem is not None:
            unusable = True
            unusable_wgs84 = unusable_wgs84 or srid == 4326
            tried.append(f"{_FIELD_LABELS[name]} geometry {problem}")
            continue
        if dropped:
            flags.append(FLAG_DEGENERATE_DROPPED)
        if srid == 27700:
            flags.append(FLAG_REPROJECTED)
            if unusable_wgs84:
                flags.append(FLAG_UNUSABLE_WGS84_27700)
        elif unusable_wgs84:
            flags.append(FLAG_UNUSABLE_WGS84_GEOJSON)
        return cleaned, srid, _quality(cleaned)
    point = _point(rec, location)
    if point is None:
        tried.append("no usable longitude/latitude or easting/northing")
        return None
    flags.append(FLAG_UNUSABLE_POINT if unusable else FLAG_DEGENERATE_POINT if degenerate else FLAG_POINT_ONLY)
    return point


def _point(rec: dict[str, str], location: Any) -> tuple[str, int, str] | None:
    lon, lat = _number(rec.get("longitude")), _number(rec.get("latitude"))
    if lon is not None and lat is not None and (lon, lat) != (0, 0) and -180 <= lon <= 180 and -90 <= lat <= 90:
        return f"POINT ({lon!r} {lat!r})", 4326, "point"
    if isinstance(location, dict):  # the Socrata point object
        lon, lat = _number(_text(location.get("longitude"))), _number(_text(location.get("latitude")))
        if lon is not None and lat is not None and (lon, lat) != (0, 0) and -180 <= lon <= 180 and -90 <= lat <= 90:
            return f"POINT ({lon!r} {lat!r})", 4326, "point"
    east, north = _number(rec.get("easting")), _number(rec.get("northing"))
    if east and north and 0 < east < 800_000 and 0 < north < 1_400_000:
        return f"POINT ({east!r} {north!r})", 27700, "point"
    return None


def _size(rec: dict[str, str], flags: list[str]) -> tuple[int | None, float | None, float | None]:
    """``(spaces, published length, usable length)``; the usable length replaces an implausible one."""
    spaces_text = rec.get("parking_spaces")
    spaces: int | None = None
    if spaces_text is not None:
        number = _number(spaces_text)
        if number is None or number < 0 or number != int(number) or number > 10_000:
            flags.append(FLAG_UNREADABLE_SPACES)
        else:
            spaces = int(number)
    length_text = rec.get("parking_bay_length_metres")
    length: float | None = None
    if length_text is not None:
        length = _number(length_text)
        if length is None or length < 0 or length >= 1e8:
            flags.append(FLAG_UNREADABLE_LENGTH)
            length = None
    usable = length
    if length is not None and (length == 0 or length > MAX_LENGTH_PER_SPACE_M * max(spaces or 1, 1)):
        flags.append(FLAG_IMPLAUSIBLE_LENGTH)
        if spaces:
            usable = spaces * SPACE_LENGTH_M
        elif length > MAX_LENGTH_PER_SPACE_M:
            usable = round(length / 100.0, 2)  # read as centimetres
        else:
            usable = None
    elif length and spaces and length / spaces < MIN_LENGTH_PER_SPACE_M:
        flags.append(FLAG_IMPLAUSIBLE_SPACES)
    return spaces, length, usable


def search_radius(usable_length: float | None, spaces: int | None) -> float:
    """The search radius of a point-only bay: half its (usable) length, at most 25 m; one space when unknown."""
    length = usable_length or (spaces * SPACE_LENGTH_M if spaces else SPACE_LENGTH_M)
    return round(min(MAX_SEARCH_RADIUS_M, length / 2.0), 2)


class _Converter:
    def __init__(self, options: LoadOptions) -> None:
        self.options = options
        self.build = _Builder(options)
        self.out = Converted()
        self.uploaded: dict[str, datetime | None] = {}
        self.zone = options.timezone or _camden.CAMDEN.timezone
        self.verdicts: dict[tuple[str, int], str | None] = {}

    def check_geometries(self, batch: list[tuple[int, Any, Callable[[], str]]]) -> None:
        """Judge the first geometry each row of ``batch`` would try, in one GEOS pass (:func:`problems`); the rows
        are then converted one by one, and any other text they try is judged alone."""
        texts = []
        # the fields in _choose_geometry's order, written out here: sharing the loop through a generator cost ~10 %
        # of the conversion; a text judged here that the row does not try is only wasted work, never a wrong verdict
        for _row, record, _raw in batch:
            if not isinstance(record, dict):
                continue
            for name in _GEOMETRY_FIELDS:
                text = _text(record.get(name))
                if text is not None and not text.upper().endswith("EMPTY"):
                    texts.append((text, 27700 if "27700" in name else 4326))
                    break
        self.verdicts = problems(texts)

    def row(self, number: int, record: Any, raw: Callable[[], str]) -> PlaceRecord | None:
        """The row's place record, or None when it is rejected (the reject is kept in ``out.rejects``)."""
        out = self.out
        out.read += 1
        if not isinstance(record, dict):
            out.rejects.append(Reject(number, "not a JSON object", raw()))
            return None
        rec: dict[str, str] = {}
        for k, v in record.items():
            if k in _SKIPPED or k[:1] == ":":
                continue
            text = _text(v)
            if text is not None:
                rec[k] = text
        ref = rec.get("unique_identifier")
        if ref is None:
            out.rejects.append(Reject(number, "missing unique_identifier", raw(), "unique_identifier"))
            return None
        if ref.endswith(".0") and ref[:-2].isdigit():
            ref = ref[:-2]  # a number written as 46035565.0 by some exporters
        restriction_type = rec.get("restriction_type")
        if restriction_type is None:
            out.rejects.append(Reject(number, "missing restriction_type", raw(), "restriction_type", ref))
            return None
        zone = rec.get("controlled_parking_zone")
        key = (
            restriction_type,
            rec.get("times_of_operation") or "",
            rec.get("maximum_stay"),
            rec.get("tariff"),
            rec.get("valid_parking_permits"),
            zone,
        )
        try:
            regulation = self.build(key)
        except ParseError as exc:
            field = _parse_field(exc)
            value = record.get(field) if field else None
            out.rejects.append(Reject(number, str(exc), str(value) if value is not None else raw(), field, ref))
            return None
        flags: list[str] = []
        tried: list[str] = []
        location = _choose_geometry(rec, record.get("location"), flags, tried, self.verdicts)
        if location is None:
            if len(tried) == 1:  # no geometry at all
                tried.insert(0, "no geometry")
            out.rejects.append(Reject(number, "no usable location: " + "; ".join(tried), raw(), "geometry", ref))
            return None
        text, srid, quality = location
        spaces, length, usable = _size(rec, flags)
        attributes = {k: v for k, v in rec.items() if k not in _NOT_ATTRIBUTES}
        if usable != length and usable is not None:
            attributes["length_estimate_m"] = usable
        uploaded = attributes.get("last_uploaded")
        if uploaded is not None and uploaded not in self.uploaded:
            self.uploaded[uploaded] = _camden.parse_last_uploaded(uploaded, self.zone)
        return PlaceRecord(
            row_number=number,
            ref=ref,
            regulation=regulation,
            geometry_wkt=text,
            geometry_srid=srid,
            geom_quality=quality,
            restriction_type=restriction_type,
            road=rec.get("road_name"),
            zone=zone,
            spaces=spaces,
            length_m=length,
            search_radius_m=search_radius(usable, spaces) if quality == "point" else 0.0,
            attributes=attributes,
            flags=flags,
        )

    def finish(self) -> Converted:
        dates = [d for d in self.uploaded.values() if d is not None]
        self.out.meta = _camden.source_meta(self.options, _camden.BAYS_URL, max(dates) if dates else None)
        return self.out


def _iter_json(path: str, options: LoadOptions) -> Iterator[tuple[int, Any, Callable[[], str]]]:
    with open_text(path, progress=options.progress) as fh:
        if first_char(path) == "[":
            for i, rec in enumerate(iter_json_array(fh), start=1):
                yield i, rec, (lambda rec=rec: json.dumps(rec, ensure_ascii=False))
            return
        doc = load_json(fh)
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        for i, feature in enumerate(doc["features"], start=1):
            if not isinstance(feature, dict):
                yield i, feature, (lambda f=feature: json.dumps(f, ensure_ascii=False))
                continue
            rec = dict(feature.get("properties") or {})
            if feature.get("geometry"):
                rec.setdefault("epsg_4326_geojson_geometry", json.dumps(feature["geometry"]))
            yield i, rec, (lambda f=feature: json.dumps(f, ensure_ascii=False))
        return
    raise StructuralError("not Camden parking bays: expected a JSON array of records or a GeoJSON FeatureCollection")


def _check_header(header: list[str]) -> None:
    names = {normalise_name(h) for h in header}
    missing = {"unique_identifier", "restriction_type"} - names
    if missing:
        raise StructuralError(
            "not Camden parking bays: the CSV header has no " + " or ".join(sorted(missing)) + " column"
        )


def _names(header: list[str]) -> list[str]:
    _check_header(header)
    return [normalise_name(h) for h in header]


def _iter_csv(path: str, options: LoadOptions) -> Iterator[tuple[int, Any, Callable[[], str]]]:
    with open_text(path, progress=options.progress, newline="") as fh:
        for number, rec, fields in csv_records(fh, path, _names):
            yield number, rec, (lambda fields=fields: csv_line(fields))


BATCH_ROWS = 1_000
"""Rows read ahead at a time, so that their geometries are judged in one GEOS call (a few MB of a CSV)."""


def _stream(conv: _Converter, rows: Iterator[tuple[int, Any, Callable[[], str]]]) -> Iterator[PlaceRecord]:
    width_error = "wrong number of fields for the CSV header"
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        conv.check_geometries(batch)
        for number, rec, raw in batch:
            if rec is None:
                conv.out.read += 1
                conv.out.rejects.append(Reject(number, width_error, raw()))
                continue
            place = conv.row(number, rec, raw)
            if place is not None:
                yield place
    conv.finish()


def convert(path: str, options: LoadOptions) -> Converted:
    """Read a Camden Parking Bays file (API JSON, CSV download or GeoJSON) into place records and rejects.

    The records stream (``Converted.place_stream``): each is read, converted and handed to staging's COPY one at a
    time, so memory stays flat in the file's size; a fault of the whole file is raised while they stream."""
    conv = _Converter(options)
    first = first_char(path)
    rows = _iter_json(path, options) if first in ("[", "{") else _iter_csv(path, options)
    conv.out.place_stream = _stream(conv, rows)
    return conv.out
