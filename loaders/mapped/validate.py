"""Reading a mapping file: TOML in, a checked :class:`~loaders.mapped.mapping.Mapping` out, or one
:class:`~loaders.base.UsageError` listing every problem with its key path. The key schema is in
``loaders/mappings/README.md``."""

from __future__ import annotations

import codecs
import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError

from loaders.base import UsageError
from loaders.checks import check_holidays, check_timezone
from parking_api.api.v1.vocabulary import CATEGORIES
from parking_api.engine.model import Activity, UserClass, normalise_permit
from parking_api.engine.parse import ParseError, parse_duration, parse_times

from .keys import Checker, extend_path, key_path, type_name
from .mapping import DEFAULT_MISSING, FORMATS, ROW, BayType, GeometrySource, Mapping, TypeRule, normalise_type
from .values import parse_values

_PROHIBITIONS = {"no_parking": Activity.NO_PARKING, "no_stopping": Activity.NO_STOPPING,
                 "no_loading": Activity.NO_LOADING}  # fmt: skip

# ``types`` and ``fields.restriction_type`` are required unless ``fields.sign_text`` is set (see ``_types``).
_TOP_KEYS = {"description": False, "source": True, "fields": True, "geometry": False, "types": False, "values": False,
             "defaults": False}  # fmt: skip
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
    "also_missing": False,
    "green_badge_zones": False,
}
FIELD_KEYS = ("ref", "restriction_type", "times", "max_stay", "tariff", "permits", "road", "zone", "spaces", "length",
              "date_from", "date_to", "sign_text")  # fmt: skip
_FIELD_KEYS = {key: key == "ref" for key in FIELD_KEYS} | {"attributes": False}
# The categories a type may name: the API's enum (``category`` of a bay), less the empty one.
MAPPED_CATEGORIES = tuple(c for c in CATEGORIES if c)
_GEOMETRY_KEYS = {
    "wkt": False,
    "geojson": False,
    "feature": False,
    "x": False,
    "y": False,
    "crs": False,
    "search_radius_m": False,
    "zero_is_missing": False,
    "reach_from_size": False,
}
_TYPE_KEYS = {
    "category": False,  # required unless fields.sign_text is set (then read from the words)
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
    "max_stay": False,
    "no_return": False,
    "rules": False,
}
_TYPE_RULE_KEYS = {"times": False, "max_stay": False, "no_return": False}


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
    check = Checker()
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
    also_missing = check.strings(src, "also_missing", "source") or []
    markers = frozenset(m.strip().lower() for m in (DEFAULT_MISSING if missing is None else missing))
    markers |= frozenset(m.strip().lower() for m in also_missing)
    green = check.strings(src, "green_badge_zones", "source")

    flds = (check.table(data["fields"], "fields", _FIELD_KEYS) if "fields" in data else None) or {}
    fields: list[tuple[str, str]] = []
    for key in FIELD_KEYS:
        value = check.string(flds, key, "fields")
        if value is not None:
            fields.append((key, value))
    attributes = check.strings(flds, "attributes", "fields") or []
    named = dict(fields)
    if "restriction_type" not in flds and "sign_text" not in named:
        check.error("fields.restriction_type", "required key is missing (or name fields.sign_text: each row's type"
                                               " is then read from its words)")  # fmt: skip

    geometry = _geometry_sources(data, fmt, check)
    types = _types(data, check, typed="restriction_type" in flds)
    values, defaults = parse_values(data, named, markers, check)
    default_type = dict(defaults).get(named.get("restriction_type", ""))
    if default_type is not None and normalise_type(default_type) not in dict(types):
        check.error("defaults.restriction_type", f"{default_type!r} is not a bay type in [types]")
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
        missing=markers,
        green_badge_zones=frozenset(normalise_permit(z) for z in green or ()),
        fields=tuple(fields),
        attributes=tuple(attributes),
        geometry=geometry,
        types=types,
        values=values,
        defaults=defaults,
    )


def _geometry_sources(data: dict[str, Any], fmt: str, check: Checker) -> tuple[GeometrySource, ...]:
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
            check.error(extend_path(here, "y" if x else "x"), "required key is missing (x and y go together)")
            continue
        if feature and fmt != "geojson":
            check.error(extend_path(here, "feature"), 'only applies to format = "geojson"')
            continue
        crs = check.integer(entry, "crs", here)
        if crs is not None:
            _check_crs(crs, extend_path(here, "crs"), check)
        radius = check.number(entry, "search_radius_m", here)
        zero = check.boolean(entry, "zero_is_missing", here)
        sized = check.boolean(entry, "reach_from_size", here)
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
                reach_from_size=bool(sized),
            )
        )
    return tuple(out)


def _check_crs(code: int, here: str, check: Checker) -> None:
    try:
        CRS.from_epsg(code)
    except CRSError:
        check.error(here, f"EPSG:{code} is not a known coordinate reference system")


def _types(data: dict[str, Any], check: Checker, *, typed: bool) -> tuple[tuple[str, BayType], ...]:
    """The ``[types]`` table: required with ``fields.restriction_type``, an error without it (nothing looks it up)."""
    raw = data.get("types")
    if raw is None:
        if typed:
            check.error("types", "required key is missing")
        return ()
    if not typed:
        check.error("types", "no fields.restriction_type names a column to look the bay types up by")
        return ()
    if not isinstance(raw, dict):
        check.error("types", f"must be a table of bay types, not {type_name(raw)}")
        return ()
    if not raw:
        check.error("types", "must list at least one bay type")
    out: dict[str, BayType] = {}
    for name, entry in raw.items():
        here = key_path("types", name)
        entry = check.table(entry, here, _TYPE_KEYS)
        if entry is None:
            continue
        from_sign = isinstance(data.get("fields"), dict) and "sign_text" in data["fields"]  # the words say who
        category = _category(entry, here, check, from_sign)
        park = check.classes(entry["park"], extend_path(here, "park")) if "park" in entry else []
        load = check.classes(entry["load"], extend_path(here, "load")) if "load" in entry else []
        pays = _class_set(entry, "pays", here, check, all_of=park, default=frozenset())
        binds = _class_set(entry, "max_stay_binds", here, check, all_of=[*park, *load], default=None)
        for key, chosen, pool in (("pays", pays, park), ("max_stay_binds", binds, [*park, *load])):
            for cls in sorted(chosen or (), key=lambda c: c.value):
                if cls not in pool:
                    check.error(extend_path(here, key), f"{cls.value!r} is not among the classes that park or load")
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
                check.error(extend_path(here, "times"), str(exc))
        if not entry.get("park") and not entry.get("load") and "prohibit" not in entry and not from_sign:
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
            max_stay=_limit_text(entry, "max_stay", here, check),
            no_return=_limit_text(entry, "no_return", here, check),
            rules=_type_rules(entry, here, check),
        )
    return tuple(out.items())


def _category(entry: dict[str, Any], here: str, check: Checker, from_sign: bool) -> str:
    """A type's ``category``: one of the API's categories; without it (allowed with sign text) "", read per row from
    who may park (``sign.py``)."""
    if "category" not in entry:
        if not from_sign:
            check.error(extend_path(here, "category"), "required key is missing")
        return ""
    category = check.string(entry, "category", here) or ""
    if category and category not in MAPPED_CATEGORIES:
        close = difflib.get_close_matches(category, MAPPED_CATEGORIES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        check.error(extend_path(here, "category"),
                    f"unknown category {category!r} ({hint}allowed: {', '.join(MAPPED_CATEGORIES)})")  # fmt: skip
        return ""
    return category


def _limit_text(entry: dict[str, Any], key: str, here: str, check: Checker) -> str | None:
    """A type's (or one of its rules') ``max_stay`` / ``no_return``: a duration the parser reads (``"4 hours"``)."""
    text = check.string(entry, key, here)
    if text is None:
        return None
    try:
        duration = parse_duration(text)
    except ParseError as exc:
        check.error(extend_path(here, key), str(exc))
        return None
    if key == "no_return" and (duration is None or duration.no_return is not None or duration.binds != "any"):
        check.error(extend_path(here, key), f'must be a plain duration such as "2 hours", not {text!r}')
    return text


def _type_rules(entry: dict[str, Any], here: str, check: Checker) -> tuple[TypeRule, ...]:
    """``rules = [{ times = …, max_stay = …, no_return = … }, …]``: each read as the type's own keys are."""
    if "rules" not in entry:
        return ()
    where = extend_path(here, "rules")
    raw = entry["rules"]
    if not isinstance(raw, list) or not raw:
        check.error(where, f"must be a list of tables with times, max_stay and no_return, not {type_name(raw)}")
        return ()
    out = []
    for i, item in enumerate(raw):
        at = extend_path(where, i)
        item = check.table(item, at, _TYPE_RULE_KEYS)
        if item is None:
            continue
        times = check.string(item, "times", at)
        if times is not None:
            try:
                parse_times(times)
            except ParseError as exc:
                check.error(extend_path(at, "times"), str(exc))
        out.append(TypeRule(times, _limit_text(item, "max_stay", at, check), _limit_text(item, "no_return", at, check)))
    return tuple(out)


def _class_set(entry: dict[str, Any], key: str, here: str, check: Checker, *, all_of: list[UserClass],
               default: frozenset[UserClass] | None) -> frozenset[UserClass] | None:  # fmt: skip
    if key not in entry:
        return default
    value = entry[key]
    if isinstance(value, bool):
        return frozenset(all_of) if value else frozenset()
    return frozenset(check.classes(value, extend_path(here, key)))


def _permits(entry: dict[str, Any], here: str, check: Checker, park: list[UserClass]):
    """Per class: fixed tokens and/or ``"row"``. Default: the permit classes that park take the row's permits."""
    chosen: dict[UserClass, tuple[str, ...]] = {
        c: (ROW,) for c in park if c in (UserClass.PERMIT, UserClass.DISABLED_DEDICATED)
    }
    if "permits" in entry:
        value = entry["permits"]
        where = extend_path(here, "permits")
        if not isinstance(value, dict):
            check.error(where, f'must be a table of user class = [permit tokens or "row"], not {type_name(value)}')
        else:
            for name, tokens in value.items():
                cls = check.user_class(name, extend_path(where, name))
                if isinstance(tokens, str):
                    tokens = [tokens]
                if not isinstance(tokens, list) or not all(isinstance(t, str) and t.strip() for t in tokens):
                    check.error(extend_path(where, name), 'must be a list of permit tokens (or "row")')
                    continue
                if cls is None:
                    continue
                if cls not in park:
                    check.error(extend_path(where, name), f"{cls.value!r} is not among the classes that park")
                chosen[cls] = tuple(ROW if t.strip().lower() == ROW else normalise_permit(t) for t in tokens)
    return tuple(sorted(chosen.items(), key=lambda kv: kv[0].value))

