"""Every rule in words, said one way everywhere: the can-i-park reason, the API's rule texts and labels a converter
writes.

Words are built as a :class:`Phrase`: a code plus parameters. :data:`ENGLISH` maps each code to a template filled
like ``str.format``; a parameter may itself be a phrase (said first), and a phrase whose parameters hold ``items``
joins them with its template as the separator. The conversions ``!u`` and ``!l`` make a value's first letter upper
or lower case. So the engine decides *what* to say and a catalogue says it: another language is another catalogue
with the same codes, and a phrase's code and parameters can travel in an answer as they are.

Style (a driver's): en dashes ("Mon–Fri 08:30–18:30"), "at any time", "except bank holidays", "1 hour 30 minutes".
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache

from .english import ENGLISH
from .model import ALL_DAY, ALL_DAYS, Activity, HolidayMode, Rule, Tariff, TimeSpan, UserClass, Window


class Phrase:
    """Something to say: a catalogue code and the values its template names (strings, numbers or phrases).

    Immutable by contract. A plain slotted class rather than a frozen dataclass: the evaluator builds a few dozen
    phrases per answer, and this one is several times cheaper to build. It keeps its English once said, so a phrase
    memoised by a composition function (the hours of a rule) is rendered once.
    """

    __slots__ = ("_english", "_hash", "code", "params")

    def __init__(self, code: str, params: Mapping[str, object] | None = None) -> None:
        self.code = code
        self.params: Mapping[str, object] = params if params is not None else {}
        self._hash: int | None = None
        self._english: str | None = None

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self.code, frozenset(self.params.items())))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Phrase):
            return NotImplemented
        return self.code == other.code and self.params == other.params

    def __repr__(self) -> str:
        return f"Phrase({self.code!r}, {dict(self.params)!r})"


def phrase(code: str, **params: object) -> Phrase:
    return Phrase(code, params)


def join(how: str, items: Iterable[Phrase | str]) -> Phrase:
    """The items said one after the other with the separator ``join.<how>`` (", ", " or ", " & " …)."""
    return Phrase(f"join.{how}", {"items": tuple(items)})


# --- saying a phrase ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _parsed(template: str) -> tuple[tuple[str, str | None, str, str | None], ...]:
    parts = string.Formatter().parse(template)
    return tuple((literal, name, spec or "", conversion) for literal, name, spec, conversion in parts)


def _convert(value: object, conversion: str | None) -> object:
    if conversion is None:
        return value
    text = repr(value) if conversion == "r" else str(value)
    if conversion == "u":
        return text[:1].upper() + text[1:]
    if conversion == "l":
        return text[:1].lower() + text[1:]
    return text


def say(words: Phrase | str, catalogue: Mapping[str, str] = ENGLISH) -> str:
    """The phrase in the catalogue's language (a plain string is said as it is)."""
    if isinstance(words, str):
        return words
    if catalogue is not ENGLISH:
        return _say(words, catalogue)
    if words._english is None:
        words._english = _say(words, ENGLISH)
    return words._english


def _say(words: Phrase, catalogue: Mapping[str, str]) -> str:
    template = catalogue[words.code]
    params = words.params
    if not params:
        return template
    items = params.get("items")
    if isinstance(items, tuple):
        return template.join([say(item, catalogue) for item in items])
    values = {k: say(v, catalogue) if isinstance(v, Phrase) else v for k, v in params.items()}
    if "!" not in template:
        return template.format_map(values)
    out = []
    for literal, name, spec, conversion in _parsed(template):
        out.append(literal)
        if name is not None:
            out.append(format(_convert(values[name], conversion), spec))
    return "".join(out)


# --- times, days and durations -----------------------------------------------------------------------------------


@lru_cache(maxsize=2_048)
def clock(minutes: int) -> Phrase:
    """A time of day, ``510`` -> ``08:30`` (``1440``, the end of the day, is ``24:00``)."""
    return phrase("clock", hour=minutes // 60, minute=minutes % 60)


def window(value: Window) -> Phrase:
    if value == ALL_DAY:
        return phrase("window.all_day")
    return phrase("window", start=clock(value[0]), end=clock(value[1]))


_DAYS = tuple(phrase(f"day.{n}") for n in range(7))


def days(value: frozenset[int]) -> Phrase:
    """``{0..4}`` -> ``Mon–Fri``; ``{0, 2}`` -> ``Mon, Wed``; runs may wrap over Sunday (``Sat–Mon``)."""
    if value == ALL_DAYS:
        return phrase("days.every")
    if not value:
        return phrase("days.none")
    start = next(d for d in range(7) if d in value and (d - 1) % 7 not in value)
    runs: list[tuple[int, int]] = []
    d = start
    seen = 0
    while seen < 7:
        if d in value:
            first = d
            while (d + 1) % 7 in value and (d + 1) % 7 != start:
                d = (d + 1) % 7
                seen += 1
            runs.append((first, d))
        d = (d + 1) % 7
        seen += 1
    return join(
        "comma",
        (_DAYS[a] if a == b else phrase("days.run", first=_DAYS[a], last=_DAYS[b])
         for a, b in runs),
    )  # fmt: skip


def _date(value: date | None) -> Phrase | str:
    return value.isoformat() if value is not None else phrase("date.open")


def span(value: TimeSpan, *, holidays: bool = True) -> Phrase:
    """A span as a driver reads it: ``Mon–Fri 08:30–18:30``, ``at any time``, ``…, except bank holidays``.
    ``holidays=False`` leaves the bank-holiday clause out."""
    if value.days == ALL_DAYS and value.windows == (ALL_DAY,):
        words = phrase("span.any_time")
    else:
        words = phrase("span.hours", days=days(value.days), windows=join("windows", map(window, value.windows)))
    if value.date_from or value.date_to:
        words = phrase("span.dates", span=words, start=_date(value.date_from), end=_date(value.date_to))
    if value.yearly:
        ranges = join("comma", (phrase("range", start=a, end=b) for a, b in value.yearly))
        words = phrase("span.yearly", span=words, ranges=ranges)
    if holidays and value.holidays is HolidayMode.EXCEPT:
        words = phrase("span.except_holidays", span=words)
    elif holidays and value.holidays is HolidayMode.ONLY:
        words = phrase("span.holidays_only", span=words)
    for name, mode in value.designated:
        words = phrase("span.only_period" if mode == "only" else "span.except_period", span=words, period=name)
    return words


@lru_cache(maxsize=4_096)
def spans(value: tuple[TimeSpan, ...], *, holidays: bool = True) -> Phrase:
    """Several spans in one line, a bank-holiday clause they all share said once at the end; none is "at any time".
    ``holidays=False`` leaves out "except bank holidays" (a reason speaks of today, which is known not to be one)."""
    if not value:
        return phrase("span.any_time")
    if not holidays:
        value = tuple(
            dataclasses.replace(s, holidays=HolidayMode.IGNORE) if s.holidays is HolidayMode.EXCEPT else s
            for s in value
        )
    modes = {s.holidays for s in value}
    shared = next(iter(modes)) if len(modes) == 1 and not any(s.designated for s in value) else HolidayMode.IGNORE
    if len(value) > 1 and shared is not HolidayMode.IGNORE:
        listed = join("comma", (span(s, holidays=False) for s in value))
        return phrase("span.except_holidays" if shared is HolidayMode.EXCEPT else "span.holidays_only", span=listed)
    return join("comma", map(span, value))


@lru_cache(maxsize=1_024)
def duration(minutes: int) -> Phrase:
    """``120`` -> ``2 hours``, ``90`` -> ``1 hour 30 minutes``, ``40`` -> ``40 minutes``."""
    hours, mins = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(phrase("duration.hour" if hours == 1 else "duration.hours", n=hours))
    if mins or not hours:
        parts.append(phrase("duration.minute" if mins == 1 else "duration.minutes", n=mins))
    return join("space", parts)


def moment(at: datetime, today: date) -> Phrase:
    """An instant as seen from ``today``: ``18:30``, ``Tue 08:30`` within the week, else ``Mon 26 Oct 08:30``."""
    time = clock(at.hour * 60 + at.minute)
    if at.date() == today:
        return phrase("moment.today", time=time)
    day = _DAYS[at.weekday()]
    if (at.date() - today).days < 6:
        return phrase("moment.this_week", day=day, time=time)
    return phrase("moment.later", day=day, date=at.day, month=phrase(f"month.{at.month}"), time=time)


# --- who, what and rules -----------------------------------------------------------------------------------------


def holders(cls: UserClass, permits: Iterable[str] = ()) -> Phrase:
    """A user class, with the permits that admit it: ``permit holders (CA-B or CA-C)``, ``permit holders (any
    permit)``."""
    who = phrase(f"class.{cls.value}")
    listed = sorted(permits)
    if listed:
        return phrase("holders.permits", who=who, permits=join("or", listed))
    if cls is UserClass.PERMIT:
        return phrase("holders.any_permit", who=who)
    return who


def class_label(cls: UserClass, activity: Activity, paid: bool, permits: frozenset[str]) -> Phrase:
    """The label of a rule admitting one user class (a converter's generated rule names)."""
    if cls is UserClass.EVERYONE:
        if activity is Activity.LOAD:
            return phrase("label.everyone_loading")
        return phrase("label.everyone_paid" if paid else "label.everyone_free")
    who = holders(cls, permits)
    if activity is Activity.LOAD:
        return phrase("label.class_loading", who=who)
    return phrase("label.class_paying" if paid else "label.class", who=who)


def concession_label(badge: UserClass, max_stay: int | None) -> Phrase:
    """The badge concession's label: free with no time limit in a bay, a clock displayed on a yellow line."""
    return phrase("label.concession_free" if max_stay is None else "label.concession_clock", badge=holders(badge))


def rule_name(rule: Rule) -> str:
    """:func:`rule_label` said: a published label is the source's own words, said as they are."""
    return rule.label or say(rule_label(rule))


@lru_cache(maxsize=4_096)
def rule_label(rule: Rule) -> Phrase:
    """The rule's own label, or a generated one such as "park: permit (CA-B)"."""
    if rule.label:
        return phrase("label.published", label=rule.label)
    classes = ", ".join(sorted(c.value for c in rule.user_classes))
    if rule.permits:
        permits = ", ".join(sorted(rule.permits))
        return phrase("label.generated_permits", activity=rule.activity.value, classes=classes, permits=permits)
    return phrase("label.generated", activity=rule.activity.value, classes=classes)


def activity(value: Activity) -> Phrase:
    return phrase(f"activity.{value.value}")


def _limits(rule: Rule) -> list[Phrase]:
    out = []
    if rule.max_stay:
        out.append(phrase("rule.max_stay", duration=duration(rule.max_stay)))
    if rule.no_return:
        out.append(phrase("rule.no_return", duration=duration(rule.no_return)))
    return out


def rule_text(rule: Rule) -> Phrase:
    """A rule in one line, led by whom it concerns: "Permit holders (CA-B) may park, Mon–Fri 09:00–18:30, except
    bank holidays, max stay 2 hours"."""
    classes = sorted(rule.user_classes, key=lambda c: c.value)
    who = join("or", (holders(c, rule.permits if c is UserClass.PERMIT else ()) for c in classes))
    if rule.activity.is_prohibition:
        everyone = rule.user_classes == frozenset({UserClass.EVERYONE})
        head = phrase("rule.prohibition" if everyone else "rule.prohibition_for", activity=activity(rule.activity),
                      who=who)  # fmt: skip
    else:
        head = phrase("rule.permission_paying" if rule.payment else "rule.permission", who=who,
                      activity=activity(rule.activity))  # fmt: skip
    return join("comma", [head, spans(rule.time_spans), *_limits(rule)])


def tariffs_text(tariffs: Sequence[Tariff]) -> Phrase:
    return join("slash", (
        phrase("tariff.per_hour_currency", amount=str(t.per_hour), currency=t.currency) if t.currency
        else phrase("tariff.per_hour", amount=str(t.per_hour))
        for t in tariffs
    ))  # fmt: skip


def labelled_rule_text(rule: Rule) -> Phrase:
    """A rule in one line, led by its label and stating its price: "paid parking, max stay 2 hours, paid 2.00 USD/h,
    Mon–Fri 08:00–18:00" (a description where the publisher wrote none)."""
    parts = [rule_label(rule) if rule.label else phrase(f"activity_name.{rule.activity.value}"), *_limits(rule)]
    if rule.payment:
        paid = phrase("rule.paid_at", tariffs=tariffs_text(rule.tariffs)) if rule.tariffs else phrase("rule.paid")
        parts.append(paid)
    parts.append(spans(rule.time_spans))
    return join("comma", parts)


_LETTERS_SAID_WITH_A_VOWEL = frozenset("AEFHILMNORSX")


def takes_an(code: str) -> bool:
    """Whether "an" goes before a permit code in English: "an ICE permit", "an S1 permit", "an NHS permit", but "a
    CA-B permit", "a BUSA permit", "a HOTEL permit". A code whose letters are said one by one (three letters or fewer,
    or no vowel) takes "an" when its first letter's name starts with a vowel sound; a word, when it starts with A, E,
    I or O."""
    head = ""
    for ch in code.upper():
        if not ch.isalpha():
            break
        head += ch
    if not head:
        return code.startswith("8")  # "an 8A permit"
    spelt = len(head) <= 3 or not any(v in head for v in "AEIOUY")
    return head[0] in (_LETTERS_SAID_WITH_A_VOWEL if spelt else "AEIO")


NEED_CLASSES = frozenset({
    UserClass.BLUE_BADGE, UserClass.GREEN_BADGE, UserClass.MOTORCYCLE, UserClass.GOODS, UserClass.BUS,
    UserClass.TAXI, UserClass.ELECTRIC, UserClass.TRADER, UserClass.BUSINESS, UserClass.CAR_CLUB,
})  # fmt: skip


@lru_cache(maxsize=4_096)
def need(rule: Rule, permits: frozenset[str]) -> Phrase | None:
    """What a driver needs to be covered by ``rule`` (its ``permits`` normalised), or None when no driver profile can
    be (doctor, police…)."""
    needs = []
    for cls in sorted(rule.user_classes, key=lambda c: c.value):
        if cls is UserClass.PERMIT:
            listed = sorted(permits)
            code = "need.permit_for_an" if listed and takes_an(listed[0]) else "need.permit_for"
            needs.append(phrase(code, permits=join("or", listed)) if listed else phrase("need.permit"))
        elif cls is UserClass.EVERYONE:
            needs.append(phrase("need.loading" if rule.activity is Activity.LOAD else "need.nothing"))
        elif cls in NEED_CLASSES:
            needs.append(phrase(f"need.{cls.value}"))
    if not needs:
        return None
    words = join("or", needs)
    if rule.activity is Activity.LOAD and UserClass.EVERYONE not in rule.user_classes:
        return phrase("need.loading_only", need=words)
    return words


def clear_cache() -> None:
    """Forget the memoised wordings."""
    for cached in (spans, clock, duration, rule_label, need):
        cached.cache_clear()
