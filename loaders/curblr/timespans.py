"""CurbLR ``timeSpans`` → our time spans: days of the week, times of day (exclusive ends, or inclusive with
``--inclusive-ends``), yearly and full effective dates, and designated periods such as holidays."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from loaders.base import RowError
from parking_api.engine.calendar import HOLIDAY_PERIOD_NAMES
from parking_api.engine.model import ALL_DAY, ALL_DAYS, TimeSpan, Window

from .manifest import FeedContext
from .vocabulary import DAYS, lower_keys, words

_CLOCK_RE = re.compile(r"\s*(\d{1,2}):(\d{2})(?::00)?\s*")


def _clock(value: Any, where: str) -> int:
    m = _CLOCK_RE.fullmatch(value) if isinstance(value, str) else None
    if not m:
        raise RowError(f"time {value!r} is not HH:MM", where)
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise RowError(f"time {value!r} is not a time of day", where)
    return hours * 60 + minutes


def _window(raw: Any, where: str, ctx: FeedContext) -> Window:
    item = lower_keys(raw)
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
    item = lower_keys(raw) if isinstance(raw, dict) else {"days": raw}
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
        if key not in DAYS or not str(token).strip().isalpha():
            raise RowError(f"day {token!r} is not one of mo tu we th fr sa su", f"{where}.days")
        out.add(DAYS[key])
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
        entry = lower_keys(item)
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


def _designated(raw: Any, where: str, ctx: FeedContext) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise RowError("designatedPeriods must be a list", where)
    out = []
    for i, item in enumerate(raw):
        entry = lower_keys(item)
        here = f"{where}[{i}]"
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RowError("a designated period needs a name", f"{here}.name")
        apply = words(entry.get("apply", ""))
        if apply in ("only during", "only", "during"):
            mode = "only"
        elif apply in ("except during", "except", "not during"):
            mode = "except"
        else:
            raise RowError(
                f"designated period apply {entry.get('apply')!r} is not 'only during' or 'except during'",
                f"{here}.apply",
            )
        if words(name) in HOLIDAY_PERIOD_NAMES and not ctx.has_calendar:
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


def time_spans(raw: Any, where: str, ctx: FeedContext) -> tuple[TimeSpan, ...]:
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

