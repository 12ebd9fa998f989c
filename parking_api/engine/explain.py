"""Why: the reason a driver reads and the trace of how each rule was weighed, both said through ``wording.py``.

The reason is a few sentences: the verdict with the rule that decided it (its hours, max stay, what the driver
would need), what else is allowed (a badge concession), and until or from when. It is built as phrases (code plus
parameters), so the same reason can be said in another language.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .applicability import normalised_permits
from .calendar import HolidayCalendar
from .clock import from_us, local_date
from .intervals import covers, rule_intervals
from .model import Activity, Authority, Driver, HolidayMode, Place, Rule, TimeSpan, UserClass
from .timeline import Run
from .wording import Phrase, activity, duration, join, moment, need, phrase, rule_label, rule_name, say, spans

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
    calendar = HolidayCalendar.of(authority)
    entries = []
    if suspended:
        s = place.suspensions[run.suspension_at_lo] if run.suspension_at_lo >= 0 else None
        entries.append(TraceEntry("suspension", 0, True, True, True, s.reason if s and s.reason else ""))
    for i, rule in enumerate(place.regulation.rules):
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
                in_effect=i in run.in_effect_at_lo,
                applies=run.applies[i],
                won=(i == winner and not suspended),
                note=say(join("semicolon", notes)) if notes else "",
            )
        )
    return tuple(entries)


def caveats(place: Place) -> tuple[str, ...]:
    """What the data cannot tell about this place."""
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
) -> Phrase:
    """The reason for the answer at ``local_at``, as phrases (see the module docstring)."""
    rules = place.regulation.rules
    allowed, _pay_now, _max_stay, winner, suspended = run.stretches[0][2]
    verb = phrase("verb.load" if driver.activity is Activity.LOAD else "verb.park")
    today = local_at.date()

    def when(us: int) -> Phrase:
        return moment(from_us(us, zone), today)

    def hours(of: tuple[TimeSpan, ...]) -> Phrase:
        return spans(of, holidays=False)

    zone_name = place.zone or phrase("zone.unnamed")
    title = phrase("title.zone_default", zone=zone_name) if place.kind == "zone_default" else None
    tail: list[Phrase] = []
    if allowed and until_us is not None:
        tail = [phrase("reason.stay_until", when=when(until_us))]
    elif not allowed and allowed_from_us is not None:
        tail = [phrase("reason.from", verb=verb, when=when(allowed_from_us))]

    if suspended:
        s = place.suspensions[run.suspension_at_lo] if run.suspension_at_lo >= 0 else None
        what = phrase("place.kerb" if place.kind == "zone_default" else "place.bay")
        said = phrase("reason.suspended_because", place=what, why=s.reason) if s and s.reason else \
            phrase("reason.suspended", place=what)  # fmt: skip
        return join("sentences", [said, *tail])

    in_effect = [rules[i] for i in run.in_effect_at_lo]
    if not in_effect:
        said = phrase("reason.unrestricted")
        if holiday and title:
            said = phrase("reason.unrestricted_holiday_zone", holiday=holiday, zone=zone_name)
        elif holiday:
            said = phrase("reason.unrestricted_holiday", holiday=holiday)
        elif title and rules:
            said = phrase("reason.unrestricted_outside_zone_hours", zone=zone_name, hours=hours(rules[0].time_spans))
        elif title:
            said = phrase("reason.unrestricted_zone_uncontrolled", zone=place.zone or phrase("zone.unnamed_definite"))
        return join("sentences", [said, *tail])

    if allowed:
        rule = rules[winner]
        limit = phrase("limit.max_stay", duration=duration(rule.max_stay)) if rule.max_stay is not None else ""
        no_return = [phrase("reason.no_return", duration=duration(rule.no_return))] if rule.no_return else []
        if rule.payment:
            said = phrase("reason.paid_until", when=when(pay_end), limit=limit) if pay_end is not None else \
                phrase("reason.paid", limit=limit)  # fmt: skip
            if until_us is not None and until_us == pay_end:
                tail = []
            return join("sentences", [said, *no_return, *tail])
        if title:
            said = phrase("reason.allowed_zone", title=title, hours=hours(rule.time_spans), verb=verb,
                          who=rule_label(rule), limit=limit)  # fmt: skip
            return join("sentences", [said, *tail])
        said = phrase("reason.allowed", title=rule_label(rule), hours=hours(rule.time_spans), verb=verb, limit=limit)
        return join("sentences", [said, *no_return, *tail])

    if winner >= 0:  # a prohibition won
        rule = rules[winner]
        loading = [r for r in in_effect if r.activity is Activity.LOAD and UserClass.EVERYONE in r.user_classes]
        code = "reason.prohibited_may_load" if loading and driver.activity is not Activity.LOAD else "reason.prohibited"
        said = phrase(code, title=title or rule_label(rule), hours=hours(rule.time_spans), what=activity(rule.activity))
        badges = [r for r in in_effect if r.user_classes <= _BADGES and not r.activity.is_prohibition]
        return join("sentences", [said, *map(_also, badges), *tail])

    permissive = sorted((r for r in in_effect if not r.activity.is_prohibition), key=lambda r: r.priority)
    main = [r for r in permissive if not r.user_classes <= _BADGES] or permissive
    badges = [r for r in permissive if r not in main]
    heading = title or join("slash", dict.fromkeys(rule_label(r) for r in main))
    needs = [n for n in (need(r, normalised_permits(r.permits)) for r in main) if n]
    first_hours = hours(main[0].time_spans if main else ())
    if needs:
        said = phrase("reason.needs", title=heading, hours=first_hours, needs=join("or", dict.fromkeys(needs)))
    else:
        said = phrase("reason.may_not", title=heading, hours=first_hours, verb=verb)
    return join("sentences", [said, *map(_also, badges), *tail])
