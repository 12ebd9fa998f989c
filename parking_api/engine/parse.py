"""Free-text parsers for what councils write on signs and in open data: times, durations, tariffs and permits.

Every parser is strict: a value it cannot read raises :class:`ParseError` quoting the value. A parser never guesses
"at any time" or "no limit" for text it does not understand, because a wrong guess earns a driver a penalty charge.

One module on purpose: the parsers share one error type and one reading of "not applicable" markers, and read top
to bottom in the order a sign is read: times, then durations, then tariffs and permits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .model import ALL_DAY, ALL_DAYS, HolidayMode, Tariff, TimeSpan, Window, normalise_permit


class ParseError(ValueError):
    """A value could not be read; the message quotes it."""

    def __init__(self, what: str, value: object, detail: str = "") -> None:
        self.value = value
        message = f"cannot read {what} {value!r}"
        super().__init__(f"{message}: {detail}" if detail else message)


_NOT_APPLICABLE = frozenset({"", "n/a", "na", "n.a.", "none", "null", "-", "not applicable"})


def _is_not_applicable(text: str | None) -> bool:
    return text is None or text.strip().strip(",;.").strip().lower() in _NOT_APPLICABLE


# --- times of operation ----------------------------------------------------------------------------------------

_DAY_NAMES = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_DAY_WORDS = {
    "daily": ALL_DAYS, "every day": ALL_DAYS, "everyday": ALL_DAYS, "all week": ALL_DAYS,
    "weekdays": frozenset(range(5)), "weekday": frozenset(range(5)), "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}  # fmt: skip

_TOKEN_RE = re.compile(
    r"""
    (?P<any>(?:at\s+)?any\s*time|all\s+times|24\s*(?:hours|hrs|hr|h)\b|24\s*/\s*7|all\s+day)
  | (?P<hol>(?:except|excl\.?|excluding|not\s+on|not)\s+(?:on\s+)?(?:bank|public)\s+holidays?)
  | (?P<dayword>daily|every\s*day|all\s+week|weekdays?|weekends?)\b
  | (?P<day>(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday
             |mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)s?)\b\.?
  | (?P<time>noon|midday|midnight|\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)(?![\d])
  | (?P<dash>-|to\b|until\b|till\b|til\b)
  | (?P<sep>&|and\b|,|;|\+|/)
  | (?P<between>between\b|from\b|only\b|hours\b|times\b|of\s+operation\b|operates\b)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Clock:
    """One clock reading as written: minutes, whether it named am/pm, and whether it was a bare hour."""

    minutes: int
    meridiem: str | None  # "am", "pm" or None
    bare_hour: bool  # "8" (no minutes, no am/pm): ambiguous on its own
    word: str | None  # "noon" / "midnight"


def _clock(token: str, value: str) -> _Clock:
    token = token.strip()
    if token in ("noon", "midday"):
        return _Clock(720, "pm", False, "noon")
    if token == "midnight":
        return _Clock(0, "am", False, "midnight")
    m = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?", token)
    if not m:
        raise ParseError("times of operation", value, f"unreadable time {token!r}")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    meridiem = m.group(3).replace(".", "") if m.group(3) else None
    if minute >= 60:
        raise ParseError("times of operation", value, f"bad minutes in {token!r}")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ParseError("times of operation", value, f"bad 12-hour time {token!r}")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 24 or (hour == 24 and minute):
        raise ParseError("times of operation", value, f"bad 24-hour time {token!r}")
    return _Clock(hour * 60 + minute, meridiem, m.group(2) is None and meridiem is None, None)


def _window(start: _Clock, end: _Clock, value: str) -> Window:
    """Resolve a written window to minutes; ``8.30-6.30pm`` borrows the end's pm only where that keeps it forward."""
    s, e = start.minutes, end.minutes
    if start.meridiem is None and start.word is None and end.meridiem is not None and end.word is None:
        # "8.30-6.30pm", "10-11am": read the start with the end's meridiem unless that puts it after the end.
        hour12 = s // 60
        if hour12 <= 12:
            base = (hour12 % 12) * 60 + s % 60
            as_end = base + (720 if end.meridiem == "pm" else 0)
            s = as_end if as_end < e else base
        start = _Clock(s, end.meridiem, False, None)
    if start.bare_hour or end.bare_hour:
        raise ParseError("times of operation", value, "a bare hour without minutes or am/pm is ambiguous")
    if s == 1440:
        raise ParseError("times of operation", value, "24:00 cannot start a window")
    if end.word == "midnight" or e == 0 or e == 1439:
        e = 1440  # "-midnight", "-00:00", "-23:59" and "-24:00" all mean the end of the day
    if s == e:
        raise ParseError("times of operation", value, "a window must not start and end at the same time")
    return (s, e)


def _tokens(value: str) -> list[tuple[str, str]]:
    text = value.strip().lower()
    for dash in ("–", "—", "−", "‐"):
        text = text.replace(dash, "-")
    text = text.rstrip(" ,.;")
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise ParseError("times of operation", value, f"unexpected text at {text[pos:]!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _day(token: str) -> int:
    name = token.rstrip(".")
    return _DAY_NAMES[name if name in _DAY_NAMES else name[:-1]]  # "mondays" -> "monday"


def _day_range(first: int, last: int) -> frozenset[int]:
    return frozenset((first + i) % 7 for i in range((last - first) % 7 + 1))


def parse_times(text: str) -> tuple[TimeSpan, ...]:
    """Read a times-of-operation text into one :class:`TimeSpan` per day group, each with all its windows.

    Accepts Camden's forms (``mon-fri 08:30-18:30, sat 09:30-13:30``, ``mon-fri 08:00-09:00 & 15:00-17:00``,
    ``at any time``) and common sign styles (``Mon - Sat 8.30am-6.30pm``, ``Monday to Friday``, ``8am-6pm Mon-Fri``,
    ``noon``, ``midnight``, ``24 hours``). ``00:00-23:59`` and an end of ``24:00`` mean the whole day; ``22:00-06:00``
    stays one overnight window ``(1320, 360)``. "At any time" gives ``(TimeSpan(),)``.
    """
    if text is None or not text.strip():
        raise ParseError("times of operation", text, "empty")
    tokens = _tokens(text)
    items: list[tuple[str, object]] = []  # ("days", frozenset) | ("windows", tuple)
    holidays = HolidayMode.IGNORE
    i = 0

    def peek(k: int = 0) -> str | None:
        return tokens[i + k][0] if i + k < len(tokens) else None

    while i < len(tokens):
        kind, tok = tokens[i]
        if kind in ("sep", "between"):
            i += 1
        elif kind == "hol":
            holidays = HolidayMode.EXCEPT
            i += 1
        elif kind in ("day", "dayword"):
            days: set[int] = set()
            while True:
                kind, tok = tokens[i]
                if kind == "dayword":
                    days |= _DAY_WORDS[re.sub(r"\s+", " ", tok)]
                    i += 1
                else:
                    first = _day(tok)
                    i += 1
                    if peek() == "dash" and peek(1) == "day":
                        days |= _day_range(first, _day(tokens[i + 1][1]))
                        i += 2
                    else:
                        days.add(first)
                if peek() == "sep" and peek(1) in ("day", "dayword"):
                    i += 1
                    continue
                if peek() in ("day", "dayword"):
                    continue
                break
            items.append(("days", frozenset(days)))
        elif kind in ("time", "any"):
            windows: list[Window] = []
            while True:
                kind, tok = tokens[i]
                if kind == "any":
                    windows.append(ALL_DAY)
                    i += 1
                else:
                    start = _clock(tok, text)
                    i += 1
                    if peek() not in ("dash", "sep") or peek(1) != "time":
                        raise ParseError("times of operation", text, f"time {tok!r} is not part of a window")
                    if tokens[i][0] == "sep" and tokens[i][1] != "and":
                        raise ParseError("times of operation", text, f"time {tok!r} is not part of a window")
                    end = _clock(tokens[i + 1][1], text)
                    i += 2
                    windows.append(_window(start, end, text))
                if peek() == "sep" and peek(1) in ("time", "any"):
                    i += 1
                    continue
                if peek() in ("time", "any"):
                    continue
                break
            items.append(("windows", tuple(windows)))
        else:
            raise ParseError("times of operation", text, f"unexpected {tok!r}")

    if not items:
        raise ParseError("times of operation", text, "no days or times")
    groups: list[tuple[frozenset[int], tuple[Window, ...]]] = []
    kinds = [k for k, _ in items]
    if kinds == ["windows"]:
        groups.append((ALL_DAYS, items[0][1]))  # type: ignore[arg-type]
    elif len(items) % 2 == 0 and all(k == ("days" if n % 2 == 0 else "windows") for n, k in enumerate(kinds)):
        groups = [(items[n][1], items[n + 1][1]) for n in range(0, len(items), 2)]  # type: ignore[misc]
    elif len(items) % 2 == 0 and all(k == ("windows" if n % 2 == 0 else "days") for n, k in enumerate(kinds)):
        groups = [(items[n + 1][1], items[n][1]) for n in range(0, len(items), 2)]  # type: ignore[misc]
    else:
        raise ParseError("times of operation", text, "days and times do not pair up")

    spans = []
    for days, windows in groups:
        if ALL_DAY in windows:
            windows = (ALL_DAY,)  # "at any time" swallows any other window of the group
        spans.append(TimeSpan(days=days, windows=tuple(windows), holidays=holidays))
    return tuple(spans)


def parse_window(text: str) -> Window:
    """Read one ``HH:MM-HH:MM`` window (as in Camden's CPZ control hours); ``00:00-23:59`` is the whole day."""
    spans = parse_times(text)
    if len(spans) != 1 or spans[0].days != ALL_DAYS or len(spans[0].windows) != 1:
        raise ParseError("control hours", text, "expected a single window")
    return spans[0].windows[0]


# --- durations -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    """A maximum stay (minutes) and what it binds: ``"any"`` (the bay's usual users) or an activity ("loading")."""

    max_stay: int | None
    binds: str = "any"
    no_return: int | None = None

    @property
    def minutes(self) -> int | None:
        return self.max_stay


_WORD_NUMBERS = {"a": "1", "an": "1", "one": "1", "two": "2", "three": "3", "four": "4", "half an": "0.5",
                 "half a": "0.5", "twenty": "20", "thirty": "30", "forty": "40", "ninety": "90"}  # fmt: skip
_AMOUNT = r"(?<![\w.])(?:\d+(?:\.\d+)?|half\s+an?|an?|one|two|three|four|twenty|thirty|forty|ninety)"
_UNIT = r"(?:hours?|hrs?|h|minutes?|mins?|m)(?![a-z])"
# "2 hours", "1 hour 30 minutes", "1h30": an amount with its unit, then optionally more minutes
_DUR_SEQ = (
    rf"(?P<amount>{_AMOUNT})\s*(?P<unit>{_UNIT})"
    r"(?:\s*(?:and\s+)?(?P<extra>\d+)\s*(?:minutes?|mins?|m)?(?![a-z]))?"
)
_NO_MAX_OUTSIDE_RE = re.compile(
    r"\bno\ max(?:imum)?\.?(?:\ stay)?(?:\ limit)?\ (?:outside|at\ other\ times)"
    r"(?:\ (?:of\ )?(?:these|the|those)\ (?:times|hours))?",
    re.VERBOSE,
)


def _minutes(match: re.Match[str], value: str) -> int:
    amount = re.sub(r"\s+", " ", match.group("amount"))
    total = Decimal(_WORD_NUMBERS.get(amount, amount)) * (60 if match.group("unit").startswith("h") else 1)
    if match.group("extra"):
        if not match.group("unit").startswith("h"):
            raise ParseError("maximum stay", value, "minutes after minutes")
        total += int(match.group("extra"))
    if total != total.to_integral_value() or total <= 0:
        raise ParseError("maximum stay", value, "not a whole number of minutes")
    return int(total)


def parse_duration(text: str | None) -> Duration | None:
    """Read a maximum stay such as ``2 hours``, ``1.5 hours``, ``loading 40 minutes`` or ``Max stay 2 hours No return
    within 1 hour``; ``N/A`` or empty gives ``None``. "No max stay outside these times" says nothing beyond the
    times of operation (outside them the bay is unrestricted anyway), so it is accepted and adds no limit.
    """
    if _is_not_applicable(text):
        return None
    assert text is not None
    rest = " " + re.sub(r"\s+", " ", text.strip().lower().rstrip(" ,.;")) + " "
    rest = rest.replace("–", "-").replace("—", "-")
    rest = _NO_MAX_OUTSIDE_RE.sub(" ", rest)
    binds = "any"
    if re.search(r"\bloading\b", rest):
        binds = "loading"
        rest = re.sub(r"\bloading(?: only)?\b", " ", rest)
    no_return = None
    m = re.search(rf"\bno return (?:within |for |in )?(?:the next )?{_DUR_SEQ}", rest)
    if m:
        no_return = _minutes(m, text)
        rest = rest[: m.start()] + " " + rest[m.end() :]
    max_stay = None
    found = list(re.finditer(_DUR_SEQ, rest))
    if len(found) > 1:
        raise ParseError("maximum stay", text, "more than one maximum stay")
    if found:
        max_stay = _minutes(found[0], text)
        rest = rest[: found[0].start()] + " " + rest[found[0].end() :]
    if re.fullmatch(r"\s*no max(?:imum)?\.?(?: stay)?(?: limit)?\s*|\s*unlimited\s*", rest) and max_stay is None:
        return None if no_return is None else Duration(None, binds, no_return)
    leftover = re.sub(r"\b(?:max(?:imum)?\.?|stay|of|limit|period|waiting|up to)\b|[,;:()\-]", " ", rest).strip()
    if leftover:
        raise ParseError("maximum stay", text, f"unexpected text {leftover!r}")
    if max_stay is None and no_return is None:
        raise ParseError("maximum stay", text, "no duration found")
    return Duration(max_stay, binds, no_return)


# --- tariffs ---------------------------------------------------------------------------------------------------

_MONEY_RE = re.compile(r"£\s*(\d+(?:\.\d{1,2})?)|(?<![\d.])(\d+)\s*p\b(?!\.?\s*h)")
_FUEL_RES = (
    ("non-diesel", re.compile(r"\bnon[-\s]?diesel\b")),
    ("diesel", re.compile(r"\bdiesel\b")),
    ("petrol", re.compile(r"\bpetrol\b")),
    ("electric", re.compile(r"\belectric(?: vehicles?)?\b|\bev\b")),
)
_PER_RE = re.compile(
    r"\bper\s+(\d+)\s*(minutes?|mins?|hours?|hrs?)\b|\bper\s+hour\b|\bper\s+hr\b|\bp\.?\s?h\b\.?|\ban\s+hour\b|\bhourly\b"
)


def parse_tariff(text: str | None) -> tuple[Tariff, ...]:
    """Read an hourly tariff: ``£3.30 (non-diesel) / £4.01 (diesel),`` gives a non-diesel and a diesel tariff,
    ``£7.20 p.h. (buses and coaches)`` or ``£4.90 per hour`` one tariff for fuel ``"any"``, ``£2.50 petrol / £3.00
    diesel / £1.00 electric`` three. A price per N minutes is converted to per hour. ``N/A`` gives ``()``.
    """
    if _is_not_applicable(text) or (text or "").strip().lower() in ("free", "no charge"):
        return ()
    assert text is not None
    norm = text.strip().lower().replace("–", "-")
    norm = re.sub(r"\s*/\s*(?:hour|hr|h)\b", " per hour", norm)
    parts = [p for p in re.split(r"/|;|,|\bor\b", norm) if p.strip(" .")]
    tariffs: list[Tariff] = []
    for part in parts:
        money = list(_MONEY_RE.finditer(part))
        if len(money) != 1:
            raise ParseError("tariff", text, f"expected one price in {part.strip()!r}")
        m = money[0]
        amount = Decimal(m.group(1)) if m.group(1) else (Decimal(m.group(2)) / 100).quantize(Decimal("0.01"))
        rest = part[: m.start()] + " " + part[m.end() :]
        fuel = "any"
        for label, regex in _FUEL_RES:
            if regex.search(rest):
                fuel = label
                rest = regex.sub(" ", rest)
                break
        per = _PER_RE.search(rest)
        if per:
            if per.group(1):
                span = Decimal(per.group(1)) * (60 if per.group(2).startswith("h") else 1)
                if span <= 0:
                    raise ParseError("tariff", text, "a price per zero minutes")
                amount = (amount * 60 / span).quantize(Decimal("0.0001"))
                if amount == amount.quantize(Decimal("0.01")):
                    amount = amount.quantize(Decimal("0.01"))
            rest = rest[: per.start()] + " " + rest[per.end() :]
        rest = re.sub(r"\([^)]*\)", " ", rest)  # "(buses and coaches)": who pays, not a fuel
        if rest.strip(" .()-:"):
            raise ParseError("tariff", text, f"unexpected text {rest.strip()!r}")
        tariffs.append(Tariff(fuel=fuel, per_hour=amount))
    fuels = [t.fuel for t in tariffs]
    if len(set(fuels)) != len(fuels):
        raise ParseError("tariff", text, "two prices for the same fuel")
    return tuple(tariffs)


# --- permits ---------------------------------------------------------------------------------------------------

_PERMIT_TOKEN_RE = re.compile(r"[A-Z0-9][A-Z0-9-]*")


def parse_permits(text: str | None) -> frozenset[str]:
    """Read ``;``/``,``-separated permit tokens, normalised (``CA_M`` -> ``CA-M``), repeats dropped; odd tokens such as
    ``BUSA``, ``ICE`` or a badge number ``157`` are kept as tokens. ``N/A`` gives an empty set.
    """
    if _is_not_applicable(text):
        return frozenset()
    assert text is not None
    tokens = set()
    for raw in re.split(r"[;,]", text):
        if not raw.strip():
            continue
        token = normalise_permit(raw)
        if not _PERMIT_TOKEN_RE.fullmatch(token):
            raise ParseError("permits", text, f"unexpected token {raw.strip()!r}")
        tokens.add(token)
    if not tokens:
        raise ParseError("permits", text, "no permit token")
    return frozenset(tokens)


__all__ = [
    "Duration",
    "ParseError",
    "parse_duration",
    "parse_permits",
    "parse_tariff",
    "parse_times",
    "parse_window",
]
