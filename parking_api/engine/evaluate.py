"""The pure evaluator: "can I park here now, until when, and what does it cost?"

Everything is computed in the authority's IANA zone. Each rule's time spans are expanded, per *local* day over the
horizon, into a merged list of UTC intervals; the place's status is then piecewise constant between interval ends,
which gives the timeline, ``until``, ``allowed_from`` and the next changes without sampling. Precedence is the one
written in ``model.py``.

Thousands of bays share a few regulations, so interval lists, status stretches (per regulation, kind of driver and
local days) and whole answers (per regulation, suspensions, driver and instant) are memoised in bounded LRU caches;
every cached value is immutable or never mutated. :func:`clear_caches` empties them.

Local clock readings that do not exist (the spring gap) map to the first instant after the gap; repeated readings
(the autumn fold) take their first occurrence. Instants are held internally as integer microseconds since the epoch.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from .calendar import HolidayCalendar
from .model import (
    Activity,
    Authority,
    Badge,
    Driver,
    Fuel,
    HolidayMode,
    Place,
    Rule,
    Tariff,
    TimeSpan,
    UserClass,
    Vehicle,
    normalise_permit,
)
from .parse import format_duration, format_spans

_format_spans = lru_cache(maxsize=4_096)(format_spans)


class NonexistentLocalTime(ValueError):
    """A naive local time that the clocks skip (the spring-forward gap)."""


_US = 1_000_000
_MINUTE = 60 * _US
_DAY = 86_400 * _US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ALWAYS = ((-(1 << 62), 1 << 62),)
_PENNY = Decimal("0.01")
_INF = float("inf")


# --- instants and local time -----------------------------------------------------------------------------------


def _to_us(dt: datetime) -> int:
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _from_us(us: int, zone: ZoneInfo) -> datetime:
    seconds, micro = divmod(us, _US)
    if micro == 0:  # window boundaries: the C fast path
        return datetime.fromtimestamp(seconds, zone)
    return (_EPOCH + timedelta(microseconds=us)).astimezone(zone)


def _resolve_wall(wall: datetime, zone: ZoneInfo) -> int:
    """A naive local reading as an instant: first occurrence in a fold, first instant after the gap in a gap."""
    us = _to_us(wall.replace(tzinfo=zone, fold=0))
    if _from_us(us, zone).replace(tzinfo=None) == wall:
        return us
    other = _to_us(wall.replace(tzinfo=zone, fold=1))
    lo, hi = sorted((us, other))
    after = _from_us(hi, zone).utcoffset()
    lo_s, hi_s = lo // _US, hi // _US
    while hi_s - lo_s > 1:  # the transition lies in (lo, hi]: bisect on whole seconds
        mid = (lo_s + hi_s) // 2
        if _from_us(mid * _US, zone).utcoffset() == after:
            hi_s = mid
        else:
            lo_s = mid
    return hi_s * _US


def localize(at: datetime, tz: str) -> datetime:
    """``at`` in the zone ``tz``: an aware datetime is converted; a naive one is read as local wall time (first
    occurrence in the autumn fold). Raises :class:`NonexistentLocalTime` for a naive time in the spring gap."""
    zone = ZoneInfo(tz)
    if at.tzinfo is not None and at.utcoffset() is not None:
        return at.astimezone(zone)
    wall = at.replace(tzinfo=None)
    local = wall.replace(tzinfo=zone, fold=0)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise NonexistentLocalTime(f"{wall.isoformat()} does not exist in {tz}: the clocks go forward then")
    return local


@lru_cache(maxsize=16_384)
def _day_start(tz: str, day: date) -> tuple[int, bool]:
    """Local midnight of ``day`` as an instant, and whether the day is a plain 24 hours (no clock change)."""
    zone = ZoneInfo(tz)
    start = _resolve_wall(datetime.combine(day, time()), zone)
    end = _resolve_wall(datetime.combine(day + timedelta(days=1), time()), zone)
    return start, end - start == _DAY


def _local_us(tz: str, day: date, minute: int) -> int:
    start, plain = _day_start(tz, day)
    if plain:
        return start + minute * _MINUTE
    return _resolve_wall(datetime.combine(day, time()) + timedelta(minutes=minute), ZoneInfo(tz))


def _local_date(us: int, tz: str) -> date:
    return _from_us(us, ZoneInfo(tz)).date()


# --- when rules are in effect ----------------------------------------------------------------------------------


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
def _span_day_intervals(span: TimeSpan, day: date, tz: str, calendar: HolidayCalendar) -> tuple[tuple[int, int], ...]:
    if not _span_on_day(span, day, calendar):
        return ()
    out = []
    for start, end in span.windows:
        a = _local_us(tz, day, start)
        b = _local_us(tz, day, end) if end > start else _local_us(tz, day + timedelta(days=1), end)
        if b > a:
            out.append((a, b))
    return tuple(out)


def _merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
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
def _rule_intervals(
    spans: tuple[TimeSpan, ...], first: date, last: date, tz: str, calendar: HolidayCalendar
) -> tuple[tuple[int, int], ...]:
    """When a rule is in effect, for windows starting on local days ``first``..``last``."""
    if not spans:
        return _ALWAYS
    out: list[tuple[int, int]] = []
    day = first
    while day <= last:
        for span in spans:
            out.extend(_span_day_intervals(span, day, tz, calendar))
        day += timedelta(days=1)
    return _merge(out)


def _clip(intervals: Sequence[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    k = bisect.bisect_right(intervals, (lo, 1 << 63)) - 1
    k = max(k, 0)
    out = []
    for a, b in intervals[k:]:
        if a >= hi:
            break
        if b > lo:
            out.append((max(a, lo), min(b, hi)))
    return out


# --- who and what a rule applies to ----------------------------------------------------------------------------

_PARK_RELEVANT = frozenset({Activity.PARK, Activity.NO_PARKING, Activity.NO_STOPPING})
_LOAD_RELEVANT = frozenset({Activity.LOAD, Activity.PARK, Activity.NO_LOADING, Activity.NO_STOPPING})


@lru_cache(maxsize=4_096)
def _norm_permits(permits: frozenset[str]) -> frozenset[str]:
    return frozenset(normalise_permit(p) for p in permits)


def _class_matches(cls: UserClass, rule: Rule, driver: Driver) -> bool:
    if cls is UserClass.EVERYONE:
        return True
    if cls is UserClass.PERMIT:
        return bool(driver.permits) and (not rule.permits or bool(_norm_permits(rule.permits) & driver.permits))
    if cls is UserClass.BLUE_BADGE:
        return driver.badge in (Badge.BLUE, Badge.GREEN)
    if cls is UserClass.GREEN_BADGE:
        return driver.badge is Badge.GREEN
    if cls is UserClass.MOTORCYCLE:
        return driver.vehicle is Vehicle.MOTORCYCLE
    if cls is UserClass.GOODS:
        return driver.vehicle is Vehicle.GOODS
    if cls is UserClass.BUS:
        return driver.vehicle is Vehicle.BUS
    if cls is UserClass.TAXI:
        return driver.vehicle is Vehicle.TAXI
    if cls is UserClass.ELECTRIC:
        return driver.fuel is Fuel.ELECTRIC
    if cls is UserClass.TRADER:
        return "TRADER" in driver.permits
    if cls is UserClass.BUSINESS:
        return "BUSA" in driver.permits
    return False  # classes no driver profile can express (car club, doctor, police, …)


def _activity_relevant(rule: Rule, driver: Driver) -> bool:
    relevant = _LOAD_RELEVANT if driver.activity is Activity.LOAD else _PARK_RELEVANT
    return rule.activity in relevant


def _applies(rule: Rule, driver: Driver) -> bool:
    return _activity_relevant(rule, driver) and any(_class_matches(c, rule, driver) for c in rule.user_classes)


def _winner_key(rule: Rule, index: int) -> tuple[int, int, float, int, int]:
    return (
        rule.priority,
        0 if rule.activity.is_prohibition else 1,
        rule.max_stay if rule.max_stay is not None else _INF,
        0 if rule.payment else 1,
        index,
    )


# --- the timeline ----------------------------------------------------------------------------------------------

# Status of a stretch of time: (allowed, payment_required, max_stay, winning rule index or -1, suspended)
_Status = tuple[bool, bool, int | None, int, bool]
_FREE: _Status = (True, False, None, -1, False)
_NOBODY: _Status = (False, False, None, -1, False)
_SUSPENDED: _Status = (False, False, None, -1, True)


@dataclass
class _Run:
    """The internal timeline of one place for one driver: merged stretches over [lo, hi)."""

    lo: int
    hi: int
    stretches: list[tuple[int, int, _Status]]
    in_effect_at_lo: tuple[int, ...]
    applies: list[bool]
    suspension_at_lo: int  # index into place.suspensions, or -1


def _suspension_us(value: datetime, tz: str) -> int:
    if value.tzinfo is not None and value.utcoffset() is not None:
        return _to_us(value)
    return _resolve_wall(value.replace(tzinfo=None), ZoneInfo(tz))


def _run(place: Place, driver: Driver, lo: int, hi: int, authority: Authority) -> _Run:
    tz = authority.timezone
    calendar = HolidayCalendar.of(authority)
    rules = place.regulation.rules
    first = _local_date(lo, tz) - timedelta(days=1)  # an overnight window from the day before may cover ``lo``
    last = _local_date(hi, tz)
    applies = tuple(_applies(r, driver) for r in rules)
    suspensions = tuple((_suspension_us(s.start, tz), _suspension_us(s.end, tz)) for s in place.suspensions)
    per_rule, starts, stretches = _stretches(rules, applies, suspensions, first, last, tz, calendar)

    k = bisect.bisect_right(starts, lo) - 1  # the stretch holding ``lo``
    clipped = []
    for a, b, status in stretches[k:]:
        if a >= hi:
            break
        clipped.append((max(a, lo), min(b, hi), status))
    in_effect_at_lo = tuple(i for i, intervals in enumerate(per_rule) if _covers(intervals, lo))
    suspension_at_lo = next((n for n, (a, b) in enumerate(suspensions) if a <= lo < b), -1)
    return _Run(lo, hi, clipped, in_effect_at_lo, list(applies), suspension_at_lo)


def _covers(intervals: Sequence[tuple[int, int]], instant: int) -> bool:
    k = bisect.bisect_right(intervals, (instant, 1 << 63)) - 1
    return k >= 0 and intervals[k][0] <= instant < intervals[k][1]


@lru_cache(maxsize=8_192)
def _stretches(
    rules: tuple[Rule, ...],
    applies: tuple[bool, ...],
    suspensions: tuple[tuple[int, int], ...],
    first: date,
    last: date,
    tz: str,
    calendar: HolidayCalendar,
) -> tuple[list[tuple[tuple[int, int], ...]], list[int], list[tuple[int, int, _Status]]]:
    """The merged status stretches of one regulation for one kind of driver over local days ``first``..``last``
    (plus the overnight tail of ``last``): shared by every evaluation within those days."""
    lo = _day_start(tz, first)[0]
    hi = _local_us(tz, last + timedelta(days=2), 0)
    per_rule = [tuple(_clip(_rule_intervals(r.time_spans, first, last, tz, calendar), lo, hi)) for r in rules]
    suspended_at = _merge([(max(a, lo), min(b, hi)) for a, b in suspensions if a < hi and b > lo])

    points = {lo, hi}
    for intervals in (*per_rule, suspended_at):
        for a, b in intervals:
            points.add(a)
            points.add(b)
    ordered = sorted(points)

    cursors = [0] * len(rules)
    s_cursor = 0
    decided: dict[tuple[tuple[int, ...], bool], _Status] = {}
    stretches: list[tuple[int, int, _Status]] = []
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
            status = decided[key] = _decide(rules, applies, key[0], suspended)
        if stretches and stretches[-1][2] == status:
            stretches[-1] = (stretches[-1][0], b, status)
        else:
            stretches.append((a, b, status))
    return per_rule, [a for a, _b, _s in stretches], stretches


def _decide(rules: Sequence[Rule], applies: Sequence[bool], in_effect: tuple[int, ...], suspended: bool) -> _Status:
    if suspended:
        return _SUSPENDED
    if not in_effect:
        return _FREE
    candidates = [i for i in in_effect if applies[i]]
    if not candidates:
        return _NOBODY  # rules are in effect but none is for this driver: a positive rule excludes everyone else
    w = min(candidates, key=lambda i: _winner_key(rules[i], i))
    rule = rules[w]
    if rule.activity.is_prohibition:
        return (False, False, None, w, False)
    return (True, rule.payment, rule.max_stay, w, False)


def _until(run: _Run) -> int | None:
    """The first instant the driver must have left: no longer allowed, or the max stay of a period runs out."""
    anchor: int | None = None
    for a, b, (allowed, _pay, max_stay, _w, _s) in run.stretches:
        if not allowed:
            return a
        if max_stay is None:
            anchor = None  # the controlled period ended: a later period starts a new count
            continue
        if anchor is None:
            anchor = a
        deadline = max(a, anchor + max_stay * _MINUTE)
        if deadline < b:
            return deadline
    return None


def _allowed_from(run: _Run) -> int | None:
    for a, _b, status in run.stretches:
        if status[0]:
            return a
    return None


# --- public API ------------------------------------------------------------------------------------------------


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
    at: datetime
    can_park: bool
    payment_required: bool


@dataclass(frozen=True)
class TraceEntry:
    """How one rule (or a suspension) was considered at the asked instant."""

    rule: str
    priority: int
    in_effect: bool
    applies: bool
    won: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "priority": self.priority,
            "in_effect": self.in_effect,
            "applies": self.applies,
            "won": self.won,
            "note": self.note,
        }


@dataclass(frozen=True)
class Answer:
    """The answer for one driver at one place and instant. Datetimes are in the authority's zone (``ZoneInfo``), so
    each carries its own local offset; compare them by instant (``timestamp()``) across zones, since PEP 495 makes a
    ``fold=1`` time unequal to every time in another zone. ``caveats`` (an addition) lists what the data cannot tell.
    """

    can_park: bool
    until: datetime | None
    allowed_from: datetime | None
    at: datetime
    reason: str
    trace: tuple[TraceEntry, ...]
    max_stay: int | None
    stay_ok: bool | None
    payment_required_now: bool
    pay_until: datetime | None
    tariffs: tuple[Tariff, ...]
    price: Decimal | None
    next_changes: tuple[Change, ...]
    suspended: bool
    category: str
    caveats: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: ISO 8601 datetimes with their offsets, prices as strings."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "can_park": self.can_park,
            "until": iso(self.until),
            "allowed_from": iso(self.allowed_from),
            "at": iso(self.at),
            "reason": self.reason,
            "trace": [t.to_dict() for t in self.trace],
            "max_stay": self.max_stay,
            "stay_ok": self.stay_ok,
            "payment_required_now": self.payment_required_now,
            "pay_until": iso(self.pay_until),
            "tariffs": [{"fuel": t.fuel, "per_hour": str(t.per_hour), "currency": t.currency} for t in self.tariffs],
            "price": str(self.price) if self.price is not None else None,
            "next_changes": [
                {"at": c.at.isoformat(), "can_park": c.can_park, "payment_required": c.payment_required}
                for c in self.next_changes
            ],
            "suspended": self.suspended,
            "category": self.category,
            "caveats": list(self.caveats),
        }


def timeline(place: Place, driver: Driver, start: datetime, end: datetime, authority: Authority) -> list[Segment]:
    """The driver's piecewise-constant status at ``place`` over [start, end), adjacent equal stretches merged."""
    tz = authority.timezone
    zone = ZoneInfo(tz)
    lo, hi = _to_us(localize(start, tz)), _to_us(localize(end, tz))
    if hi <= lo:
        return []
    run = _run(place, driver, lo, hi, authority)
    rules = place.regulation.rules
    return [
        Segment(
            start=_from_us(a, zone),
            end=_from_us(b, zone),
            allowed=allowed,
            payment_required=pay,
            max_stay=max_stay,
            rule=rules[w] if w >= 0 else None,
            suspended=suspended,
        )
        for a, b, (allowed, pay, max_stay, w, suspended) in run.stretches
    ]


_FUEL_TARIFFS = {
    Fuel.PETROL: ("petrol", "non-diesel", "any"),
    Fuel.ELECTRIC: ("electric", "non-diesel", "any"),
    Fuel.DIESEL: ("diesel", "any"),
    None: ("any",),
}


def tariff_for(tariffs: Sequence[Tariff], fuel: Fuel | None) -> Tariff | None:
    """The tariff a driver pays: petrol and electric pay "non-diesel" (or their own label), diesel "diesel"; a single
    "any" tariff applies to everyone; without a fuel only an "any" tariff can be chosen."""
    by_label = {t.fuel.strip().lower(): t for t in tariffs}
    for label in _FUEL_TARIFFS[fuel]:
        if label in by_label:
            return by_label[label]
    return None


def _price(run: _Run, rules: Sequence[Rule], lo: int, hi: int, fuel: Fuel | None) -> Decimal | None:
    total = Decimal(0)
    for a, b, (_allowed, pay, _ms, w, _s) in run.stretches:
        if not pay or b <= lo or a >= hi:
            continue
        tariff = tariff_for(rules[w].tariffs, fuel)
        if tariff is None:
            return None
        total += tariff.per_hour * Decimal(min(b, hi) - max(a, lo)) / Decimal(3600 * _US)
    return total.quantize(_PENNY, rounding=ROUND_HALF_UP)


def _tariffs(run: _Run, rules: Sequence[Rule], paying_now: int) -> tuple[Tariff, ...]:
    """The tariffs the driver pays: the winning rule's when paying now, else those of the next paid stretch within
    the horizon (a paid bay before its hours still shows its rates, which price the stay's charged minutes)."""
    if paying_now >= 0:
        return rules[paying_now].tariffs
    for _a, _b, (_allowed, pay, _ms, w, _s) in run.stretches:
        if pay and w >= 0:
            return rules[w].tariffs
    return ()


def evaluate(
    place: Place,
    driver: Driver,
    at: datetime,
    authority: Authority,
    *,
    stay: int | None = None,
    horizon: timedelta | None = None,
) -> Answer:
    """Answer whether ``driver`` may park (or load) at ``place`` at ``at``, until when, and at what price.

    ``stay`` is a planned stay in minutes (checked against ``until`` and priced); ``horizon`` bounds the look-ahead
    (default ``authority.horizon_days``). Raises :class:`NonexistentLocalTime` for a naive ``at`` in the spring gap.
    """
    local_at = localize(at, authority.timezone)
    horizon = horizon if horizon is not None else timedelta(days=authority.horizon_days)
    if horizon <= timedelta(0):
        raise ValueError(f"horizon must be positive, got {horizon!r}")
    if stay is not None and stay < 0:
        raise ValueError(f"stay must not be negative, got {stay!r}")
    lo = _to_us(local_at)
    hi = lo + horizon // timedelta(microseconds=1)
    # An answer depends on the place only through these fields: bays sharing a regulation share the work.
    key = Place(source="", ref="", kind=place.kind, regulation=place.regulation, suspensions=place.suspensions,
                zone=place.zone)  # fmt: skip
    return _evaluate(key, driver, lo, hi, stay, authority)


@lru_cache(maxsize=4_096)
def _evaluate(place: Place, driver: Driver, lo: int, hi: int, stay: int | None, authority: Authority) -> Answer:
    zone = ZoneInfo(authority.timezone)
    local_at = _from_us(lo, zone)
    run = _run(place, driver, lo, hi, authority)
    rules = place.regulation.rules
    allowed, pay_now, max_stay, winner, suspended = run.stretches[0][2]

    until_us = _until(run) if allowed else None
    from_us = None if allowed else _allowed_from(run)

    pay_end: int | None = None
    if pay_now:
        for a, b, status in run.stretches:
            if not status[1]:
                pay_end = a
                break
            pay_end = b if b < hi else None
    pay_until_us = pay_end
    if pay_now and until_us is not None and (pay_until_us is None or until_us < pay_until_us):
        pay_until_us = until_us

    stay_ok = None
    if stay is not None:
        stay_ok = allowed and (until_us is None or lo + stay * _MINUTE <= until_us)

    price: Decimal | None = None
    if allowed:
        if stay is not None:
            stay_end: int | None = lo + stay * _MINUTE
            if until_us is not None:
                stay_end = min(stay_end, until_us)  # nobody can pay for time past the max stay
        else:
            stay_end = until_us if until_us is not None else pay_until_us
        if stay_end is not None:
            price = _price(run, rules, lo, min(stay_end, hi), driver.fuel)
        elif not any(status[1] for _a, _b, status in run.stretches):
            price = Decimal("0.00")

    changes = []
    previous = (allowed, pay_now)
    for a, _b, status in run.stretches[1:]:
        current = (status[0], status[1])
        if current != previous:
            changes.append(Change(at=_from_us(a, zone), can_park=current[0], payment_required=current[1]))
            previous = current

    trace = _trace(place, run, winner, suspended, local_at.date(), authority)
    holiday = None if suspended or run.in_effect_at_lo else _holiday_lifts(place, lo, authority)
    reason = _reason(place, driver, run, local_at, until_us, from_us, pay_end, zone, holiday)
    caveats: tuple[str, ...] = ()
    if place.kind == "zone_default":
        caveats = (
            "This is the zone's controlled hours on a single yellow line, not a marked bay: a sign or kerb marking "
            "on the street takes precedence.",
            "No loading-ban data is held: loading is shown as allowed; check for loading-ban kerb marks.",
        )
    return Answer(
        can_park=allowed,
        until=_from_us(until_us, zone) if until_us is not None else None,
        allowed_from=_from_us(from_us, zone) if from_us is not None else None,
        at=local_at,
        reason=reason,
        trace=trace,
        max_stay=max_stay if allowed else None,
        stay_ok=stay_ok,
        payment_required_now=pay_now,
        pay_until=_from_us(pay_until_us, zone) if pay_until_us is not None else None,
        tariffs=_tariffs(run, rules, winner if pay_now else -1),
        price=price,
        next_changes=tuple(changes),
        suspended=suspended,
        category=place.regulation.category,
        caveats=caveats,
    )


def clear_caches() -> None:
    """Forget every memoised interval list and answer (for benchmarks, or after a process loads new regulations)."""
    for cached in (_evaluate, _stretches, _rule_intervals, _span_day_intervals, _day_start, _norm_permits,
                   _format_spans):  # fmt: skip
        cached.cache_clear()


# --- explanation -----------------------------------------------------------------------------------------------


def rule_label(rule: Rule) -> str:
    """The rule's label, or a generated one such as "park: permit (CA-B)"."""
    if rule.label:
        return rule.label
    classes = ", ".join(sorted(c.value for c in rule.user_classes))
    permits = f" ({', '.join(sorted(rule.permits))})" if rule.permits else ""
    return f"{rule.activity.value}: {classes}{permits}"


def _trace(
    place: Place, run: _Run, winner: int, suspended: bool, today: date, authority: Authority
) -> tuple[TraceEntry, ...]:
    calendar = HolidayCalendar.of(authority)
    entries = []
    if suspended:
        s = place.suspensions[run.suspension_at_lo] if run.suspension_at_lo >= 0 else None
        entries.append(TraceEntry("suspension", 0, True, True, True, s.reason if s and s.reason else ""))
    for i, rule in enumerate(place.regulation.rules):
        notes = []
        for span in rule.time_spans:
            for name, mode in span.designated:
                if not calendar.knows_period(name, today.year):
                    effect = "never in effect" if mode == "only" else "ignored"
                    notes.append(f"unknown designated period {name!r} ({mode}): {effect}")
        entries.append(
            TraceEntry(
                rule=rule_label(rule),
                priority=rule.priority,
                in_effect=i in run.in_effect_at_lo,
                applies=run.applies[i],
                won=(i == winner and not suspended),
                note="; ".join(notes),
            )
        )
    return tuple(entries)


_NEEDS = {
    UserClass.BLUE_BADGE: "a blue badge",
    UserClass.GREEN_BADGE: "a green badge",
    UserClass.MOTORCYCLE: "a solo motorcycle",
    UserClass.GOODS: "a goods vehicle",
    UserClass.BUS: "a bus or coach",
    UserClass.TAXI: "a taxi",
    UserClass.ELECTRIC: "an electric vehicle",
    UserClass.TRADER: "a trader permit",
    UserClass.BUSINESS: "a business permit (BUSA)",
}
_BADGES = frozenset({UserClass.BLUE_BADGE, UserClass.GREEN_BADGE})


def _need(rule: Rule) -> str | None:
    """What a driver needs to be covered by ``rule``, or None when no driver profile can be (car club, police…)."""
    needs = []
    for cls in sorted(rule.user_classes, key=lambda c: c.value):
        if cls is UserClass.PERMIT:
            permits = sorted(_norm_permits(rule.permits))
            needs.append(f"a {' or '.join(permits)} permit" if permits else "a permit")
        elif cls is UserClass.EVERYONE:
            needs.append("to be loading or unloading" if rule.activity is Activity.LOAD else "nothing")
        elif cls in _NEEDS:
            needs.append(_NEEDS[cls])
    if not needs:
        return None
    text = " or ".join(needs)
    if rule.activity is Activity.LOAD and UserClass.EVERYONE not in rule.user_classes:
        text += ", loading only"
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _also(rule: Rule) -> str:
    limit = f", up to {format_duration(rule.max_stay)}" if rule.max_stay is not None else ""
    return f" Also allowed: {_lower_first(rule_label(rule))}{limit}."


_SUBSTITUTE_LABEL = re.compile(r" \((?:observed|substitute day)\)$", re.IGNORECASE)


def _holiday_lifts(place: Place, lo: int, authority: Authority) -> str | None:
    """The words "a bank holiday (its name)" when a public holiday is what lifts the place's rules at ``lo``: some
    rule not enforced on holidays would be in effect then on an ordinary day. None otherwise."""
    tz = authority.timezone
    calendar = HolidayCalendar.of(authority)
    day = _local_date(lo, tz)
    name = calendar.name(day)
    if name is None:
        return None
    for rule in place.regulation.rules:
        spans = tuple(
            dataclasses.replace(s, holidays=HolidayMode.IGNORE)
            for s in rule.time_spans
            if s.holidays is HolidayMode.EXCEPT
        )
        if spans and _covers(_rule_intervals(spans, day - timedelta(days=1), day, tz, calendar), lo):
            kind = "bank holiday" if authority.holiday_country == "GB" else "public holiday"
            return f"a {kind} ({_SUBSTITUTE_LABEL.sub(', substitute day', name)})"
    return None


def _reason(
    place: Place,
    driver: Driver,
    run: _Run,
    local_at: datetime,
    until_us: int | None,
    from_us: int | None,
    pay_end: int | None,
    zone: ZoneInfo,
    holiday: str | None = None,
) -> str:
    rules = place.regulation.rules
    allowed, _pay_now, _max_stay, winner, suspended = run.stretches[0][2]
    verb = "load" if driver.activity is Activity.LOAD else "park"

    def when(us: int) -> str:
        moment = _from_us(us, zone)
        if moment.date() == local_at.date():
            return moment.strftime("%H:%M")
        if moment.date() - local_at.date() < timedelta(days=6):
            return moment.strftime("%a %H:%M")
        return moment.strftime("%a %d %b %H:%M")

    def hours(spans: tuple[TimeSpan, ...]) -> str:
        text = _format_spans(spans)
        return text.replace(", except bank holidays", "")

    zone_title = None
    if place.kind == "zone_default":
        zone_title = f"Single yellow line ({place.zone or 'zone'} controlled hours, not a marked bay)"
    tail = ""
    if allowed and until_us is not None:
        tail = f" You may stay until {when(until_us)}."
    elif not allowed and from_us is not None:
        tail = f" You may {verb} from {when(from_us)}."

    if suspended:
        s = place.suspensions[run.suspension_at_lo] if run.suspension_at_lo >= 0 else None
        what = "kerb" if place.kind == "zone_default" else "bay"
        return (f"This {what} is suspended: {s.reason}." if s and s.reason else f"This {what} is suspended.") + tail

    in_effect = [rules[i] for i in run.in_effect_at_lo]
    if not in_effect:
        text = "No restriction applies here now."
        if holiday and zone_title:
            text = (
                f"No restriction applies here now: it is {holiday}, when the {place.zone or 'zone'} "
                "controlled hours do not apply; this is not a marked bay."
            )
        elif holiday:
            text = f"No restriction applies here now: it is {holiday}, when this bay is not enforced."
        elif zone_title and rules:
            text = (
                f"No restriction applies here now: outside the {place.zone or 'zone'} controlled hours "
                f"({hours(rules[0].time_spans)}); this is not a marked bay."
            )
        elif zone_title:
            text = f"No restriction applies here now: {place.zone or 'the zone'} has no controlled hours."
        return text + tail

    if allowed:
        rule = rules[winner]
        limit = f", max stay {format_duration(rule.max_stay)}" if rule.max_stay is not None else ""
        no_return = f" No return within {format_duration(rule.no_return)}." if rule.no_return else ""
        if rule.payment:
            text = (f"Paid parking until {when(pay_end)}" if pay_end is not None else "Paid parking") + limit + "."
            if until_us is not None and until_us == pay_end:
                tail = ""
            return text + no_return + tail
        if zone_title:
            who = _lower_first(rule_label(rule))
            return f"{zone_title}, {hours(rule.time_spans)}: you may {verb} here ({who}){limit}.{tail}"
        return f"{rule_label(rule)}, {hours(rule.time_spans)}: you may {verb} here{limit}.{no_return}{tail}"

    if winner >= 0:  # a prohibition won
        rule = rules[winner]
        what = {Activity.NO_STOPPING: "no stopping", Activity.NO_LOADING: "no loading"}.get(rule.activity, "no parking")
        title = zone_title or rule_label(rule)
        extra = ""
        loading = [r for r in in_effect if r.activity is Activity.LOAD and UserClass.EVERYONE in r.user_classes]
        if loading and driver.activity is not Activity.LOAD:
            extra = "; loading is allowed"
        badges = [r for r in in_effect if r.user_classes <= _BADGES and not r.activity.is_prohibition]
        also = "".join(_also(r) for r in badges)
        return f"{title}, {hours(rule.time_spans)}: {what}{extra}.{also}{tail}"

    permissive = sorted((r for r in in_effect if not r.activity.is_prohibition), key=lambda r: r.priority)
    main = [r for r in permissive if not r.user_classes <= _BADGES] or permissive
    badges = [r for r in permissive if r not in main]
    title = zone_title or " / ".join(dict.fromkeys(rule_label(r) for r in main))
    needs = [n for n in (_need(r) for r in main) if n]
    verdict = f"you need {' or '.join(dict.fromkeys(needs))}" if needs else f"you may not {verb} here"
    also = "".join(_also(r) for r in badges)
    spans = main[0].time_spans if main else ()
    return f"{title}, {hours(spans)}: {verdict}.{also}{tail}"


__all__ = [
    "Answer",
    "Change",
    "NonexistentLocalTime",
    "Segment",
    "TraceEntry",
    "clear_caches",
    "evaluate",
    "localize",
    "rule_label",
    "tariff_for",
    "timeline",
]
