"""Bay suspensions in our own documented form (see ``loaders/README.md``), CSV or JSON.

One record per suspension: ``source`` + ``ref`` of the place (``source`` defaults to ``--source``), or a WKT
``geometry`` in EPSG:4326 suspending every live place it touches; ``start`` and ``end`` (ISO 8601 with an offset, or
naive local time in the source's zone — Europe/London unless ``--timezone``); ``reason``; optional ``id``.

A naive time that does not exist (the spring-forward gap) is a row error; an ambiguous one (the autumn fold) is read
as its first occurrence. An unknown place is rejected by the runner, which resolves places in PostGIS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from parking_api.store.records import Converted, Reject, SourceMeta, SuspensionRecord

from .base import LoadOptions, StructuralError
from .files import csv_line, csv_records, first_char, iter_json_array, load_json, open_text

DEFAULT_TIMEZONE = "Europe/London"


class TimeError(ValueError):
    pass


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_time(text: str, zone: ZoneInfo, *, inclusive_end: bool = False) -> datetime:
    """An ISO 8601 instant, in UTC; a naive one is local time in ``zone``: a time in the spring gap raises, one in
    the autumn fold is its first occurrence. A date alone is local midnight (with ``inclusive_end``, the next one)."""
    date_only = len(text) == 10 and text[4] == "-" and text[7] == "-"
    try:
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise TimeError(f"not an ISO 8601 time: {text!r}") from None
    if inclusive_end:
        if date_only:
            value = datetime.combine(date.fromisoformat(text) + timedelta(days=1), datetime.min.time())
        elif value.second == 0 and value.microsecond == 0:
            value += timedelta(minutes=1)
        else:
            value += timedelta(seconds=1)
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    instant = value.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != value:
        raise TimeError(f"{text!r} does not exist in {zone.key} (the clocks go forward then)")
    return instant  # in UTC: a local time in the autumn fold compares wrongly across zones (PEP 495)


def _records(path: str, options: LoadOptions) -> Iterator[tuple[int, Any, Callable[[], str]]]:
    first = first_char(path)
    if first == "[":
        with open_text(path, progress=options.progress) as fh:
            for i, rec in enumerate(iter_json_array(fh), start=1):
                yield i, rec, (lambda rec=rec: json.dumps(rec, ensure_ascii=False, default=str))
        return
    if first == "{":
        with open_text(path, progress=options.progress) as fh:
            doc = load_json(fh)
        items = doc.get("suspensions") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise StructuralError("expected a JSON array of suspensions, or an object with a 'suspensions' array")
        for i, rec in enumerate(items, start=1):
            yield i, rec, (lambda rec=rec: json.dumps(rec, ensure_ascii=False, default=str))
        return
    with open_text(path, progress=options.progress, newline="") as fh:
        for number, rec, fields in csv_records(fh, path, _names):
            yield number, rec, (lambda fields=fields: csv_line(fields))


def _names(header: list[str]) -> list[str]:
    names = [h.strip().lower() for h in header]
    given = set(names)
    need = sorted({"start", "end"} - given) + ([] if {"ref", "geometry"} & given else ["ref or geometry"])
    if need:
        raise StructuralError("not a suspensions file: the CSV header has no " + ", ".join(need))
    return names


def convert(path: str, options: LoadOptions) -> Converted:
    """Read a suspensions file into suspension records and rejects."""
    zone_name = options.timezone or DEFAULT_TIMEZONE
    zone = ZoneInfo(zone_name)
    out = Converted(meta=SourceMeta(timezone=options.timezone or "", holidays=None))
    for number, rec, raw in _records(path, options):
        out.read += 1
        if rec is None:
            out.rejects.append(Reject(number, "wrong number of fields for the CSV header", raw()))
            continue
        if not isinstance(rec, dict):
            out.rejects.append(Reject(number, "not a JSON object", raw()))
            continue
        rec = {str(k).strip().lower(): v for k, v in rec.items()}
        place_ref = _text(rec.get("ref"))
        geometry = _text(rec.get("geometry"))
        if place_ref is None and geometry is None:
            out.rejects.append(Reject(number, "no place: give ref (with source) or a WKT geometry", raw(), "ref"))
            continue
        times: dict[str, datetime] = {}
        bad = None
        for name in ("start", "end"):
            text = _text(rec.get(name))
            if text is None:
                bad = Reject(number, f"missing {name}", raw(), name)
                break
            try:
                times[name] = parse_time(text, zone, inclusive_end=name == "end" and options.inclusive_ends)
            except TimeError as exc:
                bad = Reject(number, f"bad {name}: {exc}", text, name)
                break
        if bad is not None:
            out.rejects.append(bad)
            continue
        if times["end"] <= times["start"]:
            out.rejects.append(
                Reject(number, "end is not after start", f"{rec.get('start')} / {rec.get('end')}", "end")
            )
            continue
        out.suspensions.append(
            SuspensionRecord(
                row_number=number,
                starts_at=times["start"],
                ends_at=times["end"],
                reason=_text(rec.get("reason")) or "",
                place_source=_text(rec.get("source")),
                place_ref=place_ref,
                geometry_wkt=None if place_ref else geometry,
                ref=_text(rec.get("id")),
            )
        )
    return out
