"""Camden "Controlled Parking Zones" (OGL v3.0): sub-zone polygons with their controlled hours, as GeoJSON.

Properties: ``identifier`` (the zone row's ref; polygons sharing one are merged into one MultiPolygon by the runner),
``sub_zone_name`` (``CA-D/E``), ``controlled_parking_zone_code`` (``CAB`` → zone code ``CA-B``),
``controlled_parking_zone_name``, ``control_monday_to_friday`` / ``control_saturday`` / ``control_sunday``
(``HH:MM-HH:MM``; null = uncontrolled that day; ``00:00-23:59`` = all day). Each feature carries the zone-default
regulation (a single yellow line during the controlled hours). Invalid polygons are repaired in PostGIS with
``ST_MakeValid`` and flagged ``invalid_geometry_repaired``.
"""

from __future__ import annotations

import json
from typing import Any

from parking_api.engine.camden import build_zone_default
from parking_api.engine.model import Regulation, normalise_permit
from parking_api.engine.parse import ParseError
from parking_api.store.records import Converted, Reject, ZoneRecord

from . import _camden
from .base import LoadOptions, StructuralError
from .files import load_json, open_text

_HOURS = (("mon_fri", "control_monday_to_friday"), ("saturday", "control_saturday"), ("sunday", "control_sunday"))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in ("", "n/a", "na", "null", "none") else text


def zone_code(code: str | None, sub_zone: str | None) -> str | None:
    """``CAB`` → ``CA-B``; without a code, the first zone the sub-zone name starts with (``CA-F(s)`` → ``CA-F``)."""
    if code:
        return normalise_permit(code)
    if sub_zone:
        head = sub_zone.split("(", 1)[0].split("/", 1)[0]
        return normalise_permit(head)
    return None


def convert(path: str, options: LoadOptions) -> Converted:
    """Read a Camden CPZ GeoJSON FeatureCollection into zone records (one per feature) and rejects."""
    with open_text(path, progress=options.progress) as fh:
        doc = load_json(fh)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise StructuralError("not a GeoJSON FeatureCollection")
    crs = ((doc.get("crs") or {}).get("properties") or {}).get("name", "")
    srid = 4326
    if crs and "CRS84" not in crs and "4326" not in crs:
        digits = crs.rsplit(":", 1)[-1]
        if not digits.isdigit():
            raise StructuralError(f"unsupported coordinate reference system {crs!r}")
        srid = int(digits)
    auth = _camden.authority(options)
    cache: dict[tuple, Regulation | ParseError] = {}
    out = Converted()
    for number, feature in enumerate(doc["features"], start=1):
        out.read += 1
        raw = json.dumps(feature, ensure_ascii=False)
        if not isinstance(feature, dict):
            out.rejects.append(Reject(number, "not a GeoJSON feature", raw))
            continue
        props = feature.get("properties") or {}
        # the ref first: a reject that names it keeps that zone's live version
        ref = _text(props.get("identifier")) if isinstance(props, dict) else None
        geometry = feature.get("geometry")
        if isinstance(geometry, str):  # some exports write the geometry as a JSON string
            geometry_text = geometry
        elif isinstance(geometry, dict):
            geometry_text = json.dumps(geometry)
        else:
            out.rejects.append(Reject(number, "no geometry", raw, "geometry", ref))
            continue
        if ref is None:
            out.rejects.append(Reject(number, "missing identifier", raw, "identifier"))
            continue
        sub_zone = _text(props.get("sub_zone_name")) or ""
        code = zone_code(_text(props.get("controlled_parking_zone_code")), sub_zone)
        if not code:
            field = "controlled_parking_zone_code"
            out.rejects.append(Reject(number, f"missing {field}", raw, field, ref))
            continue
        hours = {key: _text(props.get(name)) for key, name in _HOURS}
        key = (hours["mon_fri"], hours["saturday"], hours["sunday"], code)
        regulation = cache.get(key)
        if regulation is None:
            try:
                regulation = build_zone_default(*key, auth)
            except ParseError as exc:
                regulation = exc
            cache[key] = regulation
        if isinstance(regulation, ParseError):
            bad = next(((k, name) for k, name in _HOURS if hours[k] and repr(hours[k]) in str(regulation)), None)
            field = bad[1] if bad else None
            value = hours[bad[0]] if bad else None
            out.rejects.append(Reject(number, str(regulation), value or raw, field, ref))
            continue
        out.zones.append(
            ZoneRecord(
                row_number=number,
                ref=ref,
                code=code,
                regulation=regulation,
                geometry_wkt=geometry_text,
                geometry_srid=srid,
                name=_text(props.get("controlled_parking_zone_name")) or "",
                sub_zone=sub_zone,
                hours=hours,
            )
        )
    out.meta = _camden.source_meta(options)
    return out
