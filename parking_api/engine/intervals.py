"""When a rule is in effect, as sorted lists of ``(start, end)`` instants (microseconds, see ``clock.py``).

Each rule's time spans are expanded per *local* day into UTC intervals and merged; the rest of the engine only
intersects and searches these lists. Interval lists are memoised: thousands of bays share a few rules.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from .calendar import HolidayCalendar
from .clock import local_us
from .model import HolidayMode, TimeSpan

Interval = tuple[int, int]
ALWAYS: tuple[Interval, ...] = ((-(1 << 62), 1 << 62),)


def _yearly_ok(span: TimeSpan, day: date) -> bool:
    if not span.yearly:
        return True
    md = f"{day.month:02d}-{day.day:02d}"
    return any((a <= md <= b) if a <= b else (md >= a or md <= b) for a, b in span.yearly)


def _span_on_day(span: TimeSpan, day: date, calendar: HolidayCalendar) -> bool:
    """Whether windows of ``span`` start on this local day (weekday, dates, yearly ranges, holidays, periods)."""
    if day.weekday() not in span.days:
        return False
    if (span.date_from and day < span.date_from) or (span.date_to and day > span.date_to):
        return False
    if not _yearly_ok(span, day):
        return False
    if span.holidays is not HolidayMode.IGNORE:
        holiday = calendar.is_holiday(day)
        if holiday == (span.holidays is HolidayMode.EXCEPT):
            return False
    for name, mode in span.designated:
        if calendar.knows_period(name, day.year):
            if calendar.in_period(name, day) != (mode == "only"):
                return False
        elif mode == "only":
            return False  # an unknown period: "only during" it is never in effect (reported in the trace)
    return True


@lru_cache(maxsize=65_536)
def _span_day_intervals(span: TimeSpan, day: date, tz: str, calendar: HolidayCalendar) -> tuple[Interval, ...]:
    if not _span_on_day(span, day, calendar):
        return ()
    out = []
    for start, end in span.windows:
        a = local_us(tz, day, start)
        b = local_us(tz, day, end) if end > start else local_us(tz, day + timedelta(days=1), end)
        if b > a:
            out.append((a, b))
    return tuple(out)


def merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Sorted, coalesced intervals: touching intervals (``…–24:00`` then ``00:00–…``) become one period."""
    intervals.sort()
    out: list[list[int]] = []
    for a, b in intervals:
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


@lru_cache(maxsize=8_192)
def rule_intervals(
    spans: tuple[TimeSpan, ...], first: date, last: date, tz: str, calendar: HolidayCalendar
) -> tuple[Interval, ...]:
    """When a rule is in effect, for windows starting on local days ``first``..``last``."""
    if not spans:
        return ALWAYS
    out: list[Interval] = []
    day = first
    while day <= last:
        for span in spans:
            out.extend(_span_day_intervals(span, day, tz, calendar))
        day += timedelta(days=1)
    return merge(out)


def clip(intervals: Sequence[Interval], lo: int, hi: int) -> list[Interval]:
    """The parts of ``intervals`` inside [lo, hi)."""
    k = bisect.bisect_right(intervals, (lo, 1 << 63)) - 1
    k = max(k, 0)
    out = []
    for a, b in intervals[k:]:
        if a >= hi:
            break
        if b > lo:
            out.append((max(a, lo), min(b, hi)))
    return out


def covers(intervals: Sequence[Interval], instant: int) -> bool:
    k = bisect.bisect_right(intervals, (instant, 1 << 63)) - 1
    return k >= 0 and intervals[k][0] <= instant < intervals[k][1]


def clear_caches() -> None:
    for cached in (rule_intervals, _span_day_intervals):
        cached.cache_clear()
