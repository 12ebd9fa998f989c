"""CurbLR features → places: each feature's location and geometry read, its regulations read one by one, and the
features that describe the same kerb stretch merged into one place."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from loaders.base import LoadOptions, RowError, StructuralError, raw_json
from loaders.files import number_text, read_json
from parking_api.engine.model import Regulation, Rule
from parking_api.store.records import Converted, PlaceRecord, Reject

from .manifest import FeedContext, feed_context, source_meta
from .regulations import regulation
from .summary import describe, regulation_category
from .vocabulary import lower_keys

# Features merged into one stretch keep the first one's line; lines further apart than this (about a metre) are flagged.
MERGE_TOLERANCE_DEGREES = 1e-5


@dataclass
class _Place:
    """A kerb stretch being gathered from one or more features."""

    row_number: int
    ref: str
    geometry_wkt: str
    geom_quality: str
    rules: list[Rule]
    names: dict[Rule, str]  # the name each rule shows in the restriction type
    rows: list[int]
    attributes: dict[str, Any]
    road: str | None
    spaces: int | None
    length_m: float | None
    flags: list[str] = field(default_factory=list)


def _geometry(raw: Any) -> tuple[str, str]:
    if not isinstance(raw, dict):
        raise RowError("the feature has no geometry", "geometry")
    try:
        geom = shape(raw)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise RowError(f"the geometry cannot be read: {exc}", "geometry") from exc
    if geom.is_empty:
        raise RowError("the geometry is empty", "geometry")
    kind = geom.geom_type
    if kind in ("LineString", "MultiLineString"):
        quality = "line"
        if geom.length == 0:
            raise RowError("the line has no length", "geometry")
    elif kind in ("Polygon", "MultiPolygon"):
        quality = "polygon"
    elif kind in ("Point", "MultiPoint"):
        quality = "point"
    else:
        raise RowError(f"a {kind} is not a kerb geometry", "geometry")
    minx, miny, maxx, maxy = geom.bounds
    if not all(map(_finite, (minx, miny, maxx, maxy))):
        raise RowError("the geometry has non-finite coordinates", "geometry")
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise RowError("the coordinates are not longitude/latitude (EPSG:4326)", "geometry")
    return geom.wkt, quality


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")


def _location(props: dict[str, Any]) -> tuple[str, dict[str, Any], float | None]:
    loc = lower_keys(props.get("location"))
    if not loc:
        raise RowError("the feature has no location", "properties.location")
    ref_id = loc.get("shstrefid")
    if not isinstance(ref_id, str) or not ref_id.strip():
        raise RowError("the location has no shstRefId", "properties.location.shstRefId")
    side = loc.get("sideofstreet")
    side_text = str(side).strip() if side is not None else ""
    if not side_text:
        raise RowError("the location has no sideOfStreet", "properties.location.sideOfStreet")
    start_raw = loc.get("shstlocationstart", loc.get("shstlocationst"))
    end_raw = loc.get("shstlocationend")
    start, end = number_text(start_raw), number_text(end_raw)
    length = None
    if start is not None and end is not None:
        ref = f"{ref_id.strip()}:{side_text}:{start}-{end}"
        length = abs(float(Decimal(end) - Decimal(start)))
    elif start_raw is None and end_raw is None and number_text(loc.get("shstlocation")) is not None:
        ref = f"{ref_id.strip()}:{side_text}:{number_text(loc.get('shstlocation'))}"
    else:
        raise RowError("the location's shstLocationStart/End are not numbers", "properties.location")
    attributes: dict[str, Any] = {"shst_ref_id": ref_id.strip(), "side_of_street": side_text}
    if start is not None and end is not None:
        attributes["shst_location_start"] = start
        attributes["shst_location_end"] = end
    for key, name in (
        ("assettype", "asset_type"),
        ("assetsubtype", "asset_subtype"),
        ("baysangle", "bays_angle"),
        ("marker", "marker"),
        ("direction", "direction"),
        ("status", "status"),
    ):
        if isinstance(loc.get(key), str | int) and not isinstance(loc.get(key), bool):
            attributes[name] = loc[key]
    return ref, attributes, length


def convert(path: str | Path, options: LoadOptions) -> Converted:
    """Convert one CurbLR file. Raises :class:`~loaders.base.UsageError` when the manifest has no time zone and no
    ``--timezone`` is given, :class:`~loaders.base.StructuralError` when the file is not a CurbLR feature collection."""
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise StructuralError(f"{path} is not a GeoJSON FeatureCollection (top level is not an object)")
    top = lower_keys(doc)
    features = top.get("features")
    if not isinstance(features, list):
        raise StructuralError(f"{path} is not a GeoJSON FeatureCollection (no features list)")
    return convert_document(doc, options)


def convert_document(doc: dict[str, Any], options: LoadOptions) -> Converted:
    """Convert an already-parsed CurbLR document (numbers parsed by :func:`~loaders.files.read_json` keep their
    text): features read one by one, those on the same kerb stretch merged into one place."""
    top = lower_keys(doc)
    features = top.get("features")
    if not isinstance(features, list):
        raise StructuralError("not a GeoJSON FeatureCollection (no features list)")
    manifest = lower_keys(top.get("manifest"))
    flags: Counter[str] = Counter()
    meta = source_meta(manifest, options, flags)
    ctx = feed_context(manifest, meta, options, flags)
    out = Converted(meta=meta, flags=flags)
    places: dict[str, _Place] = {}
    for row, feature in enumerate(features, start=1):
        out.read += 1
        try:
            feat = _read_feature(feature)
        except RowError as bad:
            out.rejects.append(Reject(row, bad.reason, raw_json(feature), bad.field, bad.ref))
            continue
        good, bad_regulations = _read_regulations(feat.regulations, row, ctx)
        if not good:
            out.rejects.append(_no_usable_regulation(row, feature, feat.ref, bad_regulations))
            continue
        out.rejected_regulations.extend(bad_regulations)
        place = places.get(feat.ref)
        if place is None:
            place = places[feat.ref] = _new_place(row, feat)
        else:
            _merge_into(place, feat, flags)
        place.rows.append(row)
        _add_rules(place, good, flags)
    out.places.extend(_place_record(place) for place in places.values())
    return out


@dataclass
class _Feature:
    """A feature's kerb stretch (reference, location, geometry) and its regulations, not yet read."""

    ref: str
    location: dict[str, Any]
    attributes: dict[str, Any]
    length: float | None
    geometry_wkt: str
    geom_quality: str
    regulations: list[Any]


def _read_feature(feature: Any) -> _Feature:
    """The feature's parts; a fault found once its location is read names the ref in the RowError."""
    if not isinstance(feature, dict):
        raise RowError("the feature is not an object")
    feat = lower_keys(feature)
    props = lower_keys(feat.get("properties"))
    ref, attributes, length = _location(props)
    try:
        wkt, quality = _geometry(feat.get("geometry"))
    except RowError as bad:
        raise RowError(bad.reason, bad.field, ref) from bad
    regulations = props.get("regulations")
    if isinstance(regulations, dict):
        regulations = [regulations]
    if not isinstance(regulations, list) or not regulations:
        raise RowError("the feature has no regulations", "properties.regulations", ref)
    location = lower_keys(props.get("location"))
    return _Feature(ref, location, attributes, length, wkt, quality, regulations)


def _read_regulations(
    regulations: list[Any], row: int, ctx: FeedContext
) -> tuple[list[tuple[Rule, str]], list[Reject]]:
    """The feature's good regulations (each a rule and the name it shows) and a reject for each bad one."""
    good: list[tuple[Rule, str]] = []
    bad_regulations: list[Reject] = []
    for i, raw in enumerate(regulations):
        where = f"regulations[{i}]"
        try:
            good.append(regulation(raw, where, ctx))
        except RowError as bad:
            bad_regulations.append(Reject(row, f"{where}: {bad.reason}", raw_json(raw), bad.field or where))
    return good, bad_regulations


def _no_usable_regulation(row: int, feature: Any, ref: str, bad_regulations: list[Reject]) -> Reject:
    reasons = "; ".join(r.reason for r in bad_regulations)
    return Reject(
        row,
        f"no usable regulation: {reasons}",  # counted as "no usable regulation"
        raw_json(feature),
        bad_regulations[0].field if len(bad_regulations) == 1 else "properties.regulations",
        ref,
    )


def _new_place(row: int, feat: _Feature) -> _Place:
    road = feat.location.get("streetname")
    spaces = feat.location.get("bayscount")
    return _Place(
        row_number=row,
        ref=feat.ref,
        geometry_wkt=feat.geometry_wkt,
        geom_quality=feat.geom_quality,
        rules=[],
        names={},
        rows=[],
        attributes=feat.attributes,
        road=road.strip() if isinstance(road, str) and road.strip() else None,
        spaces=int(spaces) if isinstance(spaces, int) and not isinstance(spaces, bool) else None,
        length_m=round(feat.length, 2) if feat.length is not None else None,
    )


def _merge_into(place: _Place, feat: _Feature, flags: Counter[str]) -> None:
    """A further feature on the place's stretch: the place keeps its first line (flagged when this one lies apart)
    and gathers the features' asset types."""
    if "merged_features" not in place.flags:
        place.flags.append("merged_features")
    if (
        feat.geometry_wkt != place.geometry_wkt
        and shapely.from_wkt(feat.geometry_wkt).hausdorff_distance(shapely.from_wkt(place.geometry_wkt))
        > MERGE_TOLERANCE_DEGREES
    ):
        flags["curblr_merged_geometry_differs"] += 1
    asset = feat.attributes.get("asset_type")
    if asset is not None:
        assets = place.attributes.setdefault("asset_types", [place.attributes.get("asset_type")])
        if asset not in assets:
            assets.append(asset)


def _add_rules(place: _Place, good: list[tuple[Rule, str]], flags: Counter[str]) -> None:
    for rule, name in good:
        if rule in place.rules:
            flags["curblr_duplicate_rule_dropped"] += 1
            continue
        place.rules.append(rule)
        place.names[rule] = name


def _place_record(place: _Place) -> PlaceRecord:
    rules = tuple(sorted(place.rules, key=lambda r: r.priority))
    place.attributes["source_rows"] = place.rows
    return PlaceRecord(
        row_number=place.row_number,
        ref=place.ref,
        regulation=Regulation(rules=rules, category=regulation_category(rules), description=describe(rules)),
        geometry_wkt=place.geometry_wkt,
        geometry_srid=4326,
        geom_quality=place.geom_quality,
        restriction_type=" / ".join(dict.fromkeys(place.names[r] for r in rules)),
        road=place.road,
        spaces=place.spaces,
        length_m=place.length_m,
        attributes=place.attributes,
        flags=place.flags,
    )
