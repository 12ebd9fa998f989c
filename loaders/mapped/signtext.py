"""Reading a parking sign's words, as councils publish them in one free-text column, into what a driver reads from
the sign: who may park, when, the maximum stay and no-return (each with its own hours where the sign gives them),
and the tariff.

``Pay On-Street Mon-Fri 8.30am-6.30pm and Sat 8.30am-1.30pm Max stay 4 hours`` reads as: anyone paying, Mon–Fri
08:30–18:30 and Sat 08:30–13:30, maximum stay 4 hours. ``Disabled Bay - blue badge holders only 4 hours max stay
Mon-Fri 8.30am-6.30pm no max stay outside these times`` reads as: blue badges, the bay's hours not stated (so the
mapping's times, or at any time), and a 4-hour maximum stay only Mon–Fri 08:30–18:30.

The reader never guesses. Words it does not know are returned in :attr:`SignReading.unread`; those that mention hours,
a maximum stay or a no-return (a digit, a day, "max", "return"…) also in :attr:`SignReading.unsafe`, because loading
such a bay as if it had no limit is what earns a driver a penalty charge notice. Times, durations and tariffs are
read by ``parking_api.engine.parse``; this module finds them among the other words and says whose they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from parking_api.engine.model import ALL_DAY, ALL_DAYS, Tariff, TimeSpan, UserClass, normalise_permit
from parking_api.engine.parse import _TOKEN_RE as _TIME_TOKEN_RE
from parking_api.engine.parse import ParseError, parse_tariff, parse_times


@dataclass(frozen=True)
class SignLimit:
    """A maximum stay and/or no-return (minutes); ``spans`` None: whenever the bay is in force."""

    max_stay: int | None = None
    no_return: int | None = None
    spans: tuple[TimeSpan, ...] | None = None
    binds: str = "any"  # "loading": the limit binds only loading ("Loading only max 20 mins")


@dataclass(frozen=True)
class SignReading:
    """What a sign's words say. ``times`` None: the words give no hours for the bay itself."""

    text: str
    park: frozenset[UserClass] = frozenset()
    load: frozenset[UserClass] = frozenset()
    pays: bool = False
    permits: frozenset[str] = frozenset()
    times: tuple[TimeSpan, ...] | None = None
    limits: tuple[SignLimit, ...] = ()
    no_limit: bool = False  # the words say "no maximum stay" outright
    tariffs: tuple[Tariff, ...] = ()
    unread: tuple[str, ...] = ()
    unsafe: tuple[str, ...] = field(default=())  # unread phrases about hours, a maximum stay or a no-return


# --- normalising the words --------------------------------------------------------------------------------------

_AMOUNT = r"(?:\d+(?:\.\d+)?|half\s+an?|an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty|forty|ninety)"
_UNIT = r"(?:hours?|hrs?|hr|h|minutes?|mins?|min|m)(?![a-z])"
_DUR = (
    rf"(?P<amount>{_AMOUNT})\s*-?\s*(?P<unit>{_UNIT})"
    r"(?:\s*(?:and\s+)?(?P<extra>\d+)\s*(?:minutes?|mins?|m)(?![a-z]))?"
)
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10,
                 "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "ninety": 90}  # fmt: skip


def _normalise(text: str) -> str:
    """One spelling per thing, keeping the letters' case (permit codes are read from it)."""
    t = text
    for dash in ("–", "—", "−", "‐", "‑"):
        t = t.replace(dash, "-")
    t = t.replace("’", "'").replace("\u00a0", " ")
    t = re.sub(r"(?i)\b([ap])\.\s?m\.?", r"\1m", t)
    t = re.sub(r"(?i)\b12\s*(noon|midday|midnight)\b", r"\1", t)
    t = re.sub(r"(?i)\bmid-day\b", "midday", t)
    # "0830-1830", "0800 - 1800": four-digit clock times
    t = re.sub(r"\b([01]\d|2[0-4])([0-5]\d)\s*-\s*([01]\d|2[0-4])([0-5]\d)\b", r"\1:\2-\3:\4", t)
    t = re.sub(r"(?i)\b(\d{1,2})\.(\d{2})\s*hrs\b", r"\1:\2", t)  # "18.30hrs"
    t = re.sub(r"£\s*(\d+)-(\d{2})\b", r"£\1.\2", t)  # "£1-00"
    t = re.sub(r"(?i)\b(\d+)\s*pence\b", r"\1p", t)
    return re.sub(r"\s+", " ", t).strip()


def _minutes(m: re.Match[str]) -> int | None:
    amount = re.sub(r"\s+", " ", m.group("amount"))
    if amount.startswith("half"):
        value = 0.5
    else:
        value = float(_WORD_NUMBERS.get(amount, amount) if amount in _WORD_NUMBERS else amount)
    total = value * (60 if m.group("unit").startswith("h") else 1)
    if m.group("extra"):
        if not m.group("unit").startswith("h"):
            return None
        total += int(m.group("extra"))
    if total <= 0 or total != int(total):
        return None
    return int(total)


# --- the phrases the reader knows -------------------------------------------------------------------------------

_OUTSIDE_RE = re.compile(
    r"(?:no\s+(?:max(?:imum)?\.?\s*(?:stay|waiting)?|time\s+limit|limit)|unlimited(?:\s+stay)?|free\s+parking)"
    r"\s*(?:outside|at\s+(?:all\s+)?other\s+times|at\s+other\s+hours)"
    r"(?:\s+(?:of\s+)?(?:these|those|the(?:se)?\s+above|the|above|controlled|restricted)?\s*(?:controlled\s+)?"
    r"(?:times|hours|periods?))?"
    r"|outside\s+(?:these|those|the\s+above|the)\s+(?:times|hours)\s*,?\s*no\s+max(?:imum)?\.?\s*(?:stay)?"
)
_NO_RETURN_RE = re.compile(
    r"(?:no\s+return(?:ing)?|return\s+(?:is\s+)?(?:prohibited|not\s+(?:permitted|allowed)))"
    r"(?:\s+to\s+(?:this|the\s+same|same)\s+(?:bay|zone|area|parking\s+place|place|street|road|car\s+park))?"
    r"\s*(?:within|for|in|before)?\s*(?:the\s+next\s+|a\s+period\s+of\s+)?" + _DUR
)
_MAX_BEFORE_RE = re.compile(  # "Max stay 2 hours", "maximum stay of 30 mins", "limited waiting 1 hour"
    r"(?:max(?:imum)?\.?\s*(?:stay|waiting|parking|time)?\s*(?:period|limit)?|limited\s+waiting|stay\s+limit(?:ed)?"
    r"|time\s+limit|waiting\s+limited|parking\s+limited|stay\s+up|limited)"
    r"\s*(?:of|is|to|:|-|=)?\s*(?:up\s+to|a\s+maximum\s+of)?\s*" + _DUR
)
_MAX_AFTER_RE = re.compile(  # "2 hrs max stay", "4 hours maximum", "30 mins limit"
    _DUR + r"\s*(?:max(?:imum)?\.?(?:\s*(?:stay|waiting|parking|period))?|stay|limit|limited\s+waiting|time\s+limit)"
    r"(?![a-z])"
)
_NO_LIMIT_RE = re.compile(
    r"no\s+(?:max(?:imum)?\.?\s*(?:stay|time|waiting)(?:\s+limit)?|time\s+limit|maximum)|unlimited(?:\s+stay)?"
    r"|no\s+limit(?:\s+on\s+stay)?|any\s+length\s+of\s+stay"
)
_BARE_DUR_RE = re.compile(r"(?<![\w.£])" + _DUR)

_PRICE = r"(?:£\s*\d+(?:\.\d{1,2})?|\d+\s*p(?![a-z]))"
_FUEL = r"(?:electric(?:\s+vehicles?)?|evs?|petrol|diesel|non[-\s]?diesel|hybrid|lpg)"
_PER = (
    r"(?:\s*(?:(?:for\s+)?(?:every|each)|per|/|a|an|for)\s*(?:\d+\s*)?(?:hours?|hrs?|hr|h|minutes?|mins?|min)(?![a-z])"
    r"|\s*p\.?h\.?(?![a-z])|\s*hourly)"
)
_FLAT_AFTER = r"\s*(?:per|a|an|for|all|each)\s*(?:the\s+)?(?:day|days|visit|session|stay|week|month|year|flat)"
_TARIFF_ITEM_RE = re.compile(
    rf"(?:\(?{_FUEL}\)?\s*(?:vehicles?\s*)?[-:=]?\s*)?{_PRICE}(?!{_FLAT_AFTER}){_PER}?"
    rf"(?:\s*\(?\s*(?:for\s+)?{_FUEL}(?:\s+vehicles?)?\s*\)?)?"
)
_FLAT_RE = re.compile(rf"{_PRICE}{_FLAT_AFTER}")
_TARIFF_LABEL_RE = re.compile(r"(?:(?:high|low|standard|medium|band\s+\w)\s+)?(?:tariff|charges?|price|cost)s?\s*:?")

_CODE = r"(?:[A-Z]{1,3}-?[A-Z0-9]{0,3}|\d{1,3}(?![\d:.]|\s*[ap]m))"
# a code, not a word: "Zone B or pay by phone" reads the zone B (a lower-case word, or "pay", ends the codes)
_ZONE_CODE = r"(?![a-z]{2,}\b)(?!(?i:pay|paid|free|only|permits?|holders?)\b)[A-Za-z0-9]{1,4}(?:-[A-Za-z0-9]{1,3})?"
_ZONE_CODES = rf"(?i:zones?|areas?|cpz)\s+({_ZONE_CODE}(?:\s*(?:,|&|/|and|or)\s*{_ZONE_CODE})*)"

_U = UserClass
# (pattern, classes that park, classes that load, whether they pay). Order matters: the longer phrases first.
_CLASS_TABLE: tuple[tuple[str, tuple[UserClass, ...], tuple[UserClass, ...], bool], ...] = (
    (r"green\s+badge(?:\s+holders?)?(?:\s+only)?", (_U.GREEN_BADGE,), (), False),
    (
        r"(?:personalised|dedicated|individual)\s+disabled(?:\s+(?:parking\s+)?bay)?",
        (_U.DISABLED_DEDICATED,), (), False,
    ),
    (
        r"(?:blue\s+)?(?:disabled\s+)?badge\s+holders?(?:\s+only)?|blue\s+badges?(?:\s+only)?"
        r"|disabled(?:\s+(?:persons?|drivers?|people|users?|badge|parking|bay|bays|holders?|only))*",
        (_U.BLUE_BADGE,), (), False,
    ),
    (
        r"(?:electric\s+(?:vehicles?|cars?)|e-?vehicles?|evs?)(?:\s+(?:re)?charging)?(?:\s+(?:point|bay|bays|place))?"
        r"(?:\s+only)?|(?:(?:while|whilst|when)\s+)?(?:re)?charging(?:\s+(?:only|point|bay))?",
        (_U.ELECTRIC,), (), False,
    ),
    (r"car\s+club(?:\s+(?:vehicles?|cars?|members?|bays?))?(?:\s+only)?", (_U.CAR_CLUB,), (), False),
    (
        r"(?:solo\s+)?(?:motor\s*cycles?|motor\s*bikes?|m/cycles?|mopeds?|scooters?)(?:\s+(?:and|&)\s+scooters?)?"
        r"(?:\s+(?:only|parking|bay|bays))*",
        (_U.MOTORCYCLE,), (), False,
    ),
    (
        r"(?:goods\s+vehicles?\s+)?(?:loading|unloading)(?:\s+(?:and|&|/)\s+unloading)?(?:\s+(?:only|bay|bays))*"
        r"(?:\s+(?:by\s+)?goods\s+vehicles?(?:\s+only)?)?",
        (), (_U.GOODS,), False,
    ),
    (r"goods\s+vehicles?(?:\s+only)?", (_U.GOODS,), (), False),
    (
        r"(?:doctors?|dr\.?|medical\s+practitioners?|gps?)(?:'s)?(?:\s+(?:only|bay|parking|vehicles?))*",
        (_U.DOCTOR,), (), False,
    ),
    (r"police(?:\s+(?:vehicles?|cars?|only|bay|parking))*", (_U.POLICE,), (), False),
    (r"(?:diplomat(?:s|ic)?|cd)(?:\s+(?:vehicles?|cars?|only|bay|bays|parking|corps))*", (_U.DIPLOMATIC,), (), False),
    (r"(?:taxis?|hackney\s+carriages?|cabs?)(?:\s+(?:rank|only|bay|bays))*", (_U.TAXI,), (), False),
    (
        r"(?:bus(?:es)?|coach(?:es)?)(?:\s+(?:(?:and|&)\s+coach(?:es)?|stop|stand|only|bay|bays|parking))*",
        (_U.BUS,), (), False,
    ),
    (r"business(?:\s+(?:permits?|scheme))?(?:\s+holders?)?(?:\s+only)?", (_U.BUSINESS,), (), False),
    (r"traders?(?:\s+(?:permits?|scheme))?(?:\s+holders?)?(?:\s+only)?", (_U.TRADER,), (), False),
    (
        r"(?<!except\s)(?<!excluding\s)(?:residents?'?s?'?(?:\s+|(?=[^\w\s]|$))|resident\s+)(?:parking\s+)?(?:permit\s+)?(?:holders?\s+)?(?:only|parking)?"
        r"|(?:shared\s+use\s+)?permit\s+holders?(?:\s+only)?|permits?\s+(?:holders?\s+)?only|permit\s+parking",
        (_U.PERMIT,), (), False,
    ),
    (
        r"pay\s*(?:and|&|\+)\s*display|pay\s+(?:by|at|via|using|with)\s+(?:mobile\s+)?(?:phone|mobile|app|machine|meter"
        r"|card)|pay(?:ing)?\s+on[-\s]street|pay\s+here|pay\s+to\s+park|paid(?:[-\s]for)?(?:\s+parking)?"
        r"|cashless(?:\s+parking)?|p\s*&\s*d|pay(?:ment)?\s+parking|pay\s+(?:and|&)\s+park|ringgo|paybyphone|pay",
        (_U.EVERYONE,), (), True,
    ),
    (
        r"free(?:\s+parking)?|all\s+vehicles|anyone|everyone|limited\s+waiting|waiting\s+limited",
        (_U.EVERYONE,), (), False,
    ),
)  # fmt: skip
_CLASS_PHRASES = tuple((re.compile(p), park, load, pays) for p, park, load, pays in _CLASS_TABLE)
_CAR_CLUB_CODE_RE = re.compile(
    r"\s*(?:\(\s*([A-Za-z0-9][\w-]*)\s*\)|(?:[-:,]\s*)?(?:bay|vehicle|permit|code|ref)?\s*(?:no\.?|number|ref\.?)?\s*:?\s*"
    r"([A-Z][A-Z0-9-]*\d[A-Z0-9-]*|\d+|[A-Z]{2,}))"
)
_BADGE_NUMBER_RE = re.compile(r"\s*(?:bay\s*)?(?:no\.?|number|ref\.?|#)?\s*:?\s*(\d+|[A-Z0-9]+\d[A-Z0-9]*)")

_NOISE = frozenset({
    "only", "bay", "bays", "parking", "place", "places", "holders", "holder", "vehicles", "vehicle", "cars", "car",
    "spaces", "space", "at", "all", "in", "this", "the", "a", "an", "for", "by", "of", "on", "use", "with", "valid",
    "displayed", "display", "may", "park", "here", "and", "or", "&", "/", "-", ",", ".", ":", ";", "(", ")", "+", "=",
    "permitted", "allowed", "apply", "applies", "street", "on-street", "off-street", "kerbside", "users", "user",
    "are", "is", "be", "must", "restriction", "restrictions", "controlled", "zone", "zones", "area", "sign", "shared",
})  # fmt: skip
_UNSAFE_RE = re.compile(
    r"\d|\b(?:max|maximum|stay|return|hours?|hrs?|mins?|minutes?|am|pm|noon|midday|midnight|mon|tue|tues|wed|thu"
    r"|thur|thurs|fri|sat|sun|\w*days?|weekends?|daily|limit|limited|waiting|until|till|between|time|times|no|during"
    r"|except|excluding|term|terms|school|event|events|match\w*|season\w*|summer|winter|holidays?|when|while)\b"
)
_TIMES_WORDS_RE = re.compile(
    r"\b(?:am|pm|noon|midday|midnight|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|\w+days?|weekends?|daily|until"
    r"|till|between|times?)\b|\d[:.]\d"
)


def phrase_topic(phrase: str) -> str:
    """Which column an unsafe phrase is about: hours ("times") or a stay limit ("max_stay")."""
    if re.search(r"\b(?:max|maximum|stay|return|limit|limited|waiting|hours?|hrs?|mins?|minutes?)\b", phrase) and \
            not _TIMES_WORDS_RE.search(phrase):  # fmt: skip
        return "max_stay"
    return "times"


# --- reading -----------------------------------------------------------------------------------------------------


@dataclass
class _Found:
    """One phrase read, where it stood in the words (the limits are paired with their hours by position)."""

    kind: str  # "times", "max", "noreturn", "outside", "nolimit"
    start: int
    end: int
    minutes: int | None = None  # "max", "noreturn"
    spans: tuple[TimeSpan, ...] = ()  # "times"


_TAKEN = "\x00"  # what a read phrase leaves behind: it separates the words either side


class _Words:
    """The sign's words being consumed: each phrase read is blanked out so what is left is what was not read."""

    def __init__(self, text: str) -> None:
        self.cased = _normalise(text)
        self.low = self.cased.lower()
        self.left = list(self.low)
        self.found: list[_Found] = []
        self.unread: list[str] = []
        self.unsafe: list[str] = []

    def take(self, start: int, end: int) -> None:
        self.left[start:end] = _TAKEN * (end - start)

    def text(self) -> str:
        return "".join(self.left)

    def refuse(self, phrase: str, *, tariff: bool = False) -> None:
        """Keep an unread phrase; one about hours or a stay limit (never a price) is unsafe."""
        phrase = re.sub(r"\s+", " ", phrase).strip(" ,.;:-/&")
        if phrase and phrase not in self.unread:
            self.unread.append(phrase)
            if not tariff and _UNSAFE_RE.search(phrase):
                self.unsafe.append(phrase)


def _durations(words: _Words) -> None:
    """Maximum stays and no-returns, in the order that keeps one phrase from eating another."""
    for kind, regex in (("outside", _OUTSIDE_RE), ("noreturn", _NO_RETURN_RE), ("max", _MAX_BEFORE_RE),
                        ("max", _MAX_AFTER_RE), ("nolimit", _NO_LIMIT_RE)):  # fmt: skip
        for m in regex.finditer(words.text()):
            value = None
            if kind in ("noreturn", "max"):
                value = _minutes(m)
                if value is None:
                    words.refuse(m.group(0))
                    words.take(m.start(), m.end())
                    continue
            words.found.append(_Found(kind, m.start(), m.end(), minutes=value))
            words.take(m.start(), m.end())
    for m in re.finditer(r"\bno\s+return\b|\bmax(?:imum)?\s+stay\b", words.text()):  # without a readable duration
        words.refuse(m.group(0))
        words.take(m.start(), m.end())


def _bare_durations(words: _Words) -> None:
    """A bare duration on a limited-waiting sign ("Mon-Sat 8am-6pm 1 hour") is its maximum stay; "24 hours" is a
    time (at any time), read with the times."""
    for m in _BARE_DUR_RE.finditer(words.text()):
        if m.group("amount") == "24" and m.group("unit").startswith("h") and not m.group("extra"):
            continue
        if m.group("unit") in ("m", "h") and not re.fullmatch(r"\d+(?:\.\d+)?", m.group("amount")):
            continue  # "a m" is no duration
        value = _minutes(m)
        if value is None:
            continue
        words.found.append(_Found("max", m.start(), m.end(), minutes=value))
        words.take(m.start(), m.end())


def _tariffs(words: _Words) -> tuple[Tariff, ...]:
    tariffs: list[Tariff] = []
    for m in _FLAT_RE.finditer(words.text()):  # a price per day or per visit is no hourly tariff
        words.refuse(m.group(0), tariff=True)
        words.take(m.start(), m.end())
    for m in _TARIFF_ITEM_RE.finditer(words.text()):
        item = re.sub(r"\b(?:for\s+)?(?:every|each)\b|\bfor\b|\ban?\b(?=\s*(?:hour|hr|h\b))", "per", m.group(0))
        item = re.sub(r"\bper\s*(hours?|hrs?|hr|h)\b", "per hour", item)
        item = re.sub(r"\bper\s*(\d+)\s*(minutes?|mins?|min)\b", r"per \1 minutes", item)
        item = re.sub(r"\bhybrid\b|\blpg\b", "", item)
        try:
            read = parse_tariff(item)
        except ParseError:
            words.refuse(m.group(0), tariff=True)
        else:
            tariffs.extend(read)
        words.take(m.start(), m.end())
    for m in _TARIFF_LABEL_RE.finditer(words.text()):
        words.take(m.start(), m.end())
    fuels = [t.fuel for t in tariffs]
    if len(set(fuels)) != len(fuels):
        words.refuse("two prices for the same fuel", tariff=True)
        return ()
    return tuple(tariffs)


def _classes(words: _Words) -> tuple[frozenset[UserClass], frozenset[UserClass], bool, frozenset[str]]:
    park: set[UserClass] = set()
    load: set[UserClass] = set()
    pays = False
    permits: set[str] = set()
    for m in re.finditer(_ZONE_CODES, words.cased):
        if words.text()[m.start() : m.end()].strip(_TAKEN + " "):
            permits |= _codes(m.group(1))
            words.take(m.start(), m.end())
    for regex, cls_park, cls_load, cls_pays in _CLASS_PHRASES:
        for m in regex.finditer(words.text()):
            text = words.text()
            if (m.start() > 0 and text[m.start() - 1].isalnum()) or (m.end() < len(text) and text[m.end()].isalnum()):
                continue  # only whole words
            if m.group(0).startswith("free") and _qualifies_a_class(text, m.start(), m.end()):
                words.take(m.start(), m.end())  # "blue badge holders free": no charge for them, not "anyone"
                continue
            park.update(cls_park)
            load.update(cls_load)
            pays = pays or cls_pays
            words.take(m.start(), m.end())
            end = m.end()
            after = words.cased[end:]
            if UserClass.PERMIT in cls_park:
                permits |= _permit_codes(words, m.start(), end)
            elif UserClass.CAR_CLUB in cls_park or UserClass.DISABLED_DEDICATED in cls_park:
                regex_code = _CAR_CLUB_CODE_RE if UserClass.CAR_CLUB in cls_park else _BADGE_NUMBER_RE
                code = regex_code.match(after)
                if code:
                    token = next(g for g in code.groups() if g)
                    if not _TIME_LIKE_RE.fullmatch(token.lower()):
                        permits.add(normalise_permit(token))
                        words.take(end, end + code.end())
    return frozenset(park), frozenset(load), pays, frozenset(permits)


_TIME_LIKE_RE = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun|am|pm)[\w-]*")
_BEFORE_FREE_RE = re.compile(r"\x00[\s\x00]*(?:(?:may|can)\s+)?(?:park\s+)?$")
_AFTER_FREE_RE = re.compile(r"\s*(?:of\s+charge\s*)?(?:for|to)\s+\x00")


def _qualifies_a_class(text: str, start: int, end: int) -> bool:
    """Whether "free" at ``start``–``end`` says a class already read parks free ("badge holders (park) free",
    "free for blue badge holders") rather than that anyone may park."""
    return bool(_BEFORE_FREE_RE.search(text[:start]) or _AFTER_FREE_RE.match(text, end))


def _codes(text: str) -> frozenset[str]:
    """The codes after "zone" (``Zone F``, ``zones A and B``), as written."""
    out = set()
    for token in re.split(r"\s*(?:,|&|/|\band\b|\bor\b)\s*", text.strip()):
        if not token:
            continue
        if _TIME_LIKE_RE.fullmatch(token.lower()):
            return frozenset()
        out.add(normalise_permit(token))
    return frozenset(out)


_CODE_AFTER_RE = re.compile(r"\s*(?:(?:,|&|/|and|or)\s*)?\(?\s*(" + _CODE + r")\s*\)?(?![\w-])")
_CODE_BEFORE_RE = re.compile(r"(?<![\w-])(" + _CODE + r")\s*$")


def _is_code(token: str, shouting: bool) -> bool:
    """A permit identifier written after or before "permit holders" (``CA-B``, ``F``, ``A1``): in capitals or digits,
    so an ordinary word is not taken for one; on a sign written all in capitals (``shouting``), one with a digit or a
    hyphen, or of one letter."""
    if _TIME_LIKE_RE.fullmatch(token.lower()) or token.lower() in ("only", "a", "i", "or", "and"):
        return False
    if shouting:
        return bool(re.search(r"[\d-]", token)) or len(token) == 1
    return token.isupper() or token.isdigit() or "-" in token


def _permit_codes(words: _Words, start: int, end: int) -> frozenset[str]:
    """The identifiers written after (``Permit holders only A1, A2``) or just before (``CA-B permit holders``) a
    permit phrase at ``start``–``end``; each is taken from the words."""
    shouting = not any(c.islower() for c in words.cased)
    out = set()
    pos = end
    while (hit := _CODE_AFTER_RE.match(words.cased, pos)) and _TAKEN not in words.text()[hit.start(1) : hit.end(1)]:
        if not _is_code(hit.group(1), shouting):
            break
        out.add(normalise_permit(hit.group(1)))
        words.take(hit.start(1), hit.end(1))
        pos = hit.end()
    before = _CODE_BEFORE_RE.search(words.cased[:start])
    if before and _TAKEN not in words.text()[before.start(1) : before.end(1)] and _is_code(before.group(1), shouting):
        out.add(normalise_permit(before.group(1)))
        words.take(before.start(1), before.end(1))
    return frozenset(out)


def _times(words: _Words) -> None:
    """Runs of times-of-operation words, each read by :func:`parse_times`; one that does not read is unsafe."""
    text = words.text()
    pos = 0
    starts = ("any", "hol", "dayword", "day", "time")
    while pos < len(text):
        if text[pos].isspace() or (pos > 0 and text[pos - 1].isalnum()):
            pos += 1
            continue
        m = _TIME_TOKEN_RE.match(text, pos)
        if not m or m.lastgroup not in starts or (m.lastgroup == "time" and not re.search(r"[:.apn]", m.group(0))):
            pos += 1
            continue
        start, end, last_real = pos, m.end(), m.end()
        while True:
            nxt = re.compile(r" *").match(text, end).end()
            t = _TIME_TOKEN_RE.match(text, nxt) if nxt < len(text) else None
            if not t or t.end() == nxt or (t.end() < len(text) and text[t.end() - 1].isalnum()
                                           and text[t.end()].isalnum()):  # fmt: skip
                break
            end = t.end()
            if t.lastgroup not in ("sep", "dash", "between"):
                last_real = end
        phrase = text[start:last_real]
        words.take(start, last_real)
        try:
            spans = parse_times(phrase)
        except ParseError:
            words.refuse(words.low[start:last_real])
        else:
            words.found.append(_Found("times", start, last_real, spans=spans))
        pos = last_real


def _join_spans(runs: list[_Found]) -> tuple[TimeSpan, ...] | None:
    if not runs:
        return None
    out: list[TimeSpan] = []
    for run in runs:
        out.extend(run.spans)
    if any(s.is_always for s in out):
        return (TimeSpan(),)
    return tuple(out)


def _always(run: _Found) -> bool:
    return all(s.days == ALL_DAYS and s.windows == (ALL_DAY,) for s in run.spans)


def _limits(words: _Words, loading_only: bool) -> tuple[tuple[TimeSpan, ...] | None, tuple[SignLimit, ...], bool]:
    """The bay's own hours and its limits, each limit with the hours the sign gives it."""
    found = sorted(words.found, key=lambda f: f.start)
    runs = [f for f in found if f.kind == "times"]
    maxes = [f for f in found if f.kind == "max"]
    returns = {f.minutes for f in found if f.kind == "noreturn" and f.minutes is not None}
    outside = [f for f in found if f.kind == "outside"]
    no_limit = any(f.kind == "nolimit" for f in found)
    if len(returns) > 1:
        words.refuse("no return " + " / ".join(f"{v} minutes" for v in sorted(returns)))
        return _join_spans(runs), (), no_limit
    no_return = next(iter(returns), None)
    binds = "loading" if loading_only else "any"
    if no_limit and maxes:
        words.refuse("no max stay")
        return _join_spans(runs), (), no_limit
    if outside:
        marker = outside[0].start
        window = [r for r in runs if r.end <= marker][-1:] or []
        if not maxes and no_return is None:  # "free parking outside these times": nothing beyond the hours
            return _join_spans(runs), (), no_limit
        if len(maxes) > 1:
            words.refuse("no max stay outside these times")
            return _join_spans(runs), (), no_limit
        if not window:  # "outside these times": the bay's own hours
            limit = SignLimit(maxes[0].minutes if maxes else None, no_return, None, binds)
            return _join_spans(runs), (limit,), no_limit
        rest = [r for r in runs if r is not window[0]]
        limit = SignLimit(maxes[0].minutes if maxes else None, no_return, _join_spans(window), binds)
        return _join_spans(rest), (limit,), no_limit
    if len(maxes) > 1 and len(maxes) == len(runs):  # "Mon-Fri 8am-6pm max 2 hours, Sat 9am-1pm max 4 hours"
        limits = tuple(SignLimit(m.minutes, no_return, r.spans, binds) for m, r in zip(maxes, runs, strict=True))
        return _join_spans(runs), limits, no_limit
    if len(maxes) > 1:
        words.refuse(" / ".join(words.low[m.start : m.end] for m in maxes))
        return _join_spans(runs), (), no_limit
    if not maxes and no_return is None:
        return _join_spans(runs), (), no_limit
    max_stay = maxes[0].minutes if maxes else None
    if len(runs) == 2 and sum(_always(r) for r in runs) == 1:  # "at any time … 3 hours max stay Mon-Sat 8am-6pm"
        window = next(r for r in runs if not _always(r))
        return (TimeSpan(),), (SignLimit(max_stay, no_return, window.spans, binds),), no_limit
    return _join_spans(runs), (SignLimit(max_stay, no_return, None, binds),), no_limit


@lru_cache(maxsize=4_096)
def read_sign(text: str) -> SignReading:
    """Read one sign's words (see the module docstring); never raises for words it does not know. Memoised: a
    borough's file repeats a few hundred wordings over thousands of rows."""
    words = _Words(text)
    _durations(words)
    tariffs = _tariffs(words)
    park, load, pays, permits = _classes(words)
    _bare_durations(words)
    _times(words)
    times, limits, no_limit = _limits(words, loading_only=bool(load) and not park)
    for piece in re.split(r"[,;()/\x00]|\s-\s|\s&\s", words.text()):
        leftover = [w for w in piece.split() if w.strip(".:-'") and w.strip(".:-'") not in _NOISE]
        if leftover:
            words.refuse(" ".join(leftover))
    return SignReading(
        text=text,
        park=park,
        load=load,
        pays=pays,
        permits=permits,
        times=times,
        limits=limits,
        no_limit=no_limit,
        tariffs=tariffs,
        unread=tuple(words.unread),
        unsafe=tuple(words.unsafe),
    )


__all__ = ["SignLimit", "SignReading", "phrase_topic", "read_sign"]
