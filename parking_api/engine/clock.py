"""Instants and local time: integer microseconds since the epoch, and the authority's wall clock.

Every interval the engine computes is a pair of integer microseconds, which compare and subtract exactly and fast.
Local clock readings that do not exist (the spring gap) map to the first instant after the gap; repeated readings
(the autumn fold) take their first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

SECOND = 1_000_000  # microseconds
MINUTE = 60 * SECOND
DAY = 86_400 * SECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class NonexistentLocalTime(ValueError):
    """A naive local time that the clocks skip (the spring-forward gap)."""


def to_us(dt: datetime) -> int:
    """An aware datetime as microseconds since the epoch."""
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * SECOND + delta.microseconds


def from_us(us: int, zone: ZoneInfo) -> datetime:
    """Microseconds since the epoch as a datetime in ``zone``."""
    seconds, micro = divmod(us, SECOND)
    if micro == 0:  # window boundaries: the C fast path
        return datetime.fromtimestamp(seconds, zone)
    return (_EPOCH + timedelta(microseconds=us)).astimezone(zone)


def resolve_wall(wall: datetime, zone: ZoneInfo) -> int:
    """A naive local reading as an instant: first occurrence in a fold, first instant after the gap in a gap."""
    us = to_us(wall.replace(tzinfo=zone, fold=0))
    if from_us(us, zone).replace(tzinfo=None) == wall:
        return us
    other = to_us(wall.replace(tzinfo=zone, fold=1))
    lo, hi = sorted((us, other))
    after = from_us(hi, zone).utcoffset()
    lo_s, hi_s = lo // SECOND, hi // SECOND
    while hi_s - lo_s > 1:  # the transition lies in (lo, hi]: bisect on whole seconds
        mid = (lo_s + hi_s) // 2
        if from_us(mid * SECOND, zone).utcoffset() == after:
            hi_s = mid
        else:
            lo_s = mid
    return hi_s * SECOND


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


def instant_us(value: datetime, tz: str) -> int:
    """An aware datetime as is, a naive one as local wall time in ``tz`` (gap and fold resolved as above)."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return to_us(value)
    return resolve_wall(value.replace(tzinfo=None), ZoneInfo(tz))


@lru_cache(maxsize=16_384)
def day_start(tz: str, day: date) -> tuple[int, bool]:
    """Local midnight of ``day`` as an instant, and whether the day is a plain 24 hours (no clock change)."""
    zone = ZoneInfo(tz)
    start = resolve_wall(datetime.combine(day, time()), zone)
    end = resolve_wall(datetime.combine(day + timedelta(days=1), time()), zone)
    return start, end - start == DAY


def local_us(tz: str, day: date, minute: int) -> int:
    """The instant of minute ``minute`` of the local ``day`` (``1440`` is the next midnight)."""
    start, plain = day_start(tz, day)
    if plain:
        return start + minute * MINUTE
    return resolve_wall(datetime.combine(day, time()) + timedelta(minutes=minute), ZoneInfo(tz))


def local_date(us: int, tz: str) -> date:
    return from_us(us, ZoneInfo(tz)).date()
