"""Why: the reason a driver reads and the trace of how each rule was weighed, both said through ``wording.py``.

The reason is a few sentences: the verdict with the rule that decided it (its hours, max stay, what the driver
would need), what else is allowed (a badge concession), and until or from when. It is built as phrases (code plus
parameters), so the same reason can be said in another language; with its code and parameters
(``reasons.py``) it travels in an answer as ``reason_code`` and ``reason_params``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .applicability import normalised_permits
from .calendar import HolidayCalendar
from .clock import from_us, local_date
from .intervals import covers, rule_intervals
from .model import Activity, Authority, Driver, HolidayMode, Place, Regulation, Rule, TimeSpan, UserClass
from .reasons import Reason, code_of
from .timeline import Run, Status
from .wording import (
    NEED_CLASSES,
    Phrase,
    activity,
    duration,
    join,
    moment,
    need,
    phrase,
    rule_label,
    rule_name,
    say,
    spans,
)

_BADGES = frozenset({UserClass.BLUE_BADGE, UserClass.GREEN_BADGE})
_SUBSTITUTE_LABEL = re.compile(r" \((?:observed|substitute day)\)$", re.IGNORECASE)


@dataclass(frozen=True)
class TraceEntry:
    """How one rule (or a suspension) was considered at the asked instant."""

    rule: str
    priority: int
    in_effect: bool
    applies: bool
    won: bool
    note: str = ""

    def to_dict(self) -> dict[str, str | int | bool]:
        return {
            "rule": self.rule,
            "priority": self.priority,
            "in_effect": self.in_effect,
            "applies": self.applies,
            "won": self.won,
            "note": self.note,
        }


def trace(
    place: Place, run: Run, winner: int, suspended: bool, year: int, authority: Authority
) -> tuple[TraceEntry, ...]:
    """Each rule at the asked instant (in local ``year``): in effect, applicable to the driver, the winner; a
    suspension first."""
    s = place.suspensions[run.suspension_at_lo] if suspended and run.suspension_at_lo >= 0 else None
    why = s.reason if s and s.reason else None
    return _trace(place.regulation, run.in_effect_at_lo, tuple(run.applies), winner, suspended, why, year, authority)


@lru_cache(maxsize=4_096)
def _trace(
    regulation: Regulation,
    in_effect_at_lo: tuple[int, ...],
    applies: tuple[bool, ...],
    winner: int,
    suspended: bool,
    suspension_reason: str | None,
    year: int,
    authority: Authority,
) -> tuple[TraceEntry, ...]:
    """The trace from what it depends on (every instant with the same rules in effect shares it)."""
    calendar = HolidayCalendar.of(authority)
    entries = []
    if suspended:
        entries.append(TraceEntry("suspension", 0, True, True, True, suspension_reason or ""))
    for i, rule in enumerate(regulation.rules):
        notes = [
            phrase("trace.unknown_period", name=name, mode=mode,
                   effect=phrase("trace.never_in_effect" if mode == "only" else "trace.ignored"))
            for span in rule.time_spans
            for name, mode in span.designated
            if not calendar.knows_period(name, year)
        ]  # fmt: skip
        entries.append(
            TraceEntry(
                rule=rule_name(rule),
                priority=rule.priority,
                in_effect=i in in_effect_at_lo,
                applies=applies[i],
                won=(i == winner and not suspended),
                note=say(join("semicolon", notes)) if notes else "",
            )
        )
    return tuple(entries)


def caveats(place: Place) -> tuple[str, ...]:
    """What the data cannot tell about this place."""
    if place.regulation.unread:
        return (say(phrase("caveat.sign_unread", phrases="; ".join(place.regulation.unread))),)
    if place.kind != "zone_default":
        return ()
    return (say(phrase("caveat.zone_default")), say(phrase("caveat.no_loading_ban_data")))


def holiday_lifts(place: Place, lo: int, authority: Authority) -> Phrase | None:
    """"a bank holiday (its name)" when a public holiday is what lifts the place's rules at ``lo``: some rule not
    enforced on holidays would be in effect then on an ordinary day. None otherwise."""
    tz = authority.timezone
    calendar = HolidayCalendar.of(authority)
    day = local_date(lo, tz)
    name = calendar.name(day)
    if name is None:
        return None
    for rule in place.regulation.rules:
        ordinary = tuple(
            dataclasses.replace(s, holidays=HolidayMode.IGNORE)
            for s in rule.time_spans
            if s.holidays is HolidayMode.EXCEPT
        )
        if ordinary and covers(rule_intervals(ordinary, day - timedelta(days=1), day, tz, calendar), lo):
            kind = "holiday.bank" if authority.holiday_country == "GB" else "holiday.public"
            return phrase(kind, name=_SUBSTITUTE_LABEL.sub(", substitute day", name))
    return None


def _also(rule: Rule) -> Phrase:
    limit = phrase("limit.up_to", duration=duration(rule.max_stay)) if rule.max_stay is not None else ""
    return phrase("reason.also_allowed", label=rule_label(rule), limit=limit)


def _also_params(rules: list[Rule]) -> dict[str, object]:
    if not rules:
        return {}
    return {"also_allowed": [{"who": sorted(c.value for c in r.user_classes), "max_stay": r.max_stay} for r in rules]}


def _limits(rule: Rule) -> dict[str, object]:
    out: dict[str, object] = {}
    if rule.max_stay is not None:
        out["max_stay"] = rule.max_stay
    if rule.no_return:
        out["no_return"] = rule.no_return
    return out


def _needs(rules: list[Rule]) -> dict[str, object]:
    """What would admit the driver (``reason_params.needs`` and ``permits``), as codes: ``need`` in words."""
    needs: list[str] = []
    permits: set[str] = set()
    for rule in rules:
        classes = [c for c in sorted(rule.user_classes, key=lambda c: c.value)
                   if c is UserClass.PERMIT or c in NEED_CLASSES]  # fmt: skip
        needs.extend(c.value for c in classes)
        if UserClass.PERMIT in rule.user_classes:
            permits |= normalised_permits(rule.permits)
        if rule.activity is Activity.LOAD and (classes or UserClass.EVERYONE in rule.user_classes):
            needs.append("loading")
    out: dict[str, object] = {"needs": list(dict.fromkeys(needs))}
    if permits:
        out["permits"] = sorted(permits)
    return out


def reason(
    place: Place,
    driver: Driver,
    run: Run,
    local_at: datetime,
    until_us: int | None,
    allowed_from_us: int | None,
    pay_end: int | None,
    zone: ZoneInfo,
    holiday: Phrase | None = None,
    pay_from_us: int | None = None,
) -> Reason:
    """The reason for the answer at ``local_at``: its code, parameters and phrases (see the module docstring).
    ``pay_from_us`` is when payment becomes due (again) before ``until_us``, which the reason then says."""
    return _reason(place, driver, run.stretches[0][2], run.in_effect_at_lo, run.suspension_at_lo, local_at.date(),
                   until_us, allowed_from_us, pay_end, zone, holiday, pay_from_us)  # fmt: skip


@lru_cache(maxsize=4_096)
def _reason(
    place: Place,
    driver: Driver,
    status: Status,
    in_effect_at_lo: tuple[int, ...],
    suspension_at_lo: int,
    today: date,
    until_us: int | None,
    allowed_from_us: int | None,
    pay_end: int | None,
    zone: ZoneInfo,
    holiday: Phrase | None,
    pay_from_us: int | None,
) -> Reason:
    """The reason from what it depends on: instants of one day with the same status, rules in effect and ends
    share it (and its English, said once)."""
    rules = place.regulation.rules
    allowed, pay_now, _max_stay, winner, suspended = status
    verb = phrase("verb.load" if driver.activity is Activity.LOAD else "verb.park")

    def when(us: int) -> Phrase:
        return moment(from_us(us, zone), today)

    def hours(of: tuple[TimeSpan, ...]) -> Phrase:
        return spans(of, holidays=False)

    def said_as(sentence: Phrase, *rest: Phrase, **params: object) -> Reason:
        return Reason(code_of(sentence), {**params, **tail_params}, join("sentences", [sentence, *rest]))

    zone_name = place.zone or phrase("zone.unnamed")
    title = phrase("title.zone_default", zone=zone_name) if place.kind == "zone_default" else None
    zone_param = {"zone": place.zone} if place.kind == "zone_default" and place.zone else {}
    tail: list[Phrase] = []
    tail_params: dict[str, object] = {}
    if allowed and until_us is not None:
        tail_params["until"] = from_us(until_us, zone)
        if pay_from_us is not None:
            tail_params["pay_from"] = from_us(pay_from_us, zone)
            again = "reason.pay_again_until" if pay_now else "reason.pay_from_until"
            tail = [phrase(again, restart=when(pay_from_us), when=when(until_us))]
        else:
            tail = [phrase("reason.stay_until", when=when(until_us))]
    elif not allowed and allowed_from_us is not None:
        tail_params["allowed_from"] = from_us(allowed_from_us, zone)
        tail = [phrase("reason.from", verb=verb, when=when(allowed_from_us))]

    if suspended:
        s = place.suspensions[suspension_at_lo] if suspension_at_lo >= 0 else None
        what = phrase("place.kerb" if place.kind == "zone_default" else "place.bay")
        if s and s.reason:
            return said_as(phrase("reason.suspended_because", place=what, why=s.reason), *tail,
                           suspension_reason=s.reason)  # fmt: skip
        return said_as(phrase("reason.suspended", place=what), *tail)

    in_effect = [rules[i] for i in in_effect_at_lo]
    if not in_effect:
        said = phrase("reason.unrestricted")
        params: dict[str, object] = {}
        if holiday and title:
            said = phrase("reason.unrestricted_holiday_zone", holiday=holiday, zone=zone_name)
            params = {"holiday": holiday.params["name"], **zone_param}
        elif holiday:
            said = phrase("reason.unrestricted_holiday", holiday=holiday)
            params = {"holiday": holiday.params["name"]}
        elif title and rules:
            said = phrase("reason.unrestricted_outside_zone_hours", zone=zone_name, hours=hours(rules[0].time_spans))
            params = zone_param
        elif title:
            said = phrase("reason.unrestricted_zone_uncontrolled", zone=place.zone or phrase("zone.unnamed_definite"))
            params = zone_param
        return said_as(said, *tail, **params)

    if allowed:
        rule = rules[winner]
        limit = phrase("limit.max_stay", duration=duration(rule.max_stay)) if rule.max_stay is not None else ""
        no_return = [phrase("reason.no_return", duration=duration(rule.no_return))] if rule.no_return else []
        if rule.payment:
            said = phrase("reason.paid_until", when=when(pay_end), limit=limit) if pay_end is not None else \
                phrase("reason.paid", limit=limit)  # fmt: skip
            if until_us is not None and until_us == pay_end:
                tail = []
            paid = {"pay_until": from_us(pay_end, zone)} if pay_end is not None else {}
            return said_as(said, *no_return, *tail, **paid, **_limits(rule))
        words = {"rule": rule_name(rule), "activity": driver.activity.value, **_limits(rule)}
        if title:
            said = phrase("reason.allowed_zone", title=title, hours=hours(rule.time_spans), verb=verb,
                          who=rule_label(rule), limit=limit)  # fmt: skip
            return said_as(said, *tail, **words, **zone_param)
        said = phrase("reason.allowed", title=rule_label(rule), hours=hours(rule.time_spans), verb=verb, limit=limit)
        return said_as(said, *no_return, *tail, **words)

    if winner >= 0:  # a prohibition won
        rule = rules[winner]
        loading = [r for r in in_effect if r.activity is Activity.LOAD and UserClass.EVERYONE in r.user_classes]
        may_load = bool(loading) and driver.activity is not Activity.LOAD
        code = "reason.prohibited_may_load" if may_load else "reason.prohibited"
        said = phrase(code, title=title or rule_label(rule), hours=hours(rule.time_spans), what=activity(rule.activity))
        badges = [r for r in in_effect if r.user_classes <= _BADGES and not r.activity.is_prohibition]
        return said_as(said, *map(_also, badges), *tail, rule=rule_name(rule), activity=rule.activity.value,
                       loading_allowed=may_load, **_also_params(badges), **zone_param)  # fmt: skip

    permissive = sorted((r for r in in_effect if not r.activity.is_prohibition), key=lambda r: r.priority)
    main = [r for r in permissive if not r.user_classes <= _BADGES] or permissive
    badges = [r for r in permissive if r not in main]
    heading = title or join("slash", dict.fromkeys(rule_label(r) for r in main))
    needs = [n for n in (need(r, normalised_permits(r.permits)) for r in main) if n]
    first_hours = hours(main[0].time_spans if main else ())
    common = {"rule": " / ".join(dict.fromkeys(rule_name(r) for r in main)), **_also_params(badges), **zone_param}
    if needs:
        said = phrase("reason.needs", title=heading, hours=first_hours, needs=join("or", dict.fromkeys(needs)))
        return said_as(said, *map(_also, badges), *tail, **common, **_needs(main))
    said = phrase("reason.may_not", title=heading, hours=first_hours, verb=verb)
    return said_as(said, *map(_also, badges), *tail, **common, activity=driver.activity.value)


def clear_caches() -> None:
    _reason.cache_clear()
    _trace.cache_clear()
