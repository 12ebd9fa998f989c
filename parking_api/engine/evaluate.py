"""The pure evaluator: "can I park here now, until when, and what does it cost?"

Everything is computed in the authority's IANA zone (``clock.py``). Each rule's time spans become merged intervals
(``intervals.py``); the place's status for the driver is piecewise constant between their ends (``timeline.py``),
which gives ``until``, ``allowed_from`` and the next changes without sampling; ``pricing.py`` prices the stay and
``explain.py`` says why. Precedence is the one written in ``model.py``.

Whole answers (per regulation, suspensions, driver and instant) are memoised in a bounded LRU cache, as are the
interval lists and stretches beneath them; every cached value is immutable. :func:`clear_caches` empties them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from . import applicability, clock, explain, intervals, timeline, wording
from .clock import MINUTE, from_us, localize, to_us
from .explain import TraceEntry, caveats, holiday_lifts, reason, trace
from .model import Authority, Driver, Place, Tariff
from .pricing import price, tariffs_shown
from .timeline import Change, Stretch, allowed_from, run, until
from .wording import Phrase, say


@dataclass(frozen=True)
class Answer:
    """The answer for one driver at one place and instant. Datetimes are in the authority's zone (``ZoneInfo``), so
    each carries its own local offset; compare them by instant (``timestamp()``) across zones, since PEP 495 makes a
    ``fold=1`` time unequal to every time in another zone. ``caveats`` (an addition) lists what the data cannot tell.
    ``reason`` is ``reason_words`` said in English; ``reason_code`` and ``reason_params`` are the same reason for code
    (``reasons.py``). ``pay_from`` is when payment becomes due again before ``until`` (a reminder's moment).
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
    reason_code: str
    reason_params: Mapping[str, object]
    reason_words: Phrase
    pay_from: datetime | None
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
            "reason_code": self.reason_code,
            "reason_params": {k: iso(v) if isinstance(v, datetime) else v for k, v in self.reason_params.items()},
            "pay_from": iso(self.pay_from),
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
    (default ``authority.horizon_days``). Raises :class:`~.clock.NonexistentLocalTime` for a naive ``at`` in the
    spring gap.
    """
    local_at = localize(at, authority.timezone)
    horizon = horizon if horizon is not None else timedelta(days=authority.horizon_days)
    if horizon <= timedelta(0):
        raise ValueError(f"horizon must be positive, got {horizon!r}")
    if stay is not None and stay < 0:
        raise ValueError(f"stay must not be negative, got {stay!r}")
    lo = to_us(local_at)
    hi = lo + horizon // timedelta(microseconds=1)
    # An answer depends on the place only through these fields: bays sharing a regulation share the work.
    key = Place(source="", ref="", kind=place.kind, regulation=place.regulation, suspensions=place.suspensions,
                zone=place.zone)  # fmt: skip
    return _evaluate(key, driver, lo, hi, stay, authority)


@lru_cache(maxsize=4_096)
def _evaluate(place: Place, driver: Driver, lo: int, hi: int, stay: int | None, authority: Authority) -> Answer:
    zone = ZoneInfo(authority.timezone)
    local_at = from_us(lo, zone)
    stretches_run = run(place, driver, lo, hi, authority)
    stretches = stretches_run.stretches
    rules = place.regulation.rules
    allowed, pay_now, max_stay, winner, suspended = stretches[0][2]

    until_us = until(stretches) if allowed else None
    from_us_ = None if allowed else allowed_from(stretches)

    pay_end: int | None = None
    if pay_now:
        for a, b, status in stretches:
            if not status[1]:
                pay_end = a
                break
            pay_end = b if b < hi else None
    pay_until_us = pay_end
    if pay_now and until_us is not None and (pay_until_us is None or until_us < pay_until_us):
        pay_until_us = until_us

    pay_from_us = _pay_from(stretches, lo, until_us) if allowed else None

    stay_ok = None
    if stay is not None and not place.regulation.unread:  # unread sign words may hide a time limit
        stay_ok = allowed and (until_us is None or lo + stay * MINUTE <= until_us)

    cost: Decimal | None = None
    if allowed:
        if stay is not None:
            stay_end: int | None = lo + stay * MINUTE
            if until_us is not None:
                stay_end = min(stay_end, until_us)  # nobody can pay for time past the max stay
        else:
            stay_end = until_us if until_us is not None else pay_until_us
        if stay_end is not None:
            cost = price(stretches, rules, lo, min(stay_end, hi), driver.fuel)
        elif not any(status[1] for _a, _b, status in stretches):
            cost = Decimal("0.00")

    holiday = None if suspended or stretches_run.in_effect_at_lo else holiday_lifts(place, lo, authority)
    said = reason(place, driver, stretches_run, local_at, until_us, from_us_, pay_end, zone, holiday, pay_from_us)
    return Answer(
        can_park=allowed,
        until=from_us(until_us, zone) if until_us is not None else None,
        allowed_from=from_us(from_us_, zone) if from_us_ is not None else None,
        at=local_at,
        reason=say(said.words),
        trace=trace(place, stretches_run, winner, suspended, local_at.year, authority),
        max_stay=max_stay if allowed else None,
        stay_ok=stay_ok,
        payment_required_now=pay_now,
        pay_until=from_us(pay_until_us, zone) if pay_until_us is not None else None,
        tariffs=tariffs_shown(stretches, rules, winner if pay_now else -1),
        price=cost,
        next_changes=stretches_run.changes,
        suspended=suspended,
        category=place.regulation.category,
        caveats=caveats(place),
        reason_code=said.code,
        reason_params=said.params,
        reason_words=said.words,
        pay_from=from_us(pay_from_us, zone) if pay_from_us is not None else None,
    )


def _pay_from(stretches: Sequence[Stretch], lo: int, until_us: int | None) -> int | None:
    """The first instant after ``lo`` (and before ``until_us``) at which payment becomes due after a time without."""
    paying = stretches[0][2][1]
    for a, _b, status in stretches:
        if until_us is not None and a >= until_us:
            return None
        if a > lo and status[1] and not paying:
            return a
        paying = status[1]
    return None


def clear_caches() -> None:
    """Forget every memoised interval list, stretch, wording and answer (for benchmarks, or after a process loads
    new regulations)."""
    _evaluate.cache_clear()
    timeline.clear_caches()
    explain.clear_caches()
    intervals.clear_caches()
    clock.day_start.cache_clear()
    applicability.normalised_permits.cache_clear()
    wording.clear_cache()


__all__ = ["Answer", "clear_caches", "evaluate"]
