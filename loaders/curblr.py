"""CurbLR feeds (1.0 and 1.1, as real publishers write them) → the canonical kerbside model.

Entry point: :func:`convert` ``(path, options) -> Converted``. A CurbLR file is a GeoJSON ``FeatureCollection`` with a
``manifest``; each feature is a stretch of kerb (``properties.location``: SharedStreets reference, side, start and end
in metres) carrying ``properties.regulations[]``, each a ``rule`` with ``userClasses``, ``timeSpans``, ``payment`` and a
priority.

Mapping decisions (the spec is silent or real feeds disagree with it):

Places
    One place per kerb stretch: ``ref = "{shstRefId}:{sideOfStreet}:{start}-{end}"`` with the numbers exactly as the
    file writes them (``4.9`` stays ``4.9``, ``73`` stays ``73``). Features that describe the same stretch (Portland's
    sign, fence and meter features; Montréal's several signs per kerb) become ONE place whose rules are the union of
    their regulations, ranked by priority; identical rules are kept once. The place keeps the first feature's row
    number and geometry and lists every feature in ``attributes["source_rows"]``. A point location (``shstLocation``)
    gives ``"{shstRefId}:{sideOfStreet}:{at}"``.

Priority — one integer scale for every placement, lower wins (as in the model):
    the 0-based position in the manifest's ``priorityHierarchy`` (ordered highest first). A CurbLR 1.0 number ``n``
    (1 = critical … 4 = normal) becomes ``n - 1``, so 1.0 level 1 and the top of any hierarchy are both 0, and
    Montréal's hierarchy ``["1", …, "5", "free parking"]`` lines up with its integer ``priorityCategory`` values.
    The value is taken from, in order: ``rule.priorityCategory``, ``regulation.priorityCategory``, ``rule.priority``,
    ``regulation.priority``. Text is matched against the hierarchy case-insensitively; text that is not in the
    hierarchy but is a number, and any integer that is not in the hierarchy as text, is read as a 1.0 level. A name
    in neither ranks just below the whole hierarchy (flag ``curblr_priority_unknown``); a regulation without any
    priority ranks there too (1.0 feeds without a hierarchy: level 4 "normal" = 3; flag ``curblr_priority_missing``).

Activities
    ``parking`` → park; ``no parking`` → no_parking; ``loading`` → load; ``no loading`` → no_loading;
    ``standing`` (an attended stop) and ``stopping`` → load, i.e. a brief stop that is not parking, so a standing zone
    still bars parking; ``no standing`` and ``no stopping`` → no_stopping (no attended or unattended stop at all, which
    is how Portland and Montréal use it).

User classes
    ``classes`` (list or string) or Philadelphia's ``class``; ``subclasses`` qualify them. ``[]``, ``[{}]`` or no
    ``userClasses`` mean everyone. See ``USER_CLASS_WORDS`` for the vocabulary; permit subclasses become permit
    tokens; unknown names map to ``other`` and stay in the rule's label. ``passenger`` (passenger loading) is open to
    every driver, so it maps to ``everyone``.

Time spans
    ``daysOfWeek.days`` (``mo``…``su``, any case, full names accepted); ``days: []`` rejects the regulation (it could
    never apply); ``occurrencesInMonth`` and ``daysOfMonth`` cannot be expressed and reject the regulation.
    ``timesOfDay`` ``from`` and ``to`` (or the spec's ``until``), ``H:MM`` or ``HH:MM``: ends are exclusive as the
    spec says; an end of ``23:59`` or ``24:00`` or ``00:00`` is the end of the day, a start of ``24:00`` is midnight,
    ``00:00-00:00`` is the whole day. With ``inclusive_ends`` (Philadelphia writes ``0:00-7:59``) every other end
    moves one minute later (``7:59`` → 08:00); without it, ends at ``:59`` are flagged ``curblr_end_at_59_minutes``.
    ``effectiveDates`` ``MM-DD`` (or ``MMDD``) ranges become yearly ranges (they may wrap over New Year;
    ``01-01``→``12-31`` is dropped as always true); full ``YYYY-MM-DD`` ranges become ``date_from``/``date_to``
    (one time span per full range, since a span holds one). ``designatedPeriods`` are kept by name as given, with
    ``apply`` ``only during``/``except during`` (``only_during`` too) → ``only``/``except``; the holiday names are
    answered by the source's ``--holidays`` calendar (flag ``curblr_holidays_without_calendar`` when none is given).
    Empty ``timeSpans``/``timesOfDay``/``effectiveDates``/``designatedPeriods`` arrays mean "not given".

Payment
    ``rule.payment``, or ``payment: true`` beside the rule, or any positive fee makes the rule paid. The hourly
    tariff comes from the first usable ``rates[].fees[i]``/``durations[i]`` pair (fee × 60 / minutes) in the
    manifest's currency, fuel ``any``; tiers with other hourly prices flag ``curblr_rate_tiered``; fees and
    durations of different lengths (Montréal writes ``fees [1.5]``, ``durations [120, 0, 0]``) flag
    ``curblr_rate_shape`` and are read pairwise, ignoring zero durations. The pre-1.0 ``minRate``
    (``minAmount``/``minInterval``) is read too.

Rejects
    ``read`` counts features. A feature whose regulations are partly bad keeps the good ones and reports each bad one
    in ``rejected_regulations``; a feature with no good regulation (or no usable location or geometry) is a reject.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from shapely.geometry import shape

from loaders.base import (
    Converted,
    PlaceRecord,
    Reject,
    RowError,
    SourceMeta,
    StructuralError,
    UsageError,
    raw_json,
)
from parking_api.engine.calendar import HOLIDAY_PERIOD_NAMES as _HOLIDAY_NAMES
from parking_api.engine.calendar import parse_calendar_spec
from parking_api.engine.model import (
    ALL_DAY,
    ALL_DAYS,
    Activity,
    Regulation,
    Rule,
    Tariff,
    TimeSpan,
    UserClass,
    Window,
    normalise_permit,
)
from parking_api.engine.parse import format_duration, format_spans

DESCRIPTION_LIMIT = 1000
# Features merged into one stretch keep the first one's line; lines further apart than this (about a metre) are flagged.
MERGE_TOLERANCE_DEGREES = 1e-5

# --- vocabulary -------------------------------------------------------------------------------------------------

ACTIVITY_WORDS: dict[str, Activity] = {
    "parking": Activity.PARK,
    "park": Activity.PARK,
    "no parking": Activity.NO_PARKING,
    "loading": Activity.LOAD,
    "no loading": Activity.NO_LOADING,
    "standing": Activity.LOAD,
    "stopping": Activity.LOAD,
    "no standing": Activity.NO_STOPPING,
    "no stopping": Activity.NO_STOPPING,
}

# CurbLR class names (lower case, ``_``/``-`` read as spaces) → our user classes. Anything else → OTHER.
USER_CLASS_WORDS: dict[str, UserClass] = {
    "everyone": UserClass.EVERYONE,
    "all": UserClass.EVERYONE,
    "any": UserClass.EVERYONE,
    "general": UserClass.EVERYONE,
    "public": UserClass.EVERYONE,
    "passenger": UserClass.EVERYONE,
    "passengers": UserClass.EVERYONE,
    "passenger loading": UserClass.EVERYONE,
    "permit": UserClass.PERMIT,
    "permits": UserClass.PERMIT,
    "permit holder": UserClass.PERMIT,
    "permit holders": UserClass.PERMIT,
    "resident": UserClass.PERMIT,
    "residents": UserClass.PERMIT,
    "resident permit": UserClass.PERMIT,
    "residential permit": UserClass.PERMIT,
    "residential": UserClass.PERMIT,
    "handicap": UserClass.BLUE_BADGE,
    "handicapped": UserClass.BLUE_BADGE,
    "disabled": UserClass.BLUE_BADGE,
    "disability": UserClass.BLUE_BADGE,
    "accessible": UserClass.BLUE_BADGE,
    "ada": UserClass.BLUE_BADGE,
    "blue badge": UserClass.BLUE_BADGE,
    "green badge": UserClass.GREEN_BADGE,
    "car share": UserClass.CAR_CLUB,
    "carshare": UserClass.CAR_CLUB,
    "car club": UserClass.CAR_CLUB,
    "motorcycle": UserClass.MOTORCYCLE,
    "motorcycles": UserClass.MOTORCYCLE,
    "motorbike": UserClass.MOTORCYCLE,
    "commercial": UserClass.GOODS,
    "truck": UserClass.GOODS,
    "trucks": UserClass.GOODS,
    "delivery": UserClass.GOODS,
    "freight": UserClass.GOODS,
    "goods": UserClass.GOODS,
    "commercial vehicle": UserClass.GOODS,
    "bus": UserClass.BUS,
    "buses": UserClass.BUS,
    "tour bus": UserClass.BUS,
    "coach": UserClass.BUS,
    "transit": UserClass.BUS,
    "taxi": UserClass.TAXI,
    "taxis": UserClass.TAXI,
    "cab": UserClass.TAXI,
    "police": UserClass.POLICE,
    "diplomat": UserClass.DIPLOMATIC,
    "diplomatic": UserClass.DIPLOMATIC,
    "electric": UserClass.ELECTRIC,
    "electric vehicle": UserClass.ELECTRIC,
    "ev": UserClass.ELECTRIC,
    "bikeshare": UserClass.CYCLE_HIRE,
    "bike share": UserClass.CYCLE_HIRE,
    "cycle hire": UserClass.CYCLE_HIRE,
    "construction": UserClass.CONSTRUCTION,
    "doctor": UserClass.DOCTOR,
    "medical": UserClass.DOCTOR,
    "trader": UserClass.TRADER,
    "business": UserClass.BUSINESS,
}
# A ``transit`` class whose subclasses name a rail vehicle is not a bus any driver could be.
_RAIL_SUBCLASSES = frozenset({"streetcar", "tram", "light rail", "rail"})
_DIMENSION_KEYS = ("maxheight", "minheight", "maxlength", "minlength", "maxweight", "minweight")

_DAYS = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}

# Who published what, where the manifest says nothing about licence (see the feeds' provenance notes).
_KNOWN_AUTHORITIES: dict[str, tuple[str, str]] = {
    "portland bureau of transportation": ("", "Portland Bureau of Transportation; CurbLR conversion by SharedStreets"),
    "center city district philadelphia": ("", "Center City District Philadelphia; CurbLR survey by SharedStreets"),
    "city of austin": ("", "City of Austin; CurbLR conversion by SharedStreets"),
    "ville de montréal": ("CC BY 4.0", "Ville de Montréal (open data, CC BY 4.0)"),
}
_MONTREAL_SOURCE = re.compile(r"montr[eé]al|\bmtl\b|^mtl", re.IGNORECASE)

_CATEGORY_BY_CLASS = (
    (UserClass.BLUE_BADGE, "disabled_blue_badge"),
    (UserClass.GREEN_BADGE, "disabled_green_badge"),
    (UserClass.DISABLED_DEDICATED, "disabled_dedicated"),
    (UserClass.TAXI, "taxi"),
    (UserClass.BUS, "bus"),
    (UserClass.CAR_CLUB, "car_club"),
    (UserClass.MOTORCYCLE, "motorcycle"),
    (UserClass.ELECTRIC, "electric"),
    (UserClass.CYCLE_HIRE, "cycle_hire"),
    (UserClass.POLICE, "police"),
    (UserClass.DIPLOMATIC, "diplomatic"),
    (UserClass.DOCTOR, "doctor"),
    (UserClass.CONSTRUCTION, "construction"),
    (UserClass.TRADER, "trader"),
    (UserClass.BUSINESS, "business"),
    (UserClass.PERMIT, "permit"),
    (UserClass.GOODS, "goods"),
)


# --- reading ------------------------------------------------------------------------------------------------------


class _Number(float):
    """A JSON number that remembers how the file wrote it (``4.90`` must stay ``4.90`` in a reference)."""

    __slots__ = ("text",)

    text: str


def _parse_float(text: str) -> _Number:
    number = _Number(text)
    number.text = text
    return number


def read_json(path: str | Path) -> Any:
    """Read a JSON file, keeping each non-integer number's original text; unreadable → :class:`StructuralError`."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise StructuralError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StructuralError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    try:
        return json.loads(text, parse_float=_parse_float)
    except json.JSONDecodeError as exc:
        raise StructuralError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise StructuralError(f"{path} is nested too deeply to read") from exc


def number_text(value: Any) -> str | None:
    """The text of a number as the file wrote it (``73`` → ``"73"``, ``4.9`` → ``"4.9"``), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, _Number):
        return value.text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*", value):
        return value.strip()
    return None


def _decimal(value: Any) -> Decimal | None:
    text = number_text(value)
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _ci(obj: Any) -> dict[str, Any]:
    """A dict's keys lower-cased (CurbLR fields are case-insensitive; Montréal writes ``UserClasses``)."""
    if not isinstance(obj, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in obj.items():
        out.setdefault(str(key).lower(), value)
    return out


def _words(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text).replace("_", " ").replace("-", " ")).strip().lower()


def _option(options: Any, name: str, default: Any = None) -> Any:
    return getattr(options, name, default) if options is not None else default




# --- manifest -----------------------------------------------------------------------------------------------------


def check_timezone(name: str, what: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise UsageError(f"{what} {name!r} is not an IANA time zone (e.g. America/Toronto)") from exc
    return name


def check_holidays(spec: str | None) -> str | None:
    """Validate a ``--holidays`` calendar spec (``US-OR``, ``GB-ENG``) when the calendar module is available."""
    if spec is None or not str(spec).strip():
        return None
    try:
        parse_calendar_spec(str(spec))
    except ValueError as exc:
        raise UsageError(f"--holidays: {exc}") from exc
    return str(spec).strip()


def _published_at(manifest: dict[str, Any], tz: str) -> datetime | None:
    for key in ("lastupdateddate", "createddate"):
        value = manifest.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=ZoneInfo(tz))
    return None


def _meta(manifest: dict[str, Any], options: Any, flags: Counter[str]) -> SourceMeta:
    option_tz = _option(options, "timezone")
    if option_tz:
        option_tz = check_timezone(str(option_tz).strip(), "--timezone")
    tz = manifest.get("timezone")
    if isinstance(tz, str) and tz.strip():
        try:
            ZoneInfo(tz.strip())
            tz = tz.strip()
        except (ZoneInfoNotFoundError, ValueError):
            flags["curblr_manifest_timezone_invalid"] += 1
            tz = None
    else:
        tz = None
    if option_tz:
        if tz and tz != option_tz:
            flags["curblr_manifest_timezone_overridden"] += 1  # --timezone overrides the feed's own
        tz = option_tz
    elif tz is None:
        raise UsageError(
            "the CurbLR manifest has no (valid) timeZone: give the feed's time zone with --timezone "
            "(e.g. --timezone America/Toronto)"
        )

    authority = _ci(manifest.get("authority"))
    publisher = str(authority.get("name") or "").strip()
    licence = str(manifest.get("license") or manifest.get("licence") or "").strip()
    attribution = str(manifest.get("attribution") or "").strip()
    known = _KNOWN_AUTHORITIES.get(publisher.lower())
    source = str(_option(options, "source") or "")
    if known is None and not publisher and _MONTREAL_SOURCE.search(source):
        publisher = "Ville de Montréal"
        known = _KNOWN_AUTHORITIES["ville de montréal"]
    if known:
        licence = licence or known[0]
        attribution = attribution or known[1]
    return SourceMeta(
        publisher=publisher,
        licence=licence,
        attribution=attribution,
        url=str(authority.get("url") or "").strip(),
        timezone=tz,
        holidays=check_holidays(_option(options, "holidays")),
        published_at=_published_at(manifest, tz),
    )


# --- time spans ---------------------------------------------------------------------------------------------------

_CLOCK_RE = re.compile(r"\s*(\d{1,2}):(\d{2})(?::00)?\s*")


def _clock(value: Any, where: str) -> int:
    m = _CLOCK_RE.fullmatch(value) if isinstance(value, str) else None
    if not m:
        raise RowError(f"time {value!r} is not HH:MM", where)
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise RowError(f"time {value!r} is not a time of day", where)
    return hours * 60 + minutes


def _window(raw: Any, where: str, ctx: _Context) -> Window:
    item = _ci(raw)
    if not item:
        raise RowError("a timesOfDay entry must be an object with from and to", where)
    start_raw = item.get("from", item.get("start"))
    end_raw = item.get("to", item.get("until", item.get("end")))
    if start_raw is None or end_raw is None:
        raise RowError("a timesOfDay entry needs both from and to", where)
    start = _clock(start_raw, f"{where}.from")
    end = _clock(end_raw, f"{where}.to")
    if start == 1440:
        start = 0  # Montréal writes "24:00"-"06:00"
    if start == 0 and end == 0:
        return ALL_DAY
    if end in (0, 1439, 1440):
        end = 1440  # "-00:00", "-23:59" and "-24:00" all mean the end of the day
    elif ctx.inclusive_ends:
        end += 1  # "-7:59" written inclusively: up to 8:00
    if start == end:
        raise RowError(f"time window {start_raw}-{end_raw} is empty", where)
    if not ctx.inclusive_ends and end % 60 == 59:
        ctx.flags["curblr_end_at_59_minutes"] += 1  # a hint that --inclusive-ends may be wanted
    return (start, end)


def _days(raw: Any, where: str) -> frozenset[int]:
    item = _ci(raw) if isinstance(raw, dict) else {"days": raw}
    for key in ("occurrencesinmonth", "occurrences_in_month", "occurrences"):
        if item.get(key):
            raise RowError("daysOfWeek occurrences in the month cannot be expressed", f"{where}.{key}")
    days = item.get("days")
    if isinstance(days, str):
        days = [days]
    if not isinstance(days, list):
        raise RowError("daysOfWeek.days must be a list of days", f"{where}.days")
    if not days:
        raise RowError("daysOfWeek.days is empty: the time span could never apply", f"{where}.days")
    out = set()
    for token in days:
        key = str(token).strip().lower()[:2]
        if key not in _DAYS or not str(token).strip().isalpha():
            raise RowError(f"day {token!r} is not one of mo tu we th fr sa su", f"{where}.days")
        out.add(_DAYS[key])
    return frozenset(out)


_MMDD_RE = re.compile(r"(\d{2})-?(\d{2})")


def _date_value(value: Any, where: str) -> str | date:
    """``MM-DD`` (or ``MMDD``) → ``"MM-DD"``; ``YYYY-MM-DD`` → a date."""
    if not isinstance(value, str):
        raise RowError(f"date {value!r} is not MM-DD or YYYY-MM-DD", where)
    text = value.strip()
    m = _MMDD_RE.fullmatch(text)
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        try:
            date(2000, month, day)  # a leap year, so 02-29 is a valid yearly date
        except ValueError as exc:
            raise RowError(f"date {value!r} is not a day of the year", where) from exc
        return f"{month:02d}-{day:02d}"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:T.*)?", text):
        raise RowError(f"date {value!r} is not MM-DD or YYYY-MM-DD", where)
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise RowError(f"date {value!r} is not a calendar date", where) from exc


def _effective(raw: Any, where: str) -> tuple[list[tuple[str, str]], list[tuple[date, date]]]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise RowError("effectiveDates must be a list", where)
    yearly: list[tuple[str, str]] = []
    fixed: list[tuple[date, date]] = []
    for i, item in enumerate(raw):
        entry = _ci(item)
        here = f"{where}[{i}]"
        start_raw = entry.get("from", entry.get("start"))
        end_raw = entry.get("to", entry.get("until", entry.get("end")))
        if start_raw is None or end_raw is None:
            raise RowError("an effectiveDates entry needs both from and to", here)
        start = _date_value(start_raw, f"{here}.from")
        end = _date_value(end_raw, f"{here}.to")
        if isinstance(start, str) and isinstance(end, str):
            if (start, end) != ("01-01", "12-31"):
                yearly.append((start, end))
        elif isinstance(start, date) and isinstance(end, date):
            if end < start:
                raise RowError(f"effective dates run backwards ({start_raw} to {end_raw})", here)
            fixed.append((start, end))
        else:
            raise RowError(f"effective dates mix a yearly and a full date ({start_raw} to {end_raw})", here)
    return yearly, fixed


def _designated(raw: Any, where: str, ctx: _Context) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise RowError("designatedPeriods must be a list", where)
    out = []
    for i, item in enumerate(raw):
        entry = _ci(item)
        here = f"{where}[{i}]"
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RowError("a designated period needs a name", f"{here}.name")
        apply = _words(entry.get("apply", ""))
        if apply in ("only during", "only", "during"):
            mode = "only"
        elif apply in ("except during", "except", "not during"):
            mode = "except"
        else:
            raise RowError(
                f"designated period apply {entry.get('apply')!r} is not 'only during' or 'except during'",
                f"{here}.apply",
            )
        if _words(name) in _HOLIDAY_NAMES and not ctx.has_calendar:
            ctx.flags["curblr_holidays_without_calendar"] += 1
        out.append((name.strip(), mode))
    return tuple(dict.fromkeys(out))


_SPAN_KEYS = {
    "daysofweek": "daysofweek",
    "dayofweek": "daysofweek",
    "timesofday": "timesofday",
    "timeofday": "timesofday",
    "effectivedates": "effectivedates",
    "effectivedate": "effectivedates",
    "designatedperiods": "designatedperiods",
    "designatedperiod": "designatedperiods",
}


def time_spans(raw: Any, where: str, ctx: _Context) -> tuple[TimeSpan, ...]:
    """A regulation's ``timeSpans`` (OR-ed) → TimeSpans; fields inside one span are AND-ed."""
    if raw is None:
        return ()
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise RowError("timeSpans must be a list", where)
    spans: list[TimeSpan] = []
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise RowError("a time span must be an object", here)
        parts: dict[str, Any] = {}
        for key, value in item.items():
            canon = _SPAN_KEYS.get(str(key).lower())
            if canon is None:
                if str(key).lower() in ("daysofmonth", "dayofmonth"):
                    raise RowError("daysOfMonth cannot be expressed", f"{here}.{key}")
                raise RowError(f"unknown time span field {key!r}", f"{here}.{key}")
            parts.setdefault(canon, value)
        days = ALL_DAYS
        if parts.get("daysofweek") is not None:
            days = _days(parts["daysofweek"], f"{here}.daysOfWeek")
        windows: tuple[Window, ...] = (ALL_DAY,)
        tod = parts.get("timesofday")
        if isinstance(tod, dict):
            tod = [tod]
        if tod:
            if not isinstance(tod, list):
                raise RowError("timesOfDay must be a list", f"{here}.timesOfDay")
            found = tuple(dict.fromkeys(_window(w, f"{here}.timesOfDay[{j}]", ctx) for j, w in enumerate(tod)))
            windows = (ALL_DAY,) if ALL_DAY in found else found
        elif tod is not None and tod == []:
            ctx.flags["curblr_empty_times_of_day"] += 1
        yearly: list[tuple[str, str]] = []
        fixed: list[tuple[date, date]] = []
        if parts.get("effectivedates"):
            yearly, fixed = _effective(parts["effectivedates"], f"{here}.effectiveDates")
        designated = ()
        if parts.get("designatedperiods"):
            designated = _designated(parts["designatedperiods"], f"{here}.designatedPeriods", ctx)
        if not fixed:
            spans.append(
                TimeSpan(days=days, windows=windows, yearly=tuple(dict.fromkeys(yearly)), designated=designated)
            )
        else:
            for start, end in fixed:
                spans.append(TimeSpan(days=days, windows=windows, date_from=start, date_to=end, designated=designated))
            if yearly:
                spans.append(
                    TimeSpan(days=days, windows=windows, yearly=tuple(dict.fromkeys(yearly)), designated=designated)
                )
    spans = list(dict.fromkeys(spans))
    if any(s.is_always for s in spans):
        return ()  # one span that always applies makes the others moot
    return tuple(spans)


# --- user classes, payment, priority -----------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def user_classes(raw: Any, where: str, ctx: _Context) -> tuple[frozenset[UserClass], frozenset[str], str]:
    """``userClasses`` → (classes, permit tokens, label text). Empty → everyone."""
    if raw is None or raw == []:
        return frozenset({UserClass.EVERYONE}), frozenset(), ""
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise RowError("userClasses must be a list of objects", where)
    classes: set[UserClass] = set()
    permits: set[str] = set()
    labels: list[str] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"classes": [item]}
        entry = _ci(item)
        if not isinstance(item, dict):
            raise RowError("a userClasses entry must be an object", f"{where}[{i}]")
        names = [str(n).strip() for n in _as_list(entry.get("classes", entry.get("class"))) if str(n).strip()]
        subs = [str(s).strip() for s in _as_list(entry.get("subclasses", entry.get("subclass"))) if str(s).strip()]
        dims = [f"{k} {number_text(entry[k]) or entry[k]}" for k in _DIMENSION_KEYS if entry.get(k) is not None]
        if dims:
            ctx.flags["curblr_vehicle_dimensions_not_modelled"] += 1
        if not names and not subs and not dims:
            continue  # {} means "no restriction on who"
        sub_text = f" ({', '.join(subs)})" if subs else ""
        dim_text = f" [{', '.join(dims)}]" if dims else ""
        if not names:
            classes.add(UserClass.OTHER)
            labels.append(f"{', '.join(subs) or 'vehicles'}{dim_text}")
            continue
        for name in names:
            key = _words(name)
            cls = USER_CLASS_WORDS.get(key)
            if cls is None and "police" in key:
                cls = UserClass.POLICE
            if cls is UserClass.BUS and key == "transit" and any(_words(s) in _RAIL_SUBCLASSES for s in subs):
                cls = None
            if cls is None:
                cls = UserClass.OTHER
                ctx.flags["curblr_user_class_other"] += 1
            if cls is UserClass.PERMIT:
                permits.update(normalise_permit(s) for s in subs)
            classes.add(cls)
        labels.append(f"{' / '.join(names)}{sub_text}{dim_text}")
    if not classes:
        return frozenset({UserClass.EVERYONE}), frozenset(), ""
    if UserClass.EVERYONE in classes:
        classes = {UserClass.EVERYONE}  # everyone already covers the others
    return frozenset(classes), frozenset(permits), "; ".join(labels)


def _per_hour(fee: Decimal, minutes: Decimal) -> Decimal:
    value = fee * 60 / minutes
    rounded = value.quantize(Decimal("0.01"))
    return rounded if rounded == value else value.quantize(Decimal("0.0001"))


def tariffs(raw: Any, where: str, ctx: _Context) -> tuple[tuple[Tariff, ...], bool]:
    """``payment`` object → (tariffs, whether a positive fee is named)."""
    entry = _ci(raw)
    if not entry:
        return (), False
    pairs: list[tuple[Decimal, Decimal]] = []
    for rate in _as_list(entry.get("rates")):
        rate = _ci(rate)
        if not rate:
            continue
        if rate.get("timespans"):
            ctx.flags["curblr_rate_time_spans_not_modelled"] += 1
        fees = [_decimal(f) for f in _as_list(rate.get("fees"))]
        durations = [_decimal(d) for d in _as_list(rate.get("durations"))]
        if not fees and not durations:
            continue
        if len(fees) != len(durations) or any(f is None for f in fees) or any(d is None for d in durations):
            ctx.flags["curblr_rate_shape"] += 1
        for fee, minutes in zip(fees, durations, strict=False):
            if fee is not None and minutes is not None and minutes > 0 and fee >= 0:
                pairs.append((fee, minutes))
    for key, amount_key, interval_key in (
        ("minrate", "minamount", "mininterval"),
        ("maxrate", "maxamount", "maxinterval"),
    ):
        for rate in _as_list(entry.get(key)):
            rate = _ci(rate)
            fee, minutes = _decimal(rate.get(amount_key)), _decimal(rate.get(interval_key))
            if fee is not None and minutes is not None and minutes > 0 and fee >= 0:
                pairs.append((fee, minutes))
    if not pairs:
        return (), False
    hourly = [_per_hour(fee, minutes) for fee, minutes in pairs]
    if len(set(hourly)) > 1:
        ctx.flags["curblr_rate_tiered"] += 1
    positive = any(fee > 0 for fee, _ in pairs)
    if not ctx.currency:
        ctx.flags["curblr_currency_unknown"] += 1
    return (Tariff(fuel="any", per_hour=hourly[0], currency=ctx.currency),), positive


def priority(reg: dict[str, Any], rule: dict[str, Any], where: str, ctx: _Context) -> tuple[int, str]:
    """The comparable integer priority (lower wins) and the category name to show."""
    for value, here in (
        (rule.get("prioritycategory"), f"{where}.rule.priorityCategory"),
        (reg.get("prioritycategory"), f"{where}.priorityCategory"),
        (rule.get("priority"), f"{where}.rule.priority"),
        (reg.get("priority"), f"{where}.priority"),
    ):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool):
            raise RowError(f"priority {value!r} is not a category or a number", here)
        if isinstance(value, str):
            key = _words(value)
            if key in ctx.hierarchy:
                return ctx.hierarchy[key], value.strip()
            if number_text(value) is None:
                ctx.flags["curblr_priority_unknown"] += 1
                return len(ctx.hierarchy), value.strip()
        number = _decimal(value)
        if number is None or number != number.to_integral_value():
            raise RowError(f"priority {value!r} is not a whole number", here)
        level = int(number)
        if str(level) in ctx.hierarchy:
            return ctx.hierarchy[str(level)], str(level)
        ctx.flags["curblr_priority_numeric"] += 1
        return level - 1, str(level)
    ctx.flags["curblr_priority_missing"] += 1
    return (len(ctx.hierarchy) if ctx.hierarchy else 3), ""


def _minutes(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    number = _decimal(value)
    if number is None or number != number.to_integral_value() or number <= 0:
        raise RowError(f"{where.rsplit('.', 1)[-1]} {value!r} is not a positive whole number of minutes", where)
    return int(number)


# --- categories and descriptions ---------------------------------------------------------------------------------


def rule_category(rule: Rule) -> str:
    """A canonical class for one rule: no_stopping, no_parking, no_loading, loading, paid, free, or the class."""
    if rule.activity is Activity.NO_STOPPING:
        return "no_stopping"
    if rule.activity is Activity.NO_PARKING:
        return "no_parking"
    if rule.activity is Activity.NO_LOADING:
        return "no_loading"
    for cls, name in _CATEGORY_BY_CLASS:
        if cls in rule.user_classes:
            return "loading" if rule.activity is Activity.LOAD and cls is UserClass.GOODS else name
    if UserClass.OTHER in rule.user_classes:
        return "restricted"
    if rule.activity is Activity.LOAD:
        return "loading"
    return "paid" if rule.payment else "free"


def regulation_category(rules: tuple[Rule, ...]) -> str:
    """The most common rule category; ties go to the category of the winning (lowest-priority-number) rule."""
    if not rules:
        return ""
    counts = Counter(rule_category(r) for r in rules)
    best = max(counts.values())
    for rule in sorted(rules, key=lambda r: r.priority):
        if counts[rule_category(rule)] == best:
            return rule_category(rule)
    return ""  # pragma: no cover


def _spans_text(spans: tuple[TimeSpan, ...]) -> str:
    return format_spans(spans)


def _duration_text(minutes: int) -> str:
    return format_duration(minutes)


def rule_text(rule: Rule) -> str:
    parts = [rule.label or rule.activity.value.replace("_", " ")]
    if rule.max_stay:
        parts.append(f"max {_duration_text(rule.max_stay)}")
    if rule.no_return:
        parts.append(f"no return within {_duration_text(rule.no_return)}")
    if rule.payment:
        parts.append(
            "paid "
            + " / ".join(f"{t.per_hour} {t.currency}/h" if t.currency else f"{t.per_hour}/h" for t in rule.tariffs)
            if rule.tariffs
            else "paid"
        )
    parts.append(_spans_text(rule.time_spans))
    return ", ".join(parts)


def describe(rules: tuple[Rule, ...]) -> str:
    text = "; ".join(rule_text(r) for r in rules)
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


# --- features -----------------------------------------------------------------------------------------------------


@dataclass
class _Context:
    hierarchy: dict[str, int]
    currency: str
    inclusive_ends: bool
    has_calendar: bool
    flags: Counter[str]


@dataclass
class _Place:
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


def _regulation(raw: Any, where: str, ctx: _Context) -> tuple[Rule, str]:
    reg = _ci(raw)
    if not isinstance(raw, dict):
        raise RowError("a regulation must be an object", where)
    rule = _ci(reg.get("rule"))
    if not rule:
        raise RowError("the regulation has no rule (no activity to apply)", f"{where}.rule")
    activity_raw = rule.get("activity")
    activity = ACTIVITY_WORDS.get(_words(activity_raw)) if isinstance(activity_raw, str) else None
    if activity is None:
        raise RowError(
            f"activity {activity_raw!r} is not parking, standing, loading or their 'no' forms", f"{where}.rule.activity"
        )
    rank, rank_name = priority(reg, rule, where, ctx)
    classes, permits, who = user_classes(reg.get("userclasses"), f"{where}.userClasses", ctx)
    spans = time_spans(reg.get("timespans"), f"{where}.timeSpans", ctx)
    max_stay = _minutes(rule.get("maxstay"), f"{where}.rule.maxStay")
    no_return = _minutes(rule.get("noreturn"), f"{where}.rule.noReturn")
    payment_raw = reg.get("payment")
    tariff, fee_named = tariffs(payment_raw, f"{where}.payment", ctx) if isinstance(payment_raw, dict) else ((), False)
    paid = rule.get("payment") is True or payment_raw is True or fee_named
    if activity.is_prohibition:
        paid, tariff = False, ()
    elif not paid:
        tariff = ()
    published = _words(activity_raw)
    label = published
    if rank_name and not number_text(rank_name) and _words(rank_name) != published:
        # "paid parking" says more than "parking (paid parking)"; "no standing (construction)" keeps both
        label = rank_name.strip() if published in _words(rank_name) else f"{published} ({rank_name.strip()})"
    if who:
        label += f" for {who}"
    reason = rule.get("reason")
    if isinstance(reason, str) and reason.strip() and _words(reason) not in _words(label):
        label += f" ({reason.strip()})"
    built = Rule(
        activity=activity,
        user_classes=classes,
        permits=permits,
        time_spans=spans,
        priority=rank,
        max_stay=max_stay,
        no_return=no_return,
        payment=paid,
        tariffs=tariff,
        label=label,
    )
    shown = rank_name if rank_name and not number_text(rank_name) else published
    return built, shown


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
    loc = _ci(props.get("location"))
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


def convert(path: str | Path, options: Any = None) -> Converted:
    """Convert one CurbLR file. ``options``: a :class:`loaders.base.LoadOptions` (``timezone``, ``holidays``,
    ``inclusive_ends``, ``source``); ``None`` uses defaults. Raises :class:`UsageError` when the manifest has no time
    zone and no ``--timezone`` is given, :class:`StructuralError` when the file is not a CurbLR feature collection."""
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise StructuralError(f"{path} is not a GeoJSON FeatureCollection (top level is not an object)")
    top = _ci(doc)
    features = top.get("features")
    if not isinstance(features, list):
        raise StructuralError(f"{path} is not a GeoJSON FeatureCollection (no features list)")
    return convert_document(doc, options)


def convert_document(doc: dict[str, Any], options: Any = None) -> Converted:
    """Convert an already-parsed CurbLR document (numbers parsed by :func:`read_json` keep their text)."""
    top = _ci(doc)
    features = top.get("features")
    if not isinstance(features, list):
        raise StructuralError("not a GeoJSON FeatureCollection (no features list)")
    manifest = _ci(top.get("manifest"))
    flags: Counter[str] = Counter()
    meta = _meta(manifest, options, flags)
    hierarchy: dict[str, int] = {}
    raw_hierarchy = manifest.get("priorityhierarchy")
    if isinstance(raw_hierarchy, list):
        for index, name in enumerate(raw_hierarchy):
            hierarchy.setdefault(_words(name), index)
    ctx = _Context(
        hierarchy=hierarchy,
        currency=str(manifest.get("currency") or _option(options, "currency") or "").strip().upper(),
        inclusive_ends=bool(_option(options, "inclusive_ends", False)),
        has_calendar=bool(meta.holidays),
        flags=flags,
    )
    out = Converted(meta=meta, flags=flags)
    places: dict[str, _Place] = {}
    for index, feature in enumerate(features):
        row = index + 1
        out.read += 1
        try:
            if not isinstance(feature, dict):
                raise RowError("the feature is not an object")
            feat = _ci(feature)
            props = _ci(feat.get("properties"))
            ref, attributes, length = _location(props)
            wkt, quality = _geometry(feat.get("geometry"))
            regulations = props.get("regulations")
            if isinstance(regulations, dict):
                regulations = [regulations]
            if not isinstance(regulations, list) or not regulations:
                raise RowError("the feature has no regulations", "properties.regulations")
        except RowError as bad:
            out.rejects.append(Reject(row, bad.reason, raw_json(feature), bad.field))
            continue

        good: list[tuple[Rule, str]] = []
        bad_regs: list[Reject] = []
        for i, raw in enumerate(regulations):
            where = f"regulations[{i}]"
            try:
                good.append(_regulation(raw, where, ctx))
            except RowError as bad:
                bad_regs.append(Reject(row, f"{where}: {bad.reason}", raw_json(raw), bad.field or where))
        if not good:
            reasons = "; ".join(r.reason for r in bad_regs)
            out.rejects.append(
                Reject(
                    row,
                    f"no usable regulation: {reasons}",  # counted as "no usable regulation"
                    raw_json(feature),
                    bad_regs[0].field if len(bad_regs) == 1 else "properties.regulations",
                )
            )
            continue
        out.rejected_regulations.extend(bad_regs)

        place = places.get(ref)
        if place is None:
            loc = _ci(props.get("location"))
            road = loc.get("streetname")
            spaces = loc.get("bayscount")
            place = _Place(
                row_number=row,
                ref=ref,
                geometry_wkt=wkt,
                geom_quality=quality,
                rules=[],
                names={},
                rows=[],
                attributes=attributes,
                road=road.strip() if isinstance(road, str) and road.strip() else None,
                spaces=int(spaces) if isinstance(spaces, int) and not isinstance(spaces, bool) else None,
                length_m=round(length, 2) if length is not None else None,
            )
            places[ref] = place
        else:
            if "merged_features" not in place.flags:
                place.flags.append("merged_features")
            if (
                wkt != place.geometry_wkt
                and shapely.from_wkt(wkt).hausdorff_distance(shapely.from_wkt(place.geometry_wkt))
                > MERGE_TOLERANCE_DEGREES
            ):
                flags["curblr_merged_geometry_differs"] += 1
            asset = attributes.get("asset_type")
            if asset is not None:
                assets = place.attributes.setdefault("asset_types", [place.attributes.get("asset_type")])
                if asset not in assets:
                    assets.append(asset)
        place.rows.append(row)
        for rule, name in good:
            if rule in place.rules:
                flags["curblr_duplicate_rule_dropped"] += 1
                continue
            place.rules.append(rule)
            place.names[rule] = name

    for place in places.values():
        rules = tuple(sorted(place.rules, key=lambda r: r.priority))
        regulation = Regulation(rules=rules, category=regulation_category(rules), description=describe(rules))
        place.attributes["source_rows"] = place.rows
        out.places.append(
            PlaceRecord(
                row_number=place.row_number,
                ref=place.ref,
                regulation=regulation,
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
        )
    return out


__all__ = [
    "ACTIVITY_WORDS",
    "USER_CLASS_WORDS",
    "convert",
    "convert_document",
    "describe",
    "number_text",
    "read_json",
    "regulation_category",
    "rule_category",
]
