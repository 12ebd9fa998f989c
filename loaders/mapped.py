"""Any borough's bay file (GeoJSON, CSV or a JSON array of records) through a declarative TOML mapping.

Entry point: :func:`convert` ``(path, options) -> Converted`` with ``options.mapping`` the TOML file. The mapping says
which column holds what, where the geometry is and in which CRS, and how each of the borough's bay types reads for a
driver (the ``[types]`` table, in our user-class vocabulary). The full key schema is in ``loaders/mappings/README.md``;
:func:`load_mapping` validates a mapping and raises :class:`~loaders.base.UsageError` listing every problem with the
TOML key path it concerns (``types."paid-for".park[1]: unknown user class 'resident'``).

Free-text values are read by ``parking_api.engine.parse`` (times of operation, maximum stay, tariff, permits), which
is strict: a value it cannot read rejects the row (times, maximum stay, permits) or, for a tariff, keeps the bay as
paid without a price (flag ``mapped_tariff_unreadable``) since "pay here" cannot earn a driver a penalty charge.

Rules built for one row (priorities as in ``parking_api.engine.camden``, lower wins): the blue-badge concession 10,
permit classes (permit, trader, business) 20, other named classes 30, loading 40, everyone 50,
prohibitions 60. Each class that may park gets one rule during the row's times of operation; a type not enforced on
bank holidays gets ``except holidays`` spans; the row's maximum stay binds the classes in ``max_stay_binds`` (a
maximum stay that names loading binds only loading).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import difflib
import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import shape

from loaders._io import csv_line
from loaders.base import (
    Converted,
    PlaceRecord,
    Reject,
    RowError,
    SourceMeta,
    StructuralError,
    UsageError,
    clip_raw,
    raw_json,
)
from loaders.curblr import check_holidays, check_timezone, number_text, read_json
from parking_api.engine.camden import (
    PRIORITY_BAY_PROHIBITION,
    PRIORITY_CLASS,
    PRIORITY_EVERYONE,
    PRIORITY_LOADING,
    PRIORITY_PERMIT,
    badge_concession,
    publisher_wording,
    zone_codes,
)
from parking_api.engine.model import (
    Activity,
    HolidayMode,
    Regulation,
    Rule,
    Tariff,
    TimeSpan,
    UserClass,
    normalise_permit,
)
from parking_api.engine.parse import ParseError, parse_duration, parse_permits, parse_tariff, parse_times

FORMATS = ("geojson", "csv", "json-records")
DEFAULT_MISSING = ("", "n/a", "na", "null", "none", "-")
ROW = "row"  # in a type's ``permits``: the row's permits column (or, when that is empty, the row's zone)
_PERMIT_CLASSES = frozenset({UserClass.PERMIT, UserClass.TRADER, UserClass.BUSINESS})
_PROHIBITIONS = {"no_parking": Activity.NO_PARKING, "no_stopping": Activity.NO_STOPPING,
                 "no_loading": Activity.NO_LOADING}  # fmt: skip
_CLASS_WORDS = {
    UserClass.EVERYONE: "Everyone",
    UserClass.PERMIT: "Permit holders",
    UserClass.BLUE_BADGE: "Blue badge holders",
    UserClass.GREEN_BADGE: "Green badge holders",
    UserClass.DISABLED_DEDICATED: "Dedicated disabled bay holder",
    UserClass.CAR_CLUB: "Car club vehicles",
    UserClass.MOTORCYCLE: "Motorcycles",
    UserClass.GOODS: "Goods vehicles",
    UserClass.BUS: "Buses and coaches",
    UserClass.TAXI: "Taxis",
    UserClass.DOCTOR: "Doctors",
    UserClass.TRADER: "Trader permit holders",
    UserClass.BUSINESS: "Business permit holders",
    UserClass.POLICE: "Police vehicles",
    UserClass.DIPLOMATIC: "Diplomatic vehicles",
    UserClass.ELECTRIC: "Electric vehicles",
    UserClass.CYCLE_HIRE: "Cycle hire",
    UserClass.CONSTRUCTION: "Construction vehicles",
    UserClass.OTHER: "Other users",
}

# --- the mapping --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeometrySource:
    """One way to find a row's geometry; a mapping lists several, tried in order."""

    kind: str  # "wkt", "geojson", "feature" or "xy"
    column: str | None = None
    x: str | None = None
    y: str | None = None
    crs: int = 4326
    search_radius_m: float = 0.0
    zero_is_missing: bool = True

    def describe(self) -> str:
        if self.kind == "xy":
            return f"columns {self.x!r}/{self.y!r} (EPSG:{self.crs})"
        if self.kind == "feature":
            return f"the feature's geometry (EPSG:{self.crs})"
        return f"{self.kind} column {self.column!r} (EPSG:{self.crs})"


@dataclass(frozen=True)
class BayType:
    """How one of the borough's bay types reads for a driver."""

    name: str
    category: str
    park: tuple[UserClass, ...] = ()
    pays: frozenset[UserClass] = frozenset()
    max_stay_binds: frozenset[UserClass] = frozenset()
    load: tuple[UserClass, ...] = ()
    enforced_on_bank_holidays: bool = True
    blue_badge: bool = False
    permits: tuple[tuple[UserClass, tuple[str, ...]], ...] = ()  # per class: tokens, or ROW
    prohibit: Activity | None = None
    label: str = ""
    times: str | None = None


@dataclass(frozen=True)
class Mapping:
    path: str
    format: str
    encoding: str = "utf-8"
    delimiter: str = ","
    records: str | None = None
    timezone: str | None = None
    holidays: str | None = None
    currency: str | None = None
    publisher: str = ""
    licence: str = ""
    attribution: str = ""
    url: str = ""
    missing: frozenset[str] = frozenset(DEFAULT_MISSING)
    green_badge_zones: frozenset[str] = frozenset()
    fields: tuple[tuple[str, str], ...] = ()
    attributes: tuple[str, ...] = ()
    geometry: tuple[GeometrySource, ...] = ()
    types: tuple[tuple[str, BayType], ...] = ()

    def field(self, name: str) -> str | None:
        return dict(self.fields).get(name)

    def bay_type(self, name: str) -> BayType | None:
        return dict(self.types).get(normalise_type(name))


def normalise_type(text: str) -> str:
    """``Paid-for/Permit holders`` and ``paid-for / permit  holders`` are one bay type."""
    text = re.sub(r"\s*/\s*", " / ", str(text).strip().lower())
    return re.sub(r"\s+", " ", text)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_path(*parts: str | int) -> str:
    """A TOML key path as a person writes it: ``types."paid-for".park[1]``."""
    return _join("", *parts)


def _join(prefix: str, *parts: str | int) -> str:
    """``prefix`` (an already written key path) extended by raw keys and list indices."""
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        out += f".{text}" if out else text
    return out


class _Check:
    """Collects every problem of a mapping, each with its key path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def table(self, value: Any, path: str, allowed: dict[str, bool]) -> dict[str, Any] | None:
        """A TOML table; unknown keys and missing required keys (``allowed[key] is True``) are errors."""
        if not isinstance(value, dict):
            self.error(path, f"must be a table, not {_type_name(value)}")
            return None
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (expected one of: {', '.join(allowed)})"
                self.error(_join(path, key), f"unknown key{hint}")
        for key, required in allowed.items():
            if required and key not in value:
                self.error(_join(path, key), "required key is missing")
        return value

    def string(self, table: dict[str, Any], key: str, path: str, *, choices: tuple[str, ...] = ()) -> str | None:
        if key not in table:
            return None
        value = table[key]
        here = _join(path, key)
        if not isinstance(value, str):
            self.error(here, f"must be a string, not {_type_name(value)}")
            return None
        if choices and value not in choices:
            self.error(here, f"must be one of {', '.join(choices)}, not {value!r}")
            return None
        if not value.strip() and not choices:
            self.error(here, "must not be empty")
            return None
        return value

    def boolean(self, table: dict[str, Any], key: str, path: str) -> bool | None:
        if key not in table:
            return None
        if not isinstance(table[key], bool):
            self.error(_join(path, key), f"must be true or false, not {_type_name(table[key])}")
            return None
        return table[key]

    def integer(self, table: dict[str, Any], key: str, path: str) -> int | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(_join(path, key), f"must be an integer, not {_type_name(value)}")
            return None
        return value

    def number(self, table: dict[str, Any], key: str, path: str) -> float | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(_join(path, key), f"must be a number, not {_type_name(value)}")
            return None
        if value < 0:
            self.error(_join(path, key), "must not be negative")
            return None
        return float(value)

    def strings(self, table: dict[str, Any], key: str, path: str) -> list[str] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list):
            self.error(_join(path, key), f"must be a list of strings, not {_type_name(value)}")
            return None
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.error(_join(path, key, i), f"must be a string, not {_type_name(item)}")
            else:
                out.append(item)
        return out

    def classes(self, value: Any, here: str) -> list[UserClass]:
        if not isinstance(value, list):
            self.error(here, f"must be a list of user classes, not {_type_name(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            cls = self.user_class(item, f"{here}[{i}]")
            if cls is not None:
                out.append(cls)
        return out

    def user_class(self, item: Any, here: str) -> UserClass | None:
        if not isinstance(item, str):
            self.error(here, f"must be a user class name, not {_type_name(item)}")
            return None
        try:
            return UserClass(item.strip().lower())
        except ValueError:
            close = difflib.get_close_matches(item.strip().lower(), [c.value for c in UserClass], n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.error(here, f"unknown user class {item!r} ({hint}known: {', '.join(c.value for c in UserClass)})")
            return None


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


_TOP_KEYS = {"description": False, "source": True, "fields": True, "geometry": False, "types": True}
_SOURCE_KEYS = {
    "format": True,
    "encoding": False,
    "delimiter": False,
    "records": False,
    "timezone": False,
    "holidays": False,
    "currency": False,
    "publisher": False,
    "licence": False,
    "attribution": False,
    "url": False,
    "missing": False,
    "green_badge_zones": False,
}
FIELD_KEYS = ("ref", "restriction_type", "times", "max_stay", "tariff", "permits", "road", "zone", "spaces", "length")
_FIELD_KEYS = {key: key in ("ref", "restriction_type") for key in FIELD_KEYS} | {"attributes": False}
_GEOMETRY_KEYS = {
    "wkt": False,
    "geojson": False,
    "feature": False,
    "x": False,
    "y": False,
    "crs": False,
    "search_radius_m": False,
    "zero_is_missing": False,
}
_TYPE_KEYS = {
    "category": True,
    "park": False,
    "pays": False,
    "max_stay_binds": False,
    "load": False,
    "enforced_on_bank_holidays": False,
    "blue_badge": False,
    "permits": False,
    "prohibit": False,
    "label": False,
    "times": False,
}


def load_mapping(path: str | Path | None) -> Mapping:
    """Read and validate a mapping file; any problem raises :class:`UsageError` listing them all."""
    if path is None or not str(path).strip():
        raise UsageError("the mapped kind needs a mapping file: --mapping FILE.toml")
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--mapping: cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"--mapping: {path} is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--mapping: {path} is not valid TOML: {exc}") from exc
    return parse_mapping(data, str(path))


def parse_mapping(data: dict[str, Any], name: str = "mapping") -> Mapping:
    """Validate a mapping already read from TOML (see :func:`load_mapping`)."""
    check = _Check(name)
    check.table(data, "", _TOP_KEYS)
    if "description" in data:
        check.string(data, "description", "")

    src = (check.table(data["source"], "source", _SOURCE_KEYS) if "source" in data else None) or {}
    fmt = check.string(src, "format", "source", choices=FORMATS) or "geojson"
    encoding = check.string(src, "encoding", "source") or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        check.error("source.encoding", f"unknown text encoding {encoding!r}")
    delimiter = check.string(src, "delimiter", "source")
    if delimiter is not None and len(delimiter) != 1:
        check.error("source.delimiter", f"must be one character, not {delimiter!r}")
    if delimiter is not None and fmt != "csv":
        check.error("source.delimiter", 'only applies to format = "csv"')
    records = check.string(src, "records", "source")
    if records is not None and fmt != "json-records":
        check.error("source.records", 'only applies to format = "json-records"')
    timezone = check.string(src, "timezone", "source")
    if timezone is not None:
        try:
            check_timezone(timezone.strip(), "source.timezone")
        except UsageError as exc:
            check.error("source.timezone", str(exc).split(" ", 1)[1])
    holidays = check.string(src, "holidays", "source")
    if holidays is not None:
        try:
            check_holidays(holidays)
        except UsageError as exc:
            check.error("source.holidays", str(exc).removeprefix("--holidays: "))
    currency = check.string(src, "currency", "source")
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency.strip()):
        check.error("source.currency", f"must be an ISO 4217 code such as GBP, not {currency!r}")
    missing = check.strings(src, "missing", "source")
    green = check.strings(src, "green_badge_zones", "source")

    flds = (check.table(data["fields"], "fields", _FIELD_KEYS) if "fields" in data else None) or {}
    fields: list[tuple[str, str]] = []
    for key in FIELD_KEYS:
        value = check.string(flds, key, "fields")
        if value is not None:
            fields.append((key, value))
    attributes = check.strings(flds, "attributes", "fields") or []

    geometry = _geometry_sources(data, fmt, check)
    types = _types(data, check)
    if check.errors:
        lines = "\n  ".join(check.errors)
        raise UsageError(f"--mapping {name} has {len(check.errors)} problem(s):\n  {lines}")
    return Mapping(
        path=name,
        format=fmt,
        encoding=encoding,
        delimiter=delimiter or ",",
        records=records,
        timezone=timezone.strip() if timezone else None,
        holidays=holidays.strip() if holidays else None,
        currency=currency.strip() if currency else None,
        publisher=(src.get("publisher") or "").strip() if isinstance(src.get("publisher"), str) else "",
        licence=(src.get("licence") or "").strip() if isinstance(src.get("licence"), str) else "",
        attribution=(src.get("attribution") or "").strip() if isinstance(src.get("attribution"), str) else "",
        url=(src.get("url") or "").strip() if isinstance(src.get("url"), str) else "",
        missing=frozenset(m.strip().lower() for m in missing) if missing is not None else frozenset(DEFAULT_MISSING),
        green_badge_zones=frozenset(normalise_permit(z) for z in green or ()),
        fields=tuple(fields),
        attributes=tuple(attributes),
        geometry=geometry,
        types=types,
    )


def _geometry_sources(data: dict[str, Any], fmt: str, check: _Check) -> tuple[GeometrySource, ...]:
    raw = data.get("geometry")
    if raw is None:
        if fmt == "geojson":
            return (GeometrySource(kind="feature"),)
        check.error("geometry", f"required for format = {fmt!r}: add [[geometry]] with wkt, geojson or x and y")
        return ()
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        check.error("geometry", "must be one or more [[geometry]] tables")
        return ()
    out = []
    for i, entry in enumerate(raw):
        here = f"geometry[{i}]"
        entry = check.table(entry, here, _GEOMETRY_KEYS)
        if entry is None:
            continue
        wkt = check.string(entry, "wkt", here)
        gj = check.string(entry, "geojson", here)
        feature = check.boolean(entry, "feature", here)
        x = check.string(entry, "x", here)
        y = check.string(entry, "y", here)
        kinds = [k for k, v in (("wkt", wkt), ("geojson", gj), ("feature", feature), ("x", x or y)) if v]
        if len(kinds) != 1:
            check.error(here, "give exactly one of wkt, geojson, feature = true, or x and y")
            continue
        if kinds == ["x"] and not (x and y):
            check.error(_join(here, "y" if x else "x"), "required key is missing (x and y go together)")
            continue
        if feature and fmt != "geojson":
            check.error(_join(here, "feature"), 'only applies to format = "geojson"')
            continue
        crs = check.integer(entry, "crs", here)
        if crs is not None:
            _check_crs(crs, _join(here, "crs"), check)
        radius = check.number(entry, "search_radius_m", here)
        zero = check.boolean(entry, "zero_is_missing", here)
        kind = "xy" if kinds == ["x"] else kinds[0]
        out.append(
            GeometrySource(
                kind=kind,
                column=wkt or gj,
                x=x,
                y=y,
                crs=crs if crs is not None else 4326,
                search_radius_m=radius or 0.0,
                zero_is_missing=True if zero is None else zero,
            )
        )
    return tuple(out)


def _check_crs(code: int, here: str, check: _Check) -> None:
    try:
        CRS.from_epsg(code)
    except CRSError:
        check.error(here, f"EPSG:{code} is not a known coordinate reference system")


def _types(data: dict[str, Any], check: _Check) -> tuple[tuple[str, BayType], ...]:
    raw = data.get("types")
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        check.error("types", f"must be a table of bay types, not {_type_name(raw)}")
        return ()
    if not raw:
        check.error("types", "must list at least one bay type")
    out: dict[str, BayType] = {}
    for name, entry in raw.items():
        here = key_path("types", name)
        entry = check.table(entry, here, _TYPE_KEYS)
        if entry is None:
            continue
        category = check.string(entry, "category", here) or ""
        if len(category) > 64:
            check.error(_join(here, "category"), "must be at most 64 characters")
        park = check.classes(entry["park"], _join(here, "park")) if "park" in entry else []
        load = check.classes(entry["load"], _join(here, "load")) if "load" in entry else []
        pays = _class_set(entry, "pays", here, check, all_of=park, default=frozenset())
        binds = _class_set(entry, "max_stay_binds", here, check, all_of=[*park, *load], default=None)
        for key, chosen, pool in (("pays", pays, park), ("max_stay_binds", binds, [*park, *load])):
            for cls in sorted(chosen or (), key=lambda c: c.value):
                if cls not in pool:
                    check.error(_join(here, key), f"{cls.value!r} is not among the classes that park or load")
        enforced = check.boolean(entry, "enforced_on_bank_holidays", here)
        badge = check.boolean(entry, "blue_badge", here)
        permits = _permits(entry, here, check, park)
        prohibit_text = check.string(entry, "prohibit", here, choices=tuple(_PROHIBITIONS))
        label = check.string(entry, "label", here)
        times = check.string(entry, "times", here)
        if times is not None:
            try:
                parse_times(times)
            except ParseError as exc:
                check.error(_join(here, "times"), str(exc))
        if not entry.get("park") and not entry.get("load") and "prohibit" not in entry:
            check.error(here, "says nobody may park or load: give park, load, or prohibit")
        key = normalise_type(name)
        if key in out:
            check.error(here, f"the same bay type as {out[key].name!r} (names compare case- and space-insensitively)")
        out[key] = BayType(
            name=name,
            category=category,
            park=tuple(dict.fromkeys(park)),
            pays=pays or frozenset(),
            max_stay_binds=binds if binds is not None else frozenset([*park, *load]),
            load=tuple(dict.fromkeys(load)),
            enforced_on_bank_holidays=True if enforced is None else enforced,
            blue_badge=bool(badge),
            permits=permits,
            prohibit=_PROHIBITIONS.get(prohibit_text or ""),
            label=label or "",
            times=times,
        )
    return tuple(out.items())


def _class_set(entry: dict[str, Any], key: str, here: str, check: _Check, *, all_of: list[UserClass],
               default: frozenset[UserClass] | None) -> frozenset[UserClass] | None:  # fmt: skip
    if key not in entry:
        return default
    value = entry[key]
    if isinstance(value, bool):
        return frozenset(all_of) if value else frozenset()
    return frozenset(check.classes(value, _join(here, key)))


def _permits(entry: dict[str, Any], here: str, check: _Check, park: list[UserClass]):
    """Per class: fixed tokens and/or ``"row"``. Default: the permit classes that park take the row's permits."""
    chosen: dict[UserClass, tuple[str, ...]] = {
        c: (ROW,) for c in park if c in (UserClass.PERMIT, UserClass.DISABLED_DEDICATED)
    }
    if "permits" in entry:
        value = entry["permits"]
        where = _join(here, "permits")
        if not isinstance(value, dict):
            check.error(where, f'must be a table of user class = [permit tokens or "row"], not {_type_name(value)}')
        else:
            for name, tokens in value.items():
                cls = check.user_class(name, _join(where, name))
                if isinstance(tokens, str):
                    tokens = [tokens]
                if not isinstance(tokens, list) or not all(isinstance(t, str) and t.strip() for t in tokens):
                    check.error(_join(where, name), 'must be a list of permit tokens (or "row")')
                    continue
                if cls is None:
                    continue
                if cls not in park:
                    check.error(_join(where, name), f"{cls.value!r} is not among the classes that park")
                chosen[cls] = tuple(ROW if t.strip().lower() == ROW else normalise_permit(t) for t in tokens)
    return tuple(sorted(chosen.items(), key=lambda kv: kv[0].value))


# --- reading records ----------------------------------------------------------------------------------------------


@dataclass
class _Record:
    row_number: int
    values: dict[str, Any] | None  # None: the row itself is malformed (reason in ``problem``)
    geometry: Any = None  # a GeoJSON feature's geometry member
    feature_id: Any = None
    raw: str = ""
    problem: str = ""



def _records(path: str | Path, mapping: Mapping) -> tuple[list[str] | None, Iterator[_Record]]:
    """The file's records (and, for CSV, its header)."""
    if mapping.format == "csv":
        return _csv_records(path, mapping)
    if mapping.encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        doc = _read_json_encoded(path, mapping.encoding)
    else:
        doc = read_json(path)
    if mapping.format == "json-records":
        items = doc
        if mapping.records:
            for part in mapping.records.split("."):
                items = items.get(part) if isinstance(items, dict) else None
        if not isinstance(items, list):
            where = f" at {mapping.records!r}" if mapping.records else ""
            raise StructuralError(f"{path} is not a JSON array of records{where}")
        return None, (
            _Record(i + 1, item if isinstance(item, dict) else None, raw=raw_json(item),
                    problem="" if isinstance(item, dict) else "the record is not a JSON object")
            for i, item in enumerate(items)
        )  # fmt: skip
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise StructuralError(f"{path} is not a GeoJSON FeatureCollection (no features list)")

    def gen() -> Iterator[_Record]:
        for i, feature in enumerate(features):
            if not isinstance(feature, dict):
                yield _Record(i + 1, None, raw=raw_json(feature), problem="the feature is not a JSON object")
                continue
            props = feature.get("properties")
            yield _Record(
                i + 1,
                props if isinstance(props, dict) else {},
                geometry=feature.get("geometry"),
                feature_id=feature.get("id"),
                raw=raw_json(feature),
            )

    return None, gen()


def _read_json_encoded(path: str | Path, encoding: str) -> Any:
    try:
        text = Path(path).read_bytes().decode(encoding)
    except OSError as exc:
        raise StructuralError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise StructuralError(f"{path} is not {encoding} text (byte {exc.start})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StructuralError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc


def _csv_records(path: str | Path, mapping: Mapping) -> tuple[list[str], Iterator[_Record]]:
    encoding = "utf-8-sig" if mapping.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else mapping.encoding
    try:
        text = Path(path).read_bytes().decode(encoding)
    except OSError as exc:
        raise StructuralError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise StructuralError(f"{path} is not {mapping.encoding} text (byte {exc.start})") from exc
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=mapping.delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise StructuralError(f"{path} is empty: no CSV header") from None
    except csv.Error as exc:
        raise StructuralError(f"the CSV header of {path} is unreadable: {exc}") from exc
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise StructuralError(f"the CSV header repeats column(s) {', '.join(dupes)}")
    ends_with_newline = text.endswith(("\n", "\r"))

    def gen() -> Iterator[_Record]:
        number = 0
        try:
            rows = [fields for fields in reader if fields and fields != [""]]
        except csv.Error as exc:
            raise StructuralError(f"{path} is unreadable after record {reader.line_num - 1}: {exc}") from exc
        for index, fields in enumerate(rows):
            number += 1
            raw = clip_raw(csv_line(fields, mapping.delimiter))
            if len(fields) != len(header):
                if index == len(rows) - 1 and not ends_with_newline and len(fields) < len(header):
                    raise StructuralError(f"{path} is truncated: its final record ({number}) is incomplete")
                problem = "wrong number of fields for the CSV header: "
                problem += f"the row has {len(fields)} fields, the header {len(header)}"
                yield _Record(number, None, raw=raw, problem=problem)
                continue
            yield _Record(number, dict(zip(header, fields, strict=True)), raw=raw)

    return header, gen()



# --- converting ---------------------------------------------------------------------------------------------------



def _text(record: _Record, column: str | None, mapping: Mapping) -> str | None:
    """A column's value as trimmed text, or None when absent or one of the mapping's missing values."""
    if column is None:
        return None
    value = record.feature_id if column == "@id" else (record.values or {}).get(column)
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = number_text(value) or ""
    elif isinstance(value, dict | list):
        text = json.dumps(value)
    else:
        text = str(value).strip()
    return None if text.strip().lower() in mapping.missing else text



def _class_label(cls: UserClass, activity: Activity, paid: bool, permits: frozenset[str]) -> str:
    if cls is UserClass.EVERYONE:
        if activity is Activity.LOAD:
            return "Loading"
        return "Paid parking" if paid else "Free parking"
    text = _CLASS_WORDS.get(cls, cls.value)
    if permits:
        text += f" ({' or '.join(sorted(permits))})"
    elif cls is UserClass.PERMIT:
        text += " (any permit)"
    if activity is Activity.LOAD:
        text += " loading"
    elif paid:
        text += ", paying"
    return text


def _priority(cls: UserClass, activity: Activity) -> int:
    if activity is Activity.LOAD:
        return PRIORITY_LOADING
    if cls is UserClass.EVERYONE:
        return PRIORITY_EVERYONE
    if cls in _PERMIT_CLASSES:
        return PRIORITY_PERMIT
    return PRIORITY_CLASS


def build_rules(
    bay: BayType,
    spans: tuple[TimeSpan, ...],
    duration: Any,
    tariffs: tuple[Tariff, ...],
    row_permits: frozenset[str],
    zone: str | None,
    mapping: Mapping,
) -> tuple[Rule, ...]:
    """The rules of one row of bay type ``bay`` (see the module docstring for the priorities)."""
    if not bay.enforced_on_bank_holidays:
        spans = tuple(
            dataclasses.replace(s, holidays=HolidayMode.EXCEPT) if s.holidays is HolidayMode.IGNORE else s
            for s in spans
        )
    permit_sources = dict(bay.permits)
    zone_permits = frozenset(c for c in zone_codes(zone) if "-" in c)

    def permits_for(cls: UserClass) -> frozenset[str]:
        out: set[str] = set()
        for token in permit_sources.get(cls, ()):
            if token == ROW:
                out |= row_permits or zone_permits
            else:
                out.add(token)
        return frozenset(out)

    rules: list[Rule] = []
    for activity, classes in ((Activity.PARK, bay.park), (Activity.LOAD, bay.load)):
        for cls in classes:
            paid = activity is Activity.PARK and cls in bay.pays
            binds = (
                duration is not None
                and cls in bay.max_stay_binds
                and (duration.binds == "any" or (duration.binds == "loading" and activity is Activity.LOAD))
            )
            permits = permits_for(cls)
            rules.append(
                Rule(
                    activity=activity,
                    user_classes=frozenset({cls}),
                    permits=permits,
                    time_spans=spans,
                    priority=_priority(cls, activity),
                    max_stay=duration.max_stay if binds else None,
                    no_return=duration.no_return if binds else None,
                    payment=paid,
                    tariffs=tariffs if paid else (),
                    label=_class_label(cls, activity, paid, permits),
                )
            )
    if bay.blue_badge and UserClass.BLUE_BADGE not in bay.park:
        green = bool(zone_codes(zone) & mapping.green_badge_zones)
        rules.append(badge_concession(green, spans, None, " (free, no time limit)"))
    if bay.prohibit is not None:
        rules.append(
            Rule(
                activity=bay.prohibit,
                time_spans=spans,
                priority=PRIORITY_BAY_PROHIBITION,
                label=bay.label or bay.name,
            )
        )
    rules.sort(key=lambda r: r.priority)
    return tuple(rules)


def _geometry(record: _Record, mapping: Mapping, flags: Counter[str]) -> tuple[str, int, str, float]:
    """(WKT, SRID, quality, search radius) from the first geometry source that gives one."""
    tried = []
    for source in mapping.geometry:
        tried.append(source.describe())
        try:
            geom = _geometry_from(record, source, mapping, flags)
        except RowError as bad:
            flags["mapped_geometry_unreadable"] += 1
            tried[-1] += f": {bad.reason}"
            continue
        if geom is None:
            continue
        kind = geom.geom_type
        quality = "line" if "LineString" in kind else "polygon" if "Polygon" in kind else "point"
        if source is not mapping.geometry[0]:
            flags["mapped_geometry_fallback"] += 1
        return geom.wkt, source.crs, quality, source.search_radius_m if quality == "point" else 0.0
    raise RowError(f"no usable geometry: tried {'; '.join(tried)}", "geometry")


def _geometry_from(record: _Record, source: GeometrySource, mapping: Mapping, flags: Counter[str]):
    if source.kind == "feature":
        raw = record.geometry
        if raw is None:
            return None
        geom = _shape(raw)
    elif source.kind == "xy":
        x, y = _text(record, source.x, mapping), _text(record, source.y, mapping)
        if x is None or y is None:
            return None
        try:
            fx, fy = float(x), float(y)
        except ValueError as exc:
            raise RowError(f"coordinates {x!r}, {y!r} are not numbers") from exc
        if source.zero_is_missing and fx == 0 and fy == 0:
            return None
        geom = shapely.Point(fx, fy)
    else:
        value = (record.values or {}).get(source.column or "")
        if isinstance(value, str):
            value = value.strip()
            if value.lower() in mapping.missing:
                return None
        if value is None or value == "":
            return None
        if source.kind == "wkt":
            if not isinstance(value, str):
                raise RowError("the WKT column does not hold text")
            try:
                geom = shapely.from_wkt(value)
            except shapely.errors.ShapelyError as exc:
                repaired = _drop_one_point_parts(value)
                if repaired is None:
                    raise RowError(f"unreadable WKT: {str(exc).splitlines()[0]}") from exc
                geom = shapely.from_wkt(repaired)
                flags["mapped_geometry_one_point_parts_dropped"] += 1
        else:
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise RowError(f"unreadable GeoJSON: {exc.msg}") from exc
            geom = _shape(value)
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "GeometryCollection":
        raise RowError("a geometry collection is not a kerb geometry")
    minx, miny, maxx, maxy = geom.bounds
    if any(v != v or abs(v) == float("inf") for v in (minx, miny, maxx, maxy)):
        raise RowError("non-finite coordinates")
    if source.crs == 4326 and (minx < -180 or maxx > 180 or miny < -90 or maxy > 90):
        raise RowError("coordinates out of range for EPSG:4326 (longitude, latitude)")
    if source.zero_is_missing and minx == maxx == 0 and miny == maxy == 0:
        return None
    return geom


def _drop_one_point_parts(wkt: str) -> str | None:
    """A MULTILINESTRING with one-point parts (Camden has one) that GEOS refuses: the same without those parts."""
    m = re.fullmatch(r"\s*MULTILINESTRING\s*\((.*)\)\s*", wkt, re.IGNORECASE | re.DOTALL)
    if not m:
        return None
    parts = re.findall(r"\(([^()]*)\)", m.group(1))
    keep = [part.strip() for part in parts if "," in part]
    if not keep or len(keep) == len(parts):
        return None
    try:
        repaired = "MULTILINESTRING (" + ", ".join(f"({part})" for part in keep) + ")"
        shapely.from_wkt(repaired)
    except shapely.errors.ShapelyError:
        return None
    return repaired


def _shape(raw: Any):
    if not isinstance(raw, dict):
        raise RowError("the geometry is not a GeoJSON object")
    try:
        return shape(raw)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise RowError(f"unreadable GeoJSON geometry: {exc}") from exc


def _int(text: str | None, flags: Counter[str], flag: str) -> int | None:
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        flags[flag] += 1
        return None
    if number != int(number) or number < 0:
        flags[flag] += 1
        return None
    return int(number)


def _float(text: str | None, flags: Counter[str], flag: str) -> float | None:
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        flags[flag] += 1
        return None
    if number < 0 or number != number or number >= 1e8:
        flags[flag] += 1
        return None
    return round(number, 2)



def _row(record: _Record, mapping: Mapping, flags: Counter[str]) -> PlaceRecord:
    if record.values is None:
        raise RowError(record.problem or "the row is malformed")
    ref_col = mapping.field("ref")
    ref = _text(record, ref_col, mapping)
    if ref is None:
        raise RowError(f"no reference: column {ref_col!r} (fields.ref) is empty", ref_col)
    type_col = mapping.field("restriction_type")
    type_text = _text(record, type_col, mapping)
    if type_text is None:
        raise RowError(f"no restriction type: column {type_col!r} is empty", type_col)
    bay = mapping.bay_type(type_text)
    if bay is None:
        raise RowError(f"restriction type {type_text!r} is not in the mapping's [types]", type_col)

    times_col = mapping.field("times")
    times_text = bay.times or _text(record, times_col, mapping)
    if times_text is None:
        if times_col is not None:
            raise RowError(f"no times of operation: column {times_col!r} is empty", times_col)
        times_text = "at any time"  # the mapping has no times column: its bays are always in force
    try:
        spans = parse_times(times_text)
    except ParseError as exc:
        raise RowError(str(exc), times_col) from exc

    stay_col = mapping.field("max_stay")
    stay_text = _text(record, stay_col, mapping)
    try:
        duration = parse_duration(stay_text)
    except ParseError as exc:
        raise RowError(str(exc), stay_col) from exc
    if duration is not None and not any(
        c in bay.max_stay_binds for c in (*bay.park, *bay.load)
    ):  # a maximum stay nobody in this type is bound by
        flags["mapped_max_stay_binds_nobody"] += 1

    tariff_col = mapping.field("tariff")
    tariff_text = _text(record, tariff_col, mapping)
    tariffs: tuple[Tariff, ...] = ()
    try:
        tariffs = parse_tariff(tariff_text)
    except ParseError:
        flags["mapped_tariff_unreadable"] += 1
    if mapping.currency:
        tariffs = tuple(dataclasses.replace(t, currency=mapping.currency) for t in tariffs)
    if tariffs and not bay.pays:
        flags["mapped_tariff_unused"] += 1

    permits_col = mapping.field("permits")
    permits_text = _text(record, permits_col, mapping)
    try:
        row_permits = parse_permits(permits_text)
    except ParseError as exc:
        raise RowError(str(exc), permits_col) from exc

    zone = _text(record, mapping.field("zone"), mapping)
    rules = build_rules(bay, spans, duration, tariffs, row_permits, zone, mapping)
    wkt, srid, quality, radius = _geometry(record, mapping, flags)
    attributes: dict[str, Any] = {}
    for column in mapping.attributes:
        value = _text(record, column, mapping)
        if value is not None:
            attributes[column] = value
    regulation = Regulation(
        rules=rules,
        category=bay.category,
        description=publisher_wording(
            type_text, bay.times or _text(record, times_col, mapping), stay_text, tariff_text,
            f"permits {permits_text}" if permits_text else None,
        ),
    )  # fmt: skip
    road = _text(record, mapping.field("road"), mapping)
    return PlaceRecord(
        row_number=record.row_number,
        ref=ref,
        regulation=regulation,
        geometry_wkt=wkt,
        geometry_srid=srid,
        geom_quality=quality,
        restriction_type=type_text,
        road=road,
        zone=zone,
        spaces=_int(_text(record, mapping.field("spaces"), mapping), flags, "mapped_spaces_unreadable"),
        length_m=_float(_text(record, mapping.field("length"), mapping), flags, "mapped_length_unreadable"),
        search_radius_m=radius,
        attributes=attributes,
        flags=[],
    )


def _meta(mapping: Mapping, options: Any) -> SourceMeta:
    option_tz = getattr(options, "timezone", None) if options is not None else None
    tz = option_tz or mapping.timezone
    if not tz:
        raise UsageError("no time zone: set source.timezone in the mapping or give --timezone")
    tz = check_timezone(str(tz).strip(), "--timezone" if option_tz else "source.timezone")
    holidays = check_holidays(getattr(options, "holidays", None) if options is not None else None)
    return SourceMeta(
        publisher=mapping.publisher,
        licence=mapping.licence,
        attribution=mapping.attribution,
        url=mapping.url,
        timezone=tz,
        holidays=holidays or mapping.holidays,
    )


def _check_columns(mapping: Mapping, seen: set[str], header: list[str] | None) -> None:
    """A column the mapping names that the file never has is a mapping mistake (UsageError with the key path)."""
    problems = []
    available = set(header) if header is not None else seen
    what = "the CSV header" if header is not None else "any record"
    named: list[tuple[str, str]] = [(key_path("fields", k), v) for k, v in mapping.fields]
    named += [(key_path("fields", "attributes", i), c) for i, c in enumerate(mapping.attributes)]
    for i, source in enumerate(mapping.geometry):
        for key in ("column", "x", "y"):
            column = getattr(source, key)
            if column:
                named.append((key_path("geometry", i, "wkt" if key == "column" and source.kind == "wkt" else
                                       "geojson" if key == "column" else key), column))  # fmt: skip
    for path, column in named:
        if column == "@id" and header is None:
            continue
        if column not in available:
            close = difflib.get_close_matches(column, sorted(available), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{path}: column {column!r} is not in {what}{hint}")
    if problems:
        raise UsageError(f"--mapping {mapping.path} does not fit the file:\n  " + "\n  ".join(problems))


def convert(path: str | Path, options: Any = None) -> Converted:
    """Convert one borough file through ``options.mapping`` (a TOML mapping)."""
    mapping = load_mapping(getattr(options, "mapping", None) if options is not None else None)
    return convert_with(path, mapping, options)


def convert_with(path: str | Path, mapping: Mapping, options: Any = None) -> Converted:
    """Convert one file through an already-loaded mapping."""
    meta = _meta(mapping, options)
    header, records = _records(path, mapping)
    flags: Counter[str] = Counter()
    out = Converted(meta=meta, flags=flags)
    if header is not None:
        _check_columns(mapping, set(), header)
    seen_columns: set[str] = set()
    seen_refs: dict[str, int] = {}
    for record in records:
        out.read += 1
        if record.values:
            seen_columns.update(record.values)
        try:
            place = _row(record, mapping, flags)
        except RowError as bad:
            out.rejects.append(Reject(record.row_number, bad.reason, record.raw, bad.field))
            continue
        first = seen_refs.get(place.ref)
        if first is not None:
            out.rejects.append(
                Reject(record.row_number, f"duplicate reference {place.ref!r} (first at row {first})", record.raw,
                       mapping.field("ref"))
            )  # fmt: skip
            continue
        seen_refs[place.ref] = record.row_number
        out.places.append(place)
    if header is None and out.read:
        _check_columns(mapping, seen_columns, None)
    return out


__all__ = [
    "FIELD_KEYS",
    "FORMATS",
    "BayType",
    "GeometrySource",
    "Mapping",
    "build_rules",
    "convert",
    "convert_with",
    "key_path",
    "load_mapping",
    "normalise_type",
    "parse_mapping",
]
