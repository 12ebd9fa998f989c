"""A place's status for one driver over time: piecewise constant between the ends of its rules' intervals.

The stretches of constant status give the timeline, ``until``, ``allowed_from`` and the next changes without
sampling. Stretches are memoised per regulation, kind of driver and local days, so bays sharing a regulation share
the work; every cached value is immutable or never mutated.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .applicability import applies, winner_key
from .calendar import HolidayCalendar
from .clock import MINUTE, day_start, from_us, instant_us, local_date, local_us, localize, to_us
from .intervals import Interval, clip, covers, merge, rule_intervals
from .model import Authority, Driver, Place, Rule

# Status of a stretch of time: (allowed, payment_required, max_stay, winning rule index or -1, suspended)
Status = tuple[bool, bool, int | None, int, bool]
Stretch = tuple[int, int, Status]
_FREE: Status = (True, False, None, -1, False)
_NOBODY: Status = (False, False, None, -1, False)
_SUSPENDED: Status = (False, False, None, -1, True)


@dataclass
class Run:
    """The internal timeline of one place for one driver: merged stretches over [lo, hi)."""

    lo: int
    hi: int
    stretches: list[Stretch]
    in_effect_at_lo: tuple[int, ...]
    applies: list[bool]
    suspension_at_lo: int  # index into place.suspensions, or -1
    changes: tuple[Change, ...]  # where may-park or must-pay changes after ``lo``, before ``hi``


def run(place: Place, driver: Driver, lo: int, hi: int, authority: Authority) -> Run:
    """The stretches of ``place``'s status for ``driver`` over [lo, hi)."""
    tz = authority.timezone
    calendar = HolidayCalendar.of(authority)
    rules = place.regulation.rules
    first = local_date(lo, tz) - timedelta(days=1)  # an overnight window from the day before may cover ``lo``
    last = local_date(hi, tz)
    applicable = _applicable(rules, driver)
    suspensions = tuple((instant_us(s.start, tz), instant_us(s.end, tz)) for s in place.suspensions)
    compiled = _stretches(rules, applicable, suspensions, first, last, tz, calendar)
    starts, stretches = compiled.starts, compiled.stretches

    k = bisect.bisect_right(starts, lo) - 1  # the stretch holding ``lo``
    m = bisect.bisect_left(starts, hi, k + 1)  # the first stretch starting at or after ``hi``
    clipped = stretches[k:m]
    a, b, status = clipped[0]
    clipped[0] = (lo, min(b, hi), status)
    if len(clipped) > 1:
        a, b, status = clipped[-1]
        clipped[-1] = (a, min(b, hi), status)
    # The changes of the clipped stretches are the compiled ones between stretch k and stretch m.
    at = compiled.change_index
    changed = compiled.changes[bisect.bisect_right(at, k) : bisect.bisect_left(at, m)]
    in_effect_at_lo = tuple(i for i, intervals in enumerate(compiled.per_rule) if covers(intervals, lo))
    suspension_at_lo = next((n for n, (a, b) in enumerate(suspensions) if a <= lo < b), -1)
    return Run(lo, hi, clipped, in_effect_at_lo, list(applicable), suspension_at_lo, changed)


@lru_cache(maxsize=4_096)
def _applicable(rules: tuple[Rule, ...], driver: Driver) -> tuple[bool, ...]:
    """Which of a regulation's rules concern the driver (the same for every instant asked)."""
    return tuple(applies(r, driver) for r in rules)


@dataclass(frozen=True)
class Compiled:
    """One regulation's status for one kind of driver over some local days, compiled once: each rule's intervals,
    the merged stretches (and their starts, for bisecting an instant into them) and the changes between stretches
    (``changes[n]`` at the start of stretch ``change_index[n]``), so that an instant only looks itself up."""

    per_rule: list[tuple[Interval, ...]]
    starts: list[int]
    stretches: list[Stretch]
    change_index: list[int]
    changes: tuple[Change, ...]


@lru_cache(maxsize=8_192)
def _stretches(
    rules: tuple[Rule, ...],
    applicable: tuple[bool, ...],
    suspensions: tuple[Interval, ...],
    first: date,
    last: date,
    tz: str,
    calendar: HolidayCalendar,
) -> Compiled:
    """The merged status stretches of one regulation for one kind of driver over local days ``first``..``last``
    (plus the overnight tail of ``last``): shared by every evaluation within those days."""
    lo = day_start(tz, first)[0]
    hi = local_us(tz, last + timedelta(days=2), 0)
    per_rule = [tuple(clip(rule_intervals(r.time_spans, first, last, tz, calendar), lo, hi)) for r in rules]
    suspended_at = merge([(max(a, lo), min(b, hi)) for a, b in suspensions if a < hi and b > lo])

    points = {lo, hi}
    for intervals in (*per_rule, suspended_at):
        for a, b in intervals:
            points.add(a)
            points.add(b)
    ordered = sorted(points)

    cursors = [0] * len(rules)
    s_cursor = 0
    decided: dict[tuple[tuple[int, ...], bool], Status] = {}
    stretches: list[Stretch] = []
    for a, b in itertools.pairwise(ordered):
        in_effect = []
        for i, intervals in enumerate(per_rule):
            k = cursors[i]
            while k < len(intervals) and intervals[k][1] <= a:
                k += 1
            cursors[i] = k
            if k < len(intervals) and intervals[k][0] <= a:
                in_effect.append(i)
        while s_cursor < len(suspended_at) and suspended_at[s_cursor][1] <= a:
            s_cursor += 1
        suspended = s_cursor < len(suspended_at) and suspended_at[s_cursor][0] <= a
        key = (tuple(in_effect), suspended)
        status = decided.get(key)
        if status is None:
            status = decided[key] = _decide(rules, applicable, key[0], suspended)
        if stretches and stretches[-1][2] == status:
            stretches[-1] = (stretches[-1][0], b, status)
        else:
            stretches.append((a, b, status))
    zone = ZoneInfo(tz)
    change_index = [j for j in range(1, len(stretches)) if stretches[j][2][:2] != stretches[j - 1][2][:2]]
    changed = tuple(
        Change(at=from_us(stretches[j][0], zone), can_park=stretches[j][2][0], payment_required=stretches[j][2][1])
        for j in change_index
    )
    return Compiled(per_rule, [a for a, _b, _s in stretches], stretches, change_index, changed)


def _decide(rules: Sequence[Rule], applicable: Sequence[bool], in_effect: tuple[int, ...], suspended: bool) -> Status:
    """The precedence written in ``model.py``: a suspension, then the winning applicable rule in effect."""
    if suspended:
        return _SUSPENDED
    if not in_effect:
        return _FREE
    candidates = [i for i in in_effect if applicable[i]]
    if not candidates:
        return _NOBODY  # rules are in effect but none is for this driver: a positive rule excludes everyone else
    w = min(candidates, key=lambda i: winner_key(rules[i], i))
    rule = rules[w]
    if rule.activity.is_prohibition:
        return (False, False, None, w, False)
    return (True, rule.payment, rule.max_stay, w, False)


def until(stretches: Sequence[Stretch]) -> int | None:
    """The first instant the driver must have left: no longer allowed, or the max stay of a period runs out."""
    anchor: int | None = None
    for a, b, (allowed, _pay, max_stay, _w, _s) in stretches:
        if not allowed:
            return a
        if max_stay is None:
            anchor = None  # the controlled period ended: a later period starts a new count
            continue
        if anchor is None:
            anchor = a
        deadline = max(a, anchor + max_stay * MINUTE)
        if deadline < b:
            return deadline
    return None


def allowed_from(stretches: Sequence[Stretch]) -> int | None:
    """The start of the first stretch the driver is allowed in."""
    for a, _b, status in stretches:
        if status[0]:
            return a
    return None


@dataclass(frozen=True)
class Segment:
    """A stretch of time with constant status for one driver."""

    start: datetime
    end: datetime
    allowed: bool
    payment_required: bool
    max_stay: int | None
    rule: Rule | None
    suspended: bool


@dataclass(frozen=True)
class Change:
    """An instant where whether the driver may park, or must pay, changes."""

    at: datetime
    can_park: bool
    payment_required: bool


def timeline(place: Place, driver: Driver, start: datetime, end: datetime, authority: Authority) -> list[Segment]:
    """The driver's piecewise-constant status at ``place`` over [start, end), adjacent equal stretches merged."""
    tz = authority.timezone
    zone = ZoneInfo(tz)
    lo, hi = to_us(localize(start, tz)), to_us(localize(end, tz))
    if hi <= lo:
        return []
    rules = place.regulation.rules
    return [
        Segment(
            start=from_us(a, zone),
            end=from_us(b, zone),
            allowed=allowed,
            payment_required=pay,
            max_stay=max_stay,
            rule=rules[w] if w >= 0 else None,
            suspended=suspended,
        )
        for a, b, (allowed, pay, max_stay, w, suspended) in run(place, driver, lo, hi, authority).stretches
    ]


def clear_caches() -> None:
    _stretches.cache_clear()
    _applicable.cache_clear()
